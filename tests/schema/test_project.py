"""Building, editing, saving and loading projects through the API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

import vnb
from vnb.errors import ProjectError
from vnb.schema import PRESETS, Clip, ExportSettings, Project, resolve_export
from vnb.schema import project as project_module


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative sources of a new project mean the working folder: make it a fresh one."""
    monkeypatch.chdir(tmp_path)


# -- projects made with the API ------------------------------------------------------------


def empty() -> Project:
    return vnb.Project()


def design_example() -> Project:
    """The example of design.md."""
    p = vnb.Project(name="demo", width=1280, height=720, fps=30)
    v = p.add_track("video")
    a = v.add_clip("a.mp4", start=0.0, source_start=1.0, duration=3.0)
    b = v.add_clip("b.mp4", start=2.5, duration=2.0)
    b.effects.append(vnb.effects.brightness(0.1))
    v.add_transition(a, b, "crossfade", duration=0.5)
    p.add_title("Hello", start=0.0, duration=2.0)
    return p


def busy() -> Project:
    p = vnb.Project(name="busy ✓", width=1080, height=1920, fps="24000/1001", sample_rate=44100)
    v = p.add_track("video", "main")
    a = v.add_clip(color="#336699", duration=2.0, fade_in=0.5)
    b = v.add_clip("clips/b.mp4", duration=3.0, speed=1.5, volume=0.25, opacity=0.5)
    b.transform = {"scale": 2.0, "rotation": 90.0, "crop": {"left": 0.25}, "fit": "fill"}
    b.effects += [vnb.effects.hue(30), vnb.effects.vignette(), vnb.effects.sharpen(2)]
    v.add_transition(a, b, "slideup", duration=0.75)
    audio = p.add_track("audio")
    audio.add_clip("music.m4a", duration=5.0, muted=True, metadata={"k": [1, "two", None]})
    text = p.add_track("text")
    text.add_subtitles(cues=[{"start": 0.0, "end": 1.0, "text": "line\nnext"}], offset=-0.25)
    text.add_subtitles("subs.srt")
    text.add_title("Σ title", start=1.0, position="bottom-left", outline=3)
    p.add_marker(1.0, "one")
    p.metadata["made by"] = "test"
    p.export = resolve_export(preset="webm", crf=40)
    return p


BUILDERS = [empty, design_example, busy]


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_save_then_load_gives_an_equal_project(
    build: Callable[[], Project], tmp_path: Path
) -> None:
    p = build()
    path = tmp_path / "p.vnb.json"
    assert p.save(path) == path
    q = vnb.load(path)
    assert q.model_dump() == p.model_dump()
    assert q == p
    assert q.to_json() == p.to_json()
    assert q.file == path
    # Saving the loaded project again writes the same bytes.
    first = path.read_bytes()
    q.save()
    assert path.read_bytes() == first


def test_loaded_objects_know_their_parents(tmp_path: Path) -> None:
    design_example().save(tmp_path / "p.vnb.json")
    q = vnb.load(tmp_path / "p.vnb.json")
    with pytest.raises(ProjectError, match=r"^tracks\[0\]\.clips\[1\]\.volume: "):
        q.tracks[0].clips[1].volume = -1


def test_sparse_document_takes_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "sparse.vnb.json"
    doc = {
        "format": "vnb.project",
        "version": 1,
        "tracks": [{"clips": [{"color": "red"}]}, {"kind": "text", "titles": [{"text": "x"}]}],
    }
    path.write_text(json.dumps(doc))
    p = vnb.load(path)
    assert (p.width, p.height, p.fps, p.sample_rate) == (1920, 1080, Fraction(30), 48000)
    clip = p.tracks[0].clips[0]
    assert (clip.start, clip.duration, clip.speed, clip.transform.fit) == (0.0, 5.0, 1.0, "fit")
    assert p.tracks[1].titles[0].duration == 3.0
    assert p.export == ExportSettings()


