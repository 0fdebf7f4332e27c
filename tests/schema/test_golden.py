"""Golden project files: hand-written documents that pin the on-disk format.

Decision: a golden file is written in the canonical form ``save`` produces — every field,
in declaration order, indented by 2, floats with a decimal point, UTF-8 as is, no trailing
newline — so loading and saving it back must give the very same bytes. A change that renames,
reorders, adds or re-defaults a field, or changes how a value is written, fails here; update
the golden files by hand (and add a migration if old files need one).
"""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import vnb
from vnb.easing import bezier, spring
from vnb.plan import check_timeline
from vnb.schema import ExportSettings, Project, resolve_export
from vnb.schema.detection import Overlay, Redaction

BASELINES = Path(__file__).with_name("baselines")
GOLDEN = sorted(BASELINES.glob("*.vnb.json"))


def test_there_are_golden_files() -> None:
    assert {p.name for p in GOLDEN} >= {"minimal.vnb.json", "full.vnb.json"}


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda p: p.name)
def test_golden_loads_and_serialises_to_the_same_text(golden: Path) -> None:
    project = vnb.load(golden)
    assert project.to_json() == golden.read_text(encoding="utf-8")
    assert check_timeline(project) == []


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda p: p.name)
def test_golden_saves_back_byte_identical(golden: Path, tmp_path: Path) -> None:
    # Saved in its own folder so relative sources are not rebased.
    copy = tmp_path / golden.name
    shutil.copyfile(golden, copy)
    project = vnb.load(copy)
    assert project.save() == copy
    assert copy.read_bytes() == golden.read_bytes()
    assert (tmp_path / f"{golden.name}.bak").read_bytes() == golden.read_bytes()
    assert vnb.load(copy) == project


def expected_minimal() -> Project:
    p = vnb.Project(name="minimal", width=640, height=360, fps=25)
    p.add_track("video").add_clip(color="navy", duration=2.0)
    return p


