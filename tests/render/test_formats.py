"""The output's extension chooses the container and codecs; vertical exports choose a fit.

Each render is a tiny real one (160×120 or 160×90, 1 s) decoded back with PyAV.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

import vnb
from vnb import cache
from vnb.errors import ProjectError, RenderError
from vnb.schema import resolve_export

from .avcheck import audio_samples, dominant_frequency, psnr, segment, video_frames

FAST = {"speed": "ultrafast", "crf": 10, "progress_bar": False}
MP4 = "mov,mp4,m4a,3gp,3g2,mj2"
MKV = "matroska,webm"


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path: Path):
    cache.configure(directory=tmp_path.parent / f"{tmp_path.name}-cache")
    yield
    cache.configure()


@pytest.fixture(scope="module")
def source(media: Callable[..., Path]) -> Path:
    return media(
        "formats-src.mp4", video="testsrc2=s=160x120:r=30:d=2", audio="sine=f=440:d=2", gop=30
    )


@pytest.fixture
def project(source: Path) -> vnb.Project:
    p = vnb.Project(name="formats", width=160, height=120, fps=30)
    p.add_track("video").add_clip(source, duration=1.0)
    return p


def brand(path: Path) -> bytes:
    """An MP4/QuickTime file's major brand, or the first bytes of anything else."""
    head = path.read_bytes()[:64]
    return head[8:12] if head[4:8] == b"ftyp" else head