def test_equality_ignores_where_objects_sit(tmp_path: Path) -> None:
    a, b = design_example(), design_example()
    assert a == b
    b.tracks[0].clips[0].volume = 0.5
    assert a != b
    assert a != "not a project"
    assert a.tracks[0] == design_example().tracks[0]


# -- editing with bad values ---------------------------------------------------------------


def test_bad_assignment_names_the_path_and_keeps_the_value() -> None:
    p = design_example()
    clip = p.tracks[0].clips[0]
    with pytest.raises(ProjectError, match=r"^tracks\[0\]\.clips\[0\]\.duration: .*greater than 0"):
        clip.duration = -1
    assert clip.duration == 3.0
    with pytest.raises(ProjectError, match=r"^tracks\[0\]\.clips\[0\]\.transform\.scale: "):
        clip.transform.scale = 0
    assert clip.transform.scale == 1.0
    with pytest.raises(ProjectError, match=r"^tracks\[0\]\.clips\[0\]\.transform\.crop\.top: "):
        clip.transform.crop.top = 1.0
    with pytest.raises(ProjectError, match=r"^tracks\[1\]\.titles\[0\]\.size: "):
        p.tracks[1].titles[0].size = 0
    with pytest.raises(ProjectError, match=r"^tracks\[0\]\.transitions\[0\]\.kind: "):
        p.tracks[0].transitions[0].kind = "banana"
    with pytest.raises(ProjectError, match=r"^export\.crf: "):
        p.export.crf = 99
    with pytest.raises(ProjectError, match=r"^markers\[0\]\.time: "):
        p.add_marker(1.0).time = -1
    assert p.markers[0].time == 1.0


def test_refused_cross_field_edit_leaves_the_object_unchanged() -> None:
    # These are refused by model validators that pydantic runs after storing the value.
    p = design_example()
    clip = p.tracks[0].clips[0]
    with pytest.raises(ProjectError, match=r"^tracks\[0\]\.clips\[0\]: fade_in \+ fade_out"):
        clip.fade_in = 10.0
    assert clip.fade_in == 0.0
    assert "fade_in" not in clip.model_fields_set
    with pytest.raises(ProjectError, match="exactly one"):
        clip.source = None
    assert clip.source == "a.mp4"
    with pytest.raises(ProjectError, match="even"):
        p.width = 1281
    assert p.width == 1280
    crop = clip.transform.crop
    crop.left = 0.5
    with pytest.raises(ProjectError, match="nothing of the picture"):
        crop.right = 0.6
    assert crop.right == 0.0


@pytest.mark.parametrize(("field", "value"), [("width", 10_000), ("height", 8194), ("width", 8)])
def test_absurd_sizes_are_refused(field: str, value: int) -> None:
    p = vnb.Project(width=1280, height=720)
    with pytest.raises(ProjectError, match=rf"^{field}: "):
        setattr(p, field, value)
    assert (p.width, p.height) == (1280, 720)
    with pytest.raises(ProjectError, match=rf"^{field}: "):
        vnb.Project(**{field: value})


def test_biggest_canvas_is_accepted() -> None:
    assert vnb.Project(width=8192, height=8192).width == 8192


def test_constructors_raise_project_error() -> None:
    with pytest.raises(ProjectError, match=r"duration: .*greater than 0") as info:
        Clip(color="red", duration=0)
    assert isinstance(info.value, ValueError)
    with pytest.raises(ProjectError, match=r"^name: "):
        vnb.Project(name=7)
    with pytest.raises(ProjectError, match=r"^bogus: Extra inputs"):
        vnb.Project(bogus=1)


def test_strict_values_in_the_api() -> None:
    p = design_example()
    clip = p.tracks[0].clips[0]
    for bad in ("7", None, True, float("nan"), float("inf")):
        with pytest.raises(ProjectError, match=r"clips\[0\]\.volume: "):
            clip.volume = bad
    assert clip.volume == 1.0
    clip.volume = 2  # an int is a fine float
    assert clip.volume == 2.0