def expected_full() -> Project:
    p = vnb.Project(
        name="Full feature tour",
        width=2560,
        height=1440,
        fps="30000/1001",
        sample_rate=44100,
        background="#101010",
    )
    main = p.add_track("video", "main")
    c1 = main.add_clip(
        "media/a.mp4",
        start=0.0,
        source_start=1.5,
        duration=4.0,
        speed=2.0,
        reverse=True,
        volume=0.5,
        fade_in=0.5,
        transform={
            "x": 120.0,
            "y": -40.5,
            "scale": 1.25,
            "rotation": -7.5,
            "crop": {"left": 0.1, "top": 0.05, "right": 0.2, "bottom": 0.15},
            "fit": "fill",
        },
        effects=[vnb.effects.brightness(0.1), vnb.effects.blur(4)],
        metadata={"take": 3, "note": "best take"},
    )
    c2 = main.add_clip(color="#102030", start=3.5, duration=3.0)
    c3 = main.add_clip("media/b.mov", start=6.0, duration=5.0, muted=True, freeze=True)
    c3.effects += [vnb.effects.sepia(0.6), vnb.effects.grayscale()]
    c4 = main.add_clip(color="white", start=10.0, duration=2.0, fade_out=0.5)
    main.add_transition(c1, c2)  # the 0.5 s overlap
    main.add_transition(c2, c3, "wipeleft", duration=0.5)
    main.add_transition(c3, c4, "circleopen", duration=1.0)

    pip = p.add_track("video", "picture in picture")
    c5 = pip.add_clip(
        "/media/shared/logo.png",
        start=1.0,
        duration=8.0,
        opacity=0.8,
        fade_in=0.5,
        fade_out=0.5,
        transform={"x": 500.0, "y": -260.0, "scale": 0.25, "fit": "stretch"},
        effects=[vnb.effects.chromakey("#00ff00", similarity=0.2, blend=0.1)],
    )
    c5.animate(
        "transform.x",
        [(0, 700.0, "ease_out"), (1.5, 500.0, bezier(0.25, 0.1, 0.25, 1)), (7, 480.0)],
    )
    c5.animate("transform.scale", {0: 0.2, 1: 0.25}, easing=spring(stiffness=120, damping=14))
    c5.animate("opacity", [(0, 0.0), (0.5, 0.8, "hold")])
    pip.muted = True
    pip.locked = True

    music = p.add_track("audio", "music")
    m1 = music.add_clip(
        "media/music.wav", id="m1", start=0.0, duration=6.0, volume=0.8, fade_in=1.0
    )
    m2 = music.add_clip(
        "media/music.wav",
        id="m2",
        start=6.0,
        source_start=30.0,
        duration=7.0,
        volume=0.8,
        fade_out=2.0,
    )
    music.add_transition(m1, m2, "fade", duration=1.0)  # touching: m2 moves to 5.0
    music.metadata = {"license": "CC-BY-4.0"}

    titles = p.add_track("text", "titles")
    hello = titles.add_title(
        "Hello, vnb",
        start=0.5,
        duration=2.5,
        font="DejaVu Sans",
        size=72,
        color="#ffcc00",
        bold=True,
        position="top",
        margin=60,
        box=True,
        box_color="#00000080",
        outline=2,
        outline_color="navy",
        fade_in=0.5,
        fade_out=0.25,
        x=10.0,
        y=-20.0,
        scale=1.5,
        opacity=0.9,
    )
    hello.animate("y", {0: 60, 0.6: -20}, easing="ease_in_out")
    titles.add_title(
        'The end\nThanks for watching "vnb"', start=9.0, duration=3.0, position="bottom-right"
    )
    titles.add_subtitles(
        cues=[
            {"start": 1.0, "end": 2.5, "text": "First line"},
            {"start": 3.0, "end": 4.5, "text": "Zweite Zeile — ünïcödé ✓"},
        ],
        offset=0.25,
        size=36,
        color="yellow",
        font="DejaVu Sans",
        box=False,
        box_color="#000000c0",
        margin=30,
    )
    captions = p.add_track("text", "captions")
    captions.add_subtitles("media/captions.srt", offset=-0.5)
    captions.hidden = True

    p.add_marker(3.5, "first cut")
    p.add_marker(10.0, "ending", color="#ff00ff")
    p.overlays = [
        Overlay(
            source="media/a.mp4",
            width=1920,
            height=1080,
            step=0.1,
            names=["car", "person"],
            times="AAAAAAAA+D+amZmZmZn5Pw==",  # 1.5, 1.6
            rows=(  # two boxes: slot, x1, y1, x2, y2, score, class, track
                "AAAAAAAAyEIAAEhDAACWQwAAyENmZmY/AACAPwAAQEAAAIA/"
                "AADcQgAASEMAAJtDAADIQ5qZWT8AAAAAAACAvw=="
            ),
            classes=["person"],
            min_score=0.4,
            burn=True,
        )
    ]
    p.redactions = [
        Redaction(
            source="media/a.mp4",
            width=1920,
            height=1080,
            step=0.2,
            track_id=3,
            mode="pixelate",
            strength=0.8,
            margin=0.3,
            hold=0.5,
            times="AAAAAAAA+D8zMzMzMzP7Pw==",  # 1.5, 1.7
            boxes="AADIQgAASEMAAJZDAADIQwAA8EIAAFJDAACgQwAAzUM=",
        )
    ]
    p.metadata = {
        "author": "vnb tests",
        "tags": ["golden", "full"],
        "revision": 3,
        "approved": True,
        "reviewer": None,
        "ratio": 1.5,
        "nested": {"deep": [1, 2, {"x": "y"}]},
    }
    p.export = resolve_export(
        preset="web-720p",
        container="mkv",
        video_codec="libx265",
        crf=24,
        speed="veryfast",
        pix_fmt="yuv422p10le",
        audio_codec="libopus",
        audio_bitrate=160_000,
        fps=29.97,
        faststart=False,
        hardware="auto",
        fit="crop",
    )
    return p