# name, demuxer, brand/doctype bytes, video codec, audio codec (PyAV decoder names)
CASES = [
    ("out.mp4", MP4, b"isom", "h264", "aac"),
    ("out.m4v", MP4, b"isom", "h264", "aac"),
    ("out.mov", MP4, b"qt  ", "h264", "aac"),
    ("out.mkv", MKV, b"matroska", "h264", "aac"),
    ("out.webm", MKV, b"webm", "vp9", "opus"),
    ("out.gif", "gif", b"GIF89a", "gif", None),
    ("out.m4a", MP4, b"M4A ", None, "aac"),
    ("out.wav", "wav", b"WAVE", None, "pcm_s16le"),
    ("out.mp3", "mp3", b"ID3", None, "mp3float"),
    ("out.flac", "flac", b"fLaC", None, "flac"),
    ("out.opus", "ogg", b"OpusHead", None, "opus"),
    ("out.ogg", "ogg", b"OpusHead", None, "opus"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_extension_chooses_container_and_codecs(
    project: vnb.Project, tmp_path: Path, case: tuple[str, str, bytes, str | None, str | None]
) -> None:
    name, demuxer, magic, vcodec, acodec = case
    out = tmp_path / name
    result = project.render(out, **FAST)
    assert result.path == out
    assert magic in brand(out)
    with av.open(str(out)) as container:
        assert container.format.name == demuxer
        videos, audios = container.streams.video, container.streams.audio
        assert (videos[0].codec_context.name if videos else None) == vcodec
        assert (audios[0].codec_context.name if audios else None) == acodec
        assert container.duration / 1e6 == pytest.approx(1.0, abs=0.03)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary left
    if vcodec is not None:
        frames = video_frames(out)
        assert len(frames) == 30 == result.frames
        for k in (0, 15, 29):
            want = project.frame_at(k / 30)
            if vcodec == "gif":  # 256 colours, dithered: close, not exact
                assert np.abs(frames[k].astype(int) - want).mean() < 12, k
            else:
                assert psnr(frames[k], want) >= 30, k
    if acodec is not None:
        sound, rate = audio_samples(out)
        assert sound.shape[1] / rate == pytest.approx(1.0, abs=0.03)
        assert dominant_frequency(segment(sound, rate, 0, 1), rate) == pytest.approx(440, abs=3)


def test_gif_colours_stay_close_to_the_source(project: vnb.Project, tmp_path: Path) -> None:
    """The palette is made for the clip (palettegen + paletteuse in the one graph)."""
    out = tmp_path / "out.gif"
    project.render(out, **FAST)
    frames = video_frames(out)
    want = np.stack([project.frame_at(k / 30) for k in range(30)])
    assert frames.shape == want.shape
    # every source colour has a near palette entry: per-pixel error stays small on average
    errors = np.abs(frames.astype(int) - want).mean(axis=(1, 2, 3))
    assert errors.max() < 6, errors.round(1)
    assert psnr(frames, want) >= 25
    assert max(len(np.unique(f.reshape(-1, 3), axis=0)) for f in frames) <= 256


def test_mov_takes_prores_when_asked(project: vnb.Project, tmp_path: Path) -> None:
    out = tmp_path / "master.mov"
    result = project.render(out, video_codec="prores", **FAST)
    assert result.video_codec == "prores_ks"
    with av.open(str(out)) as container:
        video = container.streams.video[0].codec_context
        assert (video.name, video.pix_fmt) == ("prores", "yuv422p10le")
        assert container.streams.audio[0].codec_context.name == "aac"
    assert psnr(video_frames(out)[15], project.frame_at(0.5)) >= 30  # 4:2:0 made 4:2:2


def test_mkv_takes_opus_when_asked(project: vnb.Project, tmp_path: Path) -> None:
    out = tmp_path / "out.mkv"
    project.render(out, audio_codec="opus", **FAST)
    with av.open(str(out)) as container:
        assert container.streams.audio[0].codec_context.name == "opus"
        assert container.streams.video[0].codec_context.name == "h264"


@pytest.mark.parametrize(
    ("name", "settings", "streams"),
    [
        ("a.mp4", {"audio_codec": "opus"}, ["h264", "opus"]),
        ("b.mp4", {"video_codec": "hevc", "audio_codec": "mp3"}, ["hevc", "mp3float"]),
        ("c.mp4", {"video_codec": "none"}, ["aac"]),
        ("d.mkv", {"video_codec": "vp9", "audio_codec": "flac"}, ["vp9", "flac"]),
        ("e.mkv", {"video_codec": "prores", "audio_codec": "pcm"}, ["prores", "pcm_s16le"]),
        ("f.mov", {"audio_codec": "none"}, ["h264"]),
        ("g.webm", {"video_codec": "none"}, ["opus"]),
    ],
)
def test_other_codecs_a_container_takes(
    project: vnb.Project, tmp_path: Path, name: str, settings: dict[str, str], streams: list[str]
) -> None:
    project.render(tmp_path / name, **{**FAST, **settings})
    with av.open(str(tmp_path / name)) as container:
        assert [s.codec_context.name for s in container.streams] == streams


def test_presets_that_agree_with_the_extension_still_apply(
    project: vnb.Project, tmp_path: Path
) -> None:
    out = tmp_path / "small.webm"
    result = project.render(out, preset="web-720p", width=80, height=60, **FAST)
    assert (result.video_codec, result.audio_codec) == ("libvpx-vp9", "libopus")
    with av.open(str(out)) as container:
        video = container.streams.video[0].codec_context
        assert (video.name, video.width, video.height) == ("vp9", 80, 60)


# -- PNG sequences -------------------------------------------------------------------------


def test_png_pattern_writes_numbered_frames(project: vnb.Project, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = project.render(tmp_path / "shot_%05d.png", **FAST)
    assert result.path == tmp_path / "shot_%05d.png"
    assert result.frames == 30 and result.audio_codec is None
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["notes.txt", *(f"shot_{n:05d}.png" for n in range(1, 31))]
    assert (tmp_path / "notes.txt").read_text() == "mine"
    for k in (0, 15, 29):
        with av.open(str(tmp_path / f"shot_{k + 1:05d}.png")) as container:
            frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
        assert frame.shape == (120, 160, 3)
        assert psnr(frame, project.frame_at(k / 30)) >= 35


def test_png_folder_appears_whole(project: vnb.Project, tmp_path: Path) -> None:
    result = project.render(f"{tmp_path}/frames/", **FAST)
    assert result.path == tmp_path / "frames"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]  # no staging folder left
    assert len(list((tmp_path / "frames").glob("frame_*.png"))) == 30
    with av.open(str(tmp_path / "frames" / "frame_00016.png")) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert psnr(frame, project.frame_at(0.5)) >= 35
    # a folder name without a slash needs container="png"
    project.render(tmp_path / "more", container="png", **FAST)
    assert len(list((tmp_path / "more").iterdir())) == 30


def test_png_sequences_never_replace_a_file(project: vnb.Project, tmp_path: Path) -> None:
    mine = tmp_path / "shot_00007.png"
    mine.write_bytes(b"my own picture")
    with pytest.raises(RenderError, match=r"shot_00007\.png already exists"):
        project.render(tmp_path / "shot_%05d.png", **FAST)
    assert mine.read_bytes() == b"my own picture"
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "keep.txt").write_text("mine")
    with pytest.raises(RenderError, match="already exists"):
        project.render(f"{tmp_path}/frames/", **FAST)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "shot_00007.png"]
    assert [p.name for p in (tmp_path / "frames").iterdir()] == ["keep.txt"]