def test_too_many_clips_are_refused() -> None:
    def clips(n: int, prefix: str) -> list[dict[str, object]]:
        return [{"id": f"{prefix}{i}", "color": "red", "start": float(i)} for i in range(n)]

    doc = {
        "format": "vnb.project",
        "version": vnb.Project().version,
        "tracks": [{"clips": clips(5001, "a")}, {"clips": clips(5000, "b")}],
    }
    with pytest.raises(ProjectError, match="10001 clips is more than the limit of 10000"):
        vnb.Project(**doc)
    doc["tracks"] = [{"clips": clips(10_001, "a")}]
    with pytest.raises(ProjectError, match=r"tracks\[0\]\.clips: List should have at most 10000"):
        vnb.Project(**doc)


def test_duplicate_clip_ids_are_refused() -> None:
    p = vnb.Project()
    v = p.add_track("video")
    v.add_clip(color="red", id="x", duration=1)
    with pytest.raises(ProjectError, match="'x' already exists"):
        p.add_track("video").add_clip(color="red", id="x", duration=1)
    with pytest.raises(ProjectError, match="clip id 'x' is used twice"):
        vnb.Project(
            tracks=[
                {"clips": [{"id": "x", "color": "red"}]},
                {"clips": [{"id": "x", "color": "red"}]},
            ]
        )


@pytest.mark.parametrize(
    "source",
    ["http://example.com/a.mp4", "https://x/y.mov", "file:///etc/passwd", "rtmp://h/live",
     "concat:a.mp4|b.mp4", "pipe:0", "subfile:a.mp4", "with:colon.mp4", "", "a\x00.mp4"],
)  # fmt: skip
def test_add_clip_refuses_urls_and_protocols(source: str) -> None:
    p = vnb.Project()
    v = p.add_track("video")
    v.add_clip(color="red", duration=1.0)
    with pytest.raises(ProjectError, match=r"^tracks\[0\]\.clips\[1\]\.source: "):
        v.add_clip(source, duration=1.0)
    assert len(v.clips) == 1


def test_add_clip_accepts_local_names() -> None:
    v = vnb.Project().add_track("video")
    assert v.add_clip(Path("dir") / "a.mp4", duration=1.0).source == os.path.join("dir", "a.mp4")
    assert v.add_clip("/abs/b.mp4", duration=1.0).source == "/abs/b.mp4"
    assert v.add_clip("C:/videos/c.mp4", duration=1.0).source == "C:/videos/c.mp4"
    # "name:" would be an ffmpeg protocol; "./name:" is a plain file.
    assert v.add_clip("./with:colon.mp4", duration=1.0).source == "./with:colon.mp4"


def test_add_clip_to_a_text_track_is_refused() -> None:
    t = vnb.Project().add_track("text")
    with pytest.raises(ProjectError, match="text track takes titles"):
        t.add_clip(color="red", duration=1)


@pytest.mark.parametrize("kind", ["banana", "", 3])
def test_add_track_of_unknown_kind(kind: object) -> None:
    p = vnb.Project()
    with pytest.raises(ProjectError, match=r"^tracks\[0\]\.kind: "):
        p.add_track(kind)  # type: ignore[arg-type]
    assert p.tracks == []


def test_add_marker_and_title_name_their_paths() -> None:
    p = vnb.Project()
    with pytest.raises(ProjectError, match=r"^markers\[0\]\.color: not a colour"):
        p.add_marker(1.0, color="not-a-colour")
    with pytest.raises(ProjectError, match=r"^tracks\[0\]\.titles\[0\]\.size: "):
        p.add_title("x", size=0)
    assert p.markers == []


# -- transitions ---------------------------------------------------------------------------


def three_touching() -> tuple[Project, vnb.schema.Track]:
    p = vnb.Project(width=640, height=360)
    v = p.add_track("video")
    for start in (0.0, 3.0, 6.0):
        v.add_clip(color="red", start=start, duration=3.0)
    return p, v