@pytest.mark.parametrize(
    ("name", "build"),
    [("minimal.vnb.json", expected_minimal), ("full.vnb.json", expected_full)],
)
def test_golden_gives_the_expected_objects(name: str, build: Any) -> None:
    loaded = vnb.load(BASELINES / name)
    built = build()
    assert loaded.model_dump() == built.model_dump()
    assert loaded == built


def test_full_golden_details() -> None:
    p = vnb.load(BASELINES / "full.vnb.json")
    assert p.fps == Fraction(30000, 1001)
    assert p.file == (BASELINES / "full.vnb.json").absolute()
    assert p.base_dir == BASELINES.absolute()
    assert [t.kind for t in p.tracks] == ["video", "video", "audio", "text", "text"]
    main = p.tracks[0]
    assert [c.id for c in main.clips] == ["c1", "c2", "c3", "c4"]
    assert [(x.from_clip, x.to_clip, x.kind) for x in main.transitions] == [
        ("c1", "c2", "crossfade"),
        ("c2", "c3", "wipeleft"),
        ("c3", "c4", "circleopen"),
    ]
    c1 = main.clip("c1")
    assert c1.source_range() == (1.5, 9.5)
    assert c1.transform.crop.right == 0.2
    assert [e.name for e in c1.effects] == ["brightness", "blur"]
    assert main.clip("c2").color == "#102030"
    assert p.tracks[2].clip("m2").start == 5.0
    assert p.tracks[3].subtitles[0].cues[1].text == "Zweite Zeile — ünïcödé ✓"
    assert p.tracks[3].titles[1].text == 'The end\nThanks for watching "vnb"'
    assert p.tracks[4].subtitles[0].file == "media/captions.srt"
    assert p.metadata["nested"] == {"deep": [1, 2, {"x": "y"}]}
    assert p.export == ExportSettings.model_validate(p.export.model_dump())
    assert p.export.fps == 29.97
    assert p.duration == 12.0


def _uncovered(obj: Any, seen: dict[type, set[str]]) -> None:
    """Record, per model class, the fields that hold a non-default value somewhere."""
    if isinstance(obj, BaseModel):
        hit = seen.setdefault(type(obj), set())
        for name, field in type(obj).model_fields.items():
            value = getattr(obj, name)
            if field.is_required() or value != field.get_default(call_default_factory=True):
                hit.add(name)
            _uncovered(value, seen)
    elif isinstance(obj, list):
        for x in obj:
            _uncovered(x, seen)


def test_full_golden_uses_every_field() -> None:
    """Every field of every model differs from its default somewhere in full.vnb.json."""
    seen: dict[type, set[str]] = {}
    _uncovered(vnb.load(BASELINES / "full.vnb.json"), seen)
    exempt = {"format", "version"}  # one possible value each
    missing = {
        cls.__name__: sorted(set(cls.model_fields) - names - exempt)
        for cls, names in seen.items()
        if set(cls.model_fields) - names - exempt
    }
    assert missing == {}
    assert {c.__name__ for c in seen} == {
        "Project", "Track", "Clip", "Transform", "Crop", "Effect", "Transition", "Title",
        "Subtitles", "Cue", "Marker", "ExportSettings", "Overlay", "Redaction",
    }  # fmt: skip


@pytest.mark.parametrize("name", ["minimal", "full"])
def test_version_1_documents_load_unchanged(name: str) -> None:
    """A version-1 file (before keyframes) loads as the same project, now version 2."""
    old = vnb.load(BASELINES / "v1" / f"{name}.vnb.json")
    new = vnb.load(BASELINES / f"{name}.vnb.json")
    assert old.version == 2
    for clip in (c for t in new.tracks for c in t.clips):
        clip.animations = {}
        clip.reverse, clip.freeze = False, False  # fields added beside keyframes
    for title in (t for tr in new.tracks for t in tr.titles):
        title.animations = {}
        title.x, title.y, title.scale, title.opacity = 0.0, 0.0, 1.0, 1.0
    assert old.to_json() == new.to_json()