@pytest.mark.parametrize("target", ["pattern", "folder"])
def test_a_file_that_appears_during_the_render_is_kept(
    project: vnb.Project, tmp_path: Path, target: str
) -> None:
    """Someone writes a frame's name (or the folder) while ffmpeg runs: theirs is kept, ours
    go away whole."""
    theirs = tmp_path / ("shot_00030.png" if target == "pattern" else "frames")
    output = tmp_path / "shot_%05d.png" if target == "pattern" else f"{tmp_path}/frames/"

    def intrude(_progress: object) -> None:
        if not theirs.exists():
            theirs.write_bytes(b"theirs")

    with pytest.raises(RenderError, match="appeared during the render"):
        project.render(output, on_progress=intrude, **FAST)
    assert theirs.read_bytes() == b"theirs"
    assert [p.name for p in tmp_path.iterdir()] == [theirs.name]  # nothing of ours is left


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "settings", "pattern"),
    [
        ("x.webm", {"video_codec": "h264"}, r"x\.webm \(WebM\) takes video_codec libvpx-vp9.*mp4"),
        ("x.mp4", {"preset": "webm"}, r"preset 'webm' writes WebM \(\.webm\)"),
        ("x.gif", {"audio_codec": "aac"}, r"takes audio_codec none, not 'aac'"),
        ("x.wav", {"video_codec": "libx264"}, r"WAV audio\) takes video_codec none"),
        ("x.mov", {"video_codec": "vp9"}, r"takes video_codec libx264 or prores_ks"),
        ("x.m4a", {"preset": "gif"}, r"preset 'gif' writes animated GIF \(\.gif\)"),
        ("x.mkv", {"container": "mp4"}, r"container='mp4' writes MP4"),
        ("x.avi", {}, r"unknown extension '\.avi'; vnb writes \.mp4 .*\.webm .*\.wav"),
        ("x", {}, r"no extension; vnb writes \.mp4 .*container='png'"),
        ("x.png", {}, r"image sequence; number its frames .* x_%05d\.png, or name a folder"),
        ("x_%05d_%d.png", {}, r"image sequence"),
        ("x_%5d.png", {}, r"image sequence"),
        ("x.mp4", {"container": "avi"}, r"'avi' is not one of mp4, mov"),
    ],
)
def test_contradictions_and_unknown_extensions_are_refused(
    project: vnb.Project, tmp_path: Path, name: str, settings: dict[str, str], pattern: str
) -> None:
    with pytest.raises(ProjectError, match=pattern):
        project.render(tmp_path / name, **{**FAST, **settings})
    with pytest.raises(ProjectError, match=pattern):  # the background job refuses alike
        project.render_async(tmp_path / name, **{**FAST, **settings}).result(timeout=60)
    assert list(tmp_path.iterdir()) == []


def test_the_projects_own_settings_count_as_asked_for(project: vnb.Project, tmp_path: Path) -> None:
    project.export = resolve_export(preset="prores")
    with pytest.raises(ProjectError, match=r"the project's export settings writes QuickTime"):
        project.render(tmp_path / "x.webm", **FAST)
    result = project.render(tmp_path / "x.mov", **FAST)
    assert (result.video_codec, result.audio_codec) == ("prores_ks", "pcm_s16le")


def test_the_render_cache_keys_on_the_format(project: vnb.Project, tmp_path: Path) -> None:
    """An MP4 made first is not served as the WebM asked for next."""
    first = project.render_async(tmp_path / "a.mp4", **FAST).result(timeout=60)
    second = project.render_async(tmp_path / "a.webm", **FAST).result(timeout=60)
    assert first.video_codec == "libx264" and second.video_codec == "libvpx-vp9"
    with av.open(str(tmp_path / "a.webm")) as container:
        assert container.streams.video[0].codec_context.name == "vp9"
    again = project.render_async(tmp_path / "b.webm", **FAST).result(timeout=60)
    assert "served from the render cache" in again.note
    frames = project.render_async(f"{tmp_path}/f/", **FAST).result(timeout=60)
    assert frames.frames == 30 and len(list((tmp_path / "f").iterdir())) == 30


def test_smart_render_falls_back_for_other_containers(project: vnb.Project, tmp_path: Path) -> None:
    mp4 = project.render(tmp_path / "a.mp4", **FAST)
    assert mp4.smart  # the plain cut of an H.264 source is copied …
    mkv = project.render(tmp_path / "a.mkv", **FAST)
    assert not mkv.smart  # … but only into MP4
    assert mkv.smart_note == "smart render writes MP4 only, not Matroska: rendered normally"
    with av.open(str(tmp_path / "a.mkv")) as container:
        assert container.format.name == MKV
    assert "MP4 only" in project.render(tmp_path / "a.webm", **FAST).smart_note


def test_cli_render_follows_the_extension(project: vnb.Project, tmp_path: Path) -> None:
    doc = tmp_path / "p.vnb.json"
    project.save(doc)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "vnb", "render", str(doc), *args, "-q", "--speed=ultrafast"]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)

    done = cli(str(tmp_path / "out.webm"))
    assert done.returncode == 0, done.stderr
    with av.open(str(tmp_path / "out.webm")) as container:
        assert [s.codec_context.name for s in container.streams] == ["vp9", "opus"]
    done = cli(str(tmp_path / "out.mov"), "--video-codec", "prores")
    assert done.returncode == 0, done.stderr
    with av.open(str(tmp_path / "out.mov")) as container:
        assert container.streams.video[0].codec_context.name == "prores"
    done = cli(str(tmp_path / "out.avi"))
    assert done.returncode == 1
    assert "unknown extension '.avi'; vnb writes .mp4" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out.avi").exists()