def test_add_transition_on_touching_clips_ripples_later_clips_left() -> None:
    p, v = three_touching()
    tr = v.add_transition("c1", "c2", "wipeleft", duration=0.5)
    assert (tr.from_clip, tr.to_clip, tr.kind, tr.duration) == ("c1", "c2", "wipeleft", 0.5)
    assert [c.start for c in v.clips] == [0.0, 2.5, 5.5]
    assert v.clips[0].end - v.clips[1].start == 0.5
    assert p.duration == 8.5
    from vnb.plan import check_timeline

    assert check_timeline(p) == []


def test_add_transition_on_overlapping_clips_keeps_them() -> None:
    p = design_example()
    v = p.tracks[0]
    assert [c.start for c in v.clips] == [0.0, 2.5]
    assert v.transitions[0].duration == 0.5


def test_add_transition_with_a_mismatching_overlap_is_refused() -> None:
    p = design_example()
    v = p.tracks[0]
    v.transitions.clear()
    with pytest.raises(ProjectError, match=r"overlap by 0\.5 s, not 1 s"):
        v.add_transition("c1", "c2", duration=1.0)
    assert v.transitions == []
    assert [c.start for c in v.clips] == [0.0, 2.5]


def test_add_transition_refusals_move_nothing() -> None:
    _, v = three_touching()
    cases: list[tuple[dict[str, object], str]] = [
        ({"kind": "banana", "duration": 0.5}, r"transitions\[0\]\.kind: "),
        ({"duration": -1.0}, r"transitions\[0\]\.duration: "),
        ({"duration": 5000.0}, r"transitions\[0\]\.duration: "),
        ({"duration": "0.5"}, r"transitions\[0\]\.duration: "),
        ({}, "do not overlap; give a duration"),
        ({"duration": 4.0}, r"transitions\[0\]\.duration: 4 s is longer than clip 'c2'"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ProjectError, match=message):
            v.add_transition("c2", "c3", **kwargs)  # type: ignore[arg-type]
        assert [c.start for c in v.clips] == [0.0, 3.0, 6.0]
        assert v.transitions == []


def test_add_transition_needs_clips_in_order_on_this_track() -> None:
    p, v = three_touching()
    with pytest.raises(ProjectError, match="must start after"):
        v.add_transition("c2", "c1", duration=0.5)
    with pytest.raises(ProjectError, match="must start after"):
        v.add_transition("c1", "c1", duration=0.5)
    with pytest.raises(ProjectError, match="no clip with id 'nope'"):
        v.add_transition("c1", "nope", duration=0.5)
    other = p.add_track("video").add_clip(color="blue", start=3.0, duration=1.0)
    with pytest.raises(ProjectError, match=f"no clip with id '{other.id}'"):
        v.add_transition("c1", other, duration=0.5)
    with pytest.raises(ProjectError, match=r"transitions\[0\]\.kind: "):
        v.add_transition("c1", "c2", "crossfade2", duration=0.5)


def test_audio_tracks_only_crossfade() -> None:
    p = vnb.Project()
    a = p.add_track("audio")
    a.add_clip("m.wav", start=0.0, duration=3.0)
    a.add_clip("m.wav", start=3.0, duration=3.0)
    with pytest.raises(ProjectError, match=r"transitions\[0\]\.kind: audio tracks only crossfade"):
        a.add_transition("c1", "c2", "wipeleft", duration=1.0)
    assert a.clips[1].start == 3.0
    assert a.add_transition("c1", "c2", "crossfade", duration=1.0).kind == "crossfade"


# -- saving --------------------------------------------------------------------------------


def overlapping() -> Project:
    p = vnb.Project(width=640, height=360)
    v = p.add_track("video")
    v.add_clip(color="red", id="intro", start=0.0, duration=3.0)
    v.add_clip(color="blue", id="main", start=2.0, duration=3.0)
    return p


def test_saving_overlapping_clips_without_transition_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "o.vnb.json"
    with pytest.raises(ProjectError) as info:
        overlapping().save(path)
    text = str(info.value)
    assert "o.vnb.json" in text
    assert "'intro' and 'main' overlap" in text
    assert "tracks[0]" in text
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_save_rechecks_edits_made_in_place(tmp_path: Path) -> None:
    p = design_example()
    p.tracks[0].clips.append(Clip(id="c1", color="red", start=10.0))  # bypasses add_clip
    with pytest.raises(ProjectError, match="clip id 'c1' is used twice"):
        p.save(tmp_path / "p.vnb.json")
    assert list(tmp_path.iterdir()) == []


def test_save_without_a_name_is_refused() -> None:
    with pytest.raises(ProjectError, match="give a file name"):
        vnb.Project().save()


def test_save_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="does not exist"):
        design_example().save(tmp_path / "nowhere" / "p.vnb.json")
    assert list(tmp_path.iterdir()) == []


def test_save_keeps_the_previous_version_as_bak(tmp_path: Path) -> None:
    path = tmp_path / "p.vnb.json"
    p = design_example()
    p.save(path)
    first = path.read_bytes()
    assert not (tmp_path / "p.vnb.json.bak").exists()
    p.name = "second"
    p.save()
    assert (tmp_path / "p.vnb.json.bak").read_bytes() == first
    second = path.read_bytes()
    p.name = "third"
    p.save()
    assert (tmp_path / "p.vnb.json.bak").read_bytes() == second
    assert vnb.load(path).name == "third"
    assert sorted(f.name for f in tmp_path.iterdir()) == ["p.vnb.json", "p.vnb.json.bak"]


def _boom(*_args: object, **_kwargs: object) -> None:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("step", ["replace", "fsync", "write"])
def test_a_save_failing_half_way_leaves_the_old_file(
    step: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.vnb.json"
    p = design_example()
    p.save(path)
    before = path.read_bytes()
    p.name = "changed"
    if step == "write":
        real = os.fdopen

        def fdopen(fd: int, mode: str = "r", *args: object, **kwargs: object) -> object:
            f = real(fd, mode, *args, **kwargs)

            class Torn:
                def __enter__(self) -> Torn:
                    return self

                def __exit__(self, *exc: object) -> None:
                    f.close()

                def write(self, data: bytes) -> int:
                    f.write(data[: len(data) // 2])  # half of it, then the disk is full
                    raise OSError(28, "No space left on device")

            return Torn()

        monkeypatch.setattr(project_module.os, "fdopen", fdopen)
    else:
        monkeypatch.setattr(project_module.os, step, _boom)
    with pytest.raises(ProjectError, match=r"p\.vnb\.json: cannot save: No space left on device"):
        p.save()
    monkeypatch.undo()
    assert path.read_bytes() == before
    leftovers = sorted(f.name for f in tmp_path.iterdir())
    assert leftovers in (["p.vnb.json"], ["p.vnb.json", "p.vnb.json.bak"])
    assert vnb.load(path).name == "demo"


def test_stale_temp_files_are_swept(tmp_path: Path) -> None:
    path = tmp_path / "p.vnb.json"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = [tmp_path / f".p.vnb.json.{dead}.abc123.tmp", tmp_path / ".p.vnb.json.zzz.tmp"]
    for s in stale:
        s.write_text("{torn")
    os.utime(stale[1], (time.time() - 7200,) * 2)  # no pid (older vnb): swept when old
    live = tmp_path / f".p.vnb.json.{os.getppid()}.abc.tmp"  # a live process's save
    live.write_text("{")
    unrelated = tmp_path / ".other.vnb.json.abc.tmp"
    unrelated.write_text("{")
    design_example().save(path)
    assert not any(s.exists() for s in stale)
    assert unrelated.exists()  # only this file's temp files are swept
    assert live.exists()  # and never those of a live process
    assert vnb.load(path) == design_example()


def test_saving_elsewhere_rebases_relative_sources(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "deep").mkdir(parents=True)
    p = design_example()
    p.save(tmp_path / "a" / "p.vnb.json")
    p.tracks[0].clips[0].source = "x.mp4"  # now: next to a/p.vnb.json
    p.tracks[0].clips[1].source = "/abs/b.mp4"
    p.save(tmp_path / "b" / "deep" / "p.vnb.json")
    assert p.tracks[0].clips[0].source == os.path.join("..", "..", "a", "x.mp4")
    assert p.tracks[0].clips[1].source == "/abs/b.mp4"
    q = vnb.load(tmp_path / "b" / "deep" / "p.vnb.json")
    assert (q.base_dir / q.tracks[0].clips[0].source).resolve() == tmp_path / "a" / "x.mp4"
    assert q.tracks[0].clips[1].source == "/abs/b.mp4"


def test_a_new_project_names_sources_relative_to_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "projects").mkdir()
    p = design_example()  # "a.mp4" means ./a.mp4 until the project has a file
    assert p.base_dir == tmp_path
    p.save("projects/p.vnb.json")
    assert p.tracks[0].clips[0].source == os.path.join("..", "a.mp4")
    assert p.base_dir == tmp_path / "projects"
    q = vnb.load(tmp_path / "projects" / "p.vnb.json")
    assert (q.base_dir / q.tracks[0].clips[0].source).resolve() == tmp_path / "a.mp4"


def test_a_failed_save_elsewhere_does_not_rebase(tmp_path: Path) -> None:
    p = design_example()
    p.save(tmp_path / "p.vnb.json")
    with pytest.raises(ProjectError):
        p.save(tmp_path / "missing" / "p.vnb.json")
    assert p.tracks[0].clips[0].source == "a.mp4"
    assert p.file == tmp_path / "p.vnb.json"


def test_subtitle_files_are_rebased_too(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    p = busy()
    p.save(tmp_path / "p.vnb.json")
    p.save(tmp_path / "sub" / "p.vnb.json")
    assert p.tracks[2].subtitles[1].file == os.path.join("..", "subs.srt")


# -- export settings -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_resolves(name: str) -> None:
    settings = resolve_export(preset=name)
    assert settings.preset == name
    for key, value in PRESETS[name].items():
        assert getattr(settings, key) == value


def test_overrides_apply_over_a_preset() -> None:
    s = resolve_export(
        preset="web-720p", crf=18, speed="veryfast", video_codec="libx265", hardware="auto"
    )
    assert (s.width, s.height, s.crf, s.speed, s.video_codec, s.hardware) == (
        1280, 720, 18, "veryfast", "libx265", "auto",
    )  # fmt: skip
    assert resolve_export(preset="gif", width=None).width == 480  # None: keep the preset's


def test_overrides_apply_over_base_settings() -> None:
    base = ExportSettings(crf=30, audio_codec="libopus")
    s = resolve_export(base, audio_bitrate=96_000)
    assert (s.crf, s.audio_codec, s.audio_bitrate) == (30, "libopus", 96_000)
    assert base.audio_bitrate == 192_000
    assert resolve_export() == ExportSettings()


def test_unknown_preset_is_named() -> None:
    with pytest.raises(ProjectError, match=r"unknown preset 'web-4k'.*web-720p"):
        resolve_export(preset="web-4k")


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"bitrate": 5}, "export.bitrate: Extra inputs are not permitted"),
        ({"crf": 99}, "export.crf: "),
        ({"crf": "20"}, "export.crf: "),
        ({"speed": "warp"}, "export.speed: "),
        ({"hardware": "gpu"}, "export.hardware: "),
        ({"fps": 0}, "export.fps: "),
    ],
)
def test_bad_override_is_named(overrides: dict[str, object], path: str) -> None:
    with pytest.raises(ProjectError, match=path.replace(".", r"\.")):
        resolve_export(preset="default", **overrides)