# -- vertical exports of a landscape project --------------------------------------------------

BARS = (  # red, green, blue bars, no pixel darker than 60: black can only come from the fit
    "geq=r='60+180*lt(X,W/3)':g='60+180*between(X,W/3,2*W/3)':b='60+180*gte(X,2*W/3)'"
)


@pytest.fixture(scope="module")
def bars(media: Callable[..., Path]) -> Path:
    return media(
        "formats-bars.mp4", video=f"color=s=160x90:r=30:d=1,format=rgb24,{BARS}", audio=None
    )


@pytest.fixture
def landscape(bars: Path) -> vnb.Project:
    p = vnb.Project(name="landscape", width=160, height=90, fps=30, background="black")
    p.add_track("video").add_clip(bars, duration=1.0)
    return p


def vertical(project: vnb.Project, out: Path, **options: object) -> np.ndarray:
    """Render ``project`` to 90×160 and return its middle frame."""
    project.render(out, width=90, height=160, **{**FAST, **options})
    frames = video_frames(out)
    assert frames.shape == (30, 160, 90, 3)
    return frames[15]


def test_the_vertical_presets_default_to_contain_blur() -> None:
    assert resolve_export(preset="vertical").fit == "contain_blur"
    assert resolve_export(preset="square").fit == "contain_blur"
    assert resolve_export().fit == "letterbox"
    assert resolve_export(preset="vertical", fit="crop").fit == "crop"


def test_letterbox_crop_and_contain_blur(landscape: vnb.Project, tmp_path: Path) -> None:
    # The 16:9 picture fitted to 90 wide is 50 high, at rows 54..104.
    box = vertical(landscape, tmp_path / "letterbox.mp4", fit="letterbox")
    crop = vertical(landscape, tmp_path / "crop.mp4", fit="crop")
    blur = vertical(landscape, tmp_path / "blur.mp4", fit="contain_blur")
    default = vertical(landscape, tmp_path / "preset.mp4", preset="vertical")
    top, bottom, middle = slice(0, 50), slice(110, 160), slice(58, 100)

    # letterbox: black bands above and below, the three bars between them
    assert box[top].max() < 20 and box[bottom].max() < 20
    for x, channel in ((10, 0), (45, 1), (80, 2)):
        assert box[middle, x, channel].mean() > 200, (x, channel)

    # crop: fills the frame, no black anywhere; the centre third (green) covers it
    assert crop.min(axis=2).max() >= 40 and crop.max(axis=2).min() >= 150
    assert crop[..., 1].mean() > 200 and crop[..., 0].mean() < 90 and crop[..., 2].mean() < 90

    # contain_blur: no black bands, a blurred copy of the bars there (smooth: no hard edges)
    for band in (top, bottom):
        assert blur[band].max(axis=2).min() >= 50, "a black pixel in a band"
        steps = np.abs(np.diff(blur[band].astype(int), axis=1)).max()
        assert steps < 60, steps
    # … and the picture itself as sharp as the letterbox's
    assert psnr(blur[middle], box[middle]) >= 35
    assert psnr(default, blur) >= 40  # the vertical preset's default


def test_old_documents_without_fit_load_as_letterbox(tmp_path: Path) -> None:
    doc = json.loads(vnb.Project().to_json())
    del doc["export"]["fit"]
    path = tmp_path / "old.vnb.json"
    path.write_text(json.dumps(doc))
    assert vnb.load(path).export.fit == "letterbox"


def test_a_missing_encoder_is_named_before_rendering(
    project: vnb.Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ffmpeg built without libvpx-vp9 (a real wrapper process that hides it)."""
    from vnb.ffmpeg.binary import find_ffmpeg

    real = find_ffmpeg()
    fake = tmp_path / "bin" / "ffmpeg"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        f'if [ "$2" = "-encoders" ]; then "{real}" "$@" | grep -v libvpx-vp9; exit 0; fi\n'
        f'exec "{real}" "$@"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("VNB_FFMPEG", str(fake))
    find_ffmpeg.cache_clear()
    try:
        with pytest.raises(RenderError, match=r"has no libvpx-vp9 encoder, which the WebM output"):
            project.render(tmp_path / "x.webm", **FAST)
        assert not (tmp_path / "x.webm").exists()
        assert project.render(tmp_path / "x.mkv", **FAST).video_codec == "libx264"
    finally:
        monkeypatch.undo()
        find_ffmpeg.cache_clear()
