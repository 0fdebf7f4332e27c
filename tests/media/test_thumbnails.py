"""Tests of vnb.media.thumbnails: strips of files and of a project's clips."""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import vnb
import vnb.render
from tests.helpers.ffmpeg import run_ffmpeg
from vnb import cache
from vnb.errors import UnsupportedMediaError
from vnb.media.thumbnails import clip_thumbnails, thumbnails

thumbs_mod = importlib.import_module("vnb.media.thumbnails")

RED, BLUE = (255, 0, 0), (0, 0, 255)
RED_BLUE = (
    "color=c=red:s=320x240:r=30:d=2[r];color=c=blue:s=320x240:r=30:d=2[b];[r][b]concat=n=2:v=1:a=0"
)
SIDE_BY_SIDE = "color=c=red:s=160x240:r=30:d=1[r];color=c=blue:s=160x240:r=30:d=1[b];[r][b]hstack"


@pytest.fixture
def opens(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Paths thumbnails opened with open_input, in order."""
    seen: list[Path] = []
    real = thumbs_mod.open_input

    def counting(path, *args, **kwargs):
        seen.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(thumbs_mod, "open_input", counting)
    return seen


@pytest.fixture(scope="module")
def red_blue(media) -> Path:
    """2 s red then 2 s blue, 320×240, GOP 60 (keyframes at 0 and 2 s), with a tone."""
    return media("th-red-blue.mp4", video=RED_BLUE, audio="sine=f=440:d=4")


def close_to(pixels: np.ndarray, rgb: tuple[int, int, int], tol: int = 40) -> bool:
    return bool(np.abs(pixels.reshape(-1, 3).mean(axis=0) - rgb).max() < tol)


def test_strip_shape_and_content(red_blue):
    strip = thumbnails(red_blue, count=4, height=72)
    assert strip.shape == (4, 72, 96, 3)
    assert strip.dtype == np.uint8
    assert close_to(strip[0], RED)
    assert close_to(strip[1], RED)
    assert close_to(strip[-1], BLUE)


def test_span_and_keyframe_semantics(red_blue):
    # Centres 2.25, 2.75, 3.25, 3.75: all in the blue half.
    assert all(close_to(t, BLUE) for t in thumbnails(red_blue, count=4, start=2.0, end=3.0 + 1))
    # Centre 1.9 s: red. Centre 2.1 s is blue, but its keyframe at or before is at 2.0 s: blue.
    strip = thumbnails(red_blue, count=2, start=1.8, end=2.2)
    assert close_to(strip[0], RED)
    assert close_to(strip[1], BLUE)
    # An end beyond the source is the end of the source.
    assert close_to(thumbnails(red_blue, count=1, start=3.0, end=100.0)[0], BLUE)


def test_shared_keyframes_are_decoded_once(media, monkeypatch):
    src = media("th-testsrc.mp4", video="testsrc2=s=320x240:r=30:d=3", audio=None)
    real, decoded = thumbs_mod._next_keyframe, []

    def counting(*args):
        pts, frame = real(*args)
        decoded.extend([pts] if frame is not None else [])
        return pts, frame

    monkeypatch.setattr(thumbs_mod, "_next_keyframe", counting)
    strip = thumbnails(src, count=6, height=24)  # centres 0.25 … 2.75 s; keyframes 0 and 2 s
    assert len(decoded) == 2  # not 6
    assert (strip[:4] == strip[0]).all() and (strip[4:] == strip[4]).all()
    assert not (strip[0] == strip[4]).all()


def test_mpegts_lands_on_the_keyframe_before(media):
    # MPEG-TS seeks bisect timestamps and may land after the keyframe: thumbnails look back.
    ts = media("th-red-blue.ts", video=RED_BLUE, audio="sine=f=440:d=4", gop=30)
    strip = thumbnails(ts, count=8, height=24)
    assert [close_to(t, RED) for t in strip] == [True] * 4 + [False] * 4
    assert all(close_to(t, BLUE) for t in strip[4:])


def test_width_follows_display_aspect(media):
    wide = media("th-sar2.mp4", video="testsrc2=s=320x240:r=30:d=1,setsar=2", audio=None)
    assert thumbnails(wide, count=2, height=72).shape == (2, 72, 192, 3)  # 8:3
    odd = media("th-odd.mp4", video="testsrc2=s=300x240:r=30:d=1", audio=None)
    assert thumbnails(odd, count=1, height=71).shape == (1, 71, 88, 3)  # 88.75 → even 88


def test_rotated_source_is_shown_upright(media, media_dir):
    flat = media("th-halves.mp4", video=SIDE_BY_SIDE, audio=None)
    rotated = media_dir / "th-halves-rot.mp4"
    run_ffmpeg("-display_rotation", "90", "-i", str(flat), "-c", "copy", str(rotated))
    upright = media_dir / "th-halves-rot.png"
    run_ffmpeg("-i", str(rotated), "-frames:v", "1", str(upright))  # ffmpeg autorotates
    reference = np.asarray(Image.open(upright).convert("RGB"))
    assert reference.shape == (320, 240, 3)
    strip = thumbnails(rotated, count=1, height=80)
    assert strip.shape == (1, 80, 60, 3)
    small = np.asarray(Image.fromarray(reference).resize((60, 80), Image.Resampling.BOX))
    assert np.abs(strip[0].astype(int) - small).mean() < 10


def test_still_is_repeated(still_png):
    strip = thumbnails(still_png, count=3, height=60)
    assert strip.shape == (3, 60, 80, 3)
    assert (strip == strip[0]).all()
    assert strip.std() > 20  # testsrc2, not a blank


def test_cached_second_call_opens_nothing(red_blue, opens):
    first = thumbnails(red_blue, count=5, height=40)
    assert len(opens) == 1
    hits = cache.stats()["hits"]
    second = thumbnails(red_blue, count=5, height=40)
    assert len(opens) == 1
    assert cache.stats()["hits"] == hits + 1
    np.testing.assert_array_equal(first, second)
    thumbnails(red_blue, count=6, height=40)  # another request: decoded
    assert len(opens) == 2


def test_changed_file_misses(red_blue, tmp_path, opens):
    copy = tmp_path / "copy.mp4"
    shutil.copyfile(red_blue, copy)
    thumbnails(copy, count=2)
    st = copy.stat()
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    thumbnails(copy, count=2)
    assert len(opens) == 2


def test_refusals(media, red_blue):
    sound = media("th-sound-only.m4a", video=None, audio="sine=d=1")
    with pytest.raises(UnsupportedMediaError, match="no video"):
        thumbnails(sound, count=2)
    for bad in ({"count": 0}, {"count": 2, "height": 1}, {"count": 2, "start": 3, "end": 1}):
        with pytest.raises(ValueError):
            thumbnails(red_blue, **bad)
    with pytest.raises(UnsupportedMediaError):
        thumbnails("http://example.com/a.mp4", count=1)


def test_clip_thumbnails(red_blue, still_png, media, tmp_path):
    sound = media("th-sound-only.m4a", video=None, audio="sine=d=1")
    gone = tmp_path / "gone.mp4"
    shutil.copyfile(red_blue, gone)
    p = vnb.Project(name="t", width=640, height=360, fps=30)
    v = p.add_track("video")
    a = v.add_clip(str(red_blue), start=0, source_start=0, duration=1.5)
    b = v.add_clip(str(red_blue), start=1.5, source_start=2.2, duration=1.5)
    c = v.add_clip(color="#00ff00", start=3, duration=1)
    d = v.add_clip(str(still_png), start=4, duration=1)
    e = v.add_clip(str(gone), start=5, duration=1)
    f = p.add_track("audio").add_clip(str(sound), start=0, duration=1)
    gone.unlink()
    strips = clip_thumbnails(p, count=3, height=36, workers=3)
    assert set(strips) == {a.id, b.id, c.id, d.id}
    assert e.id not in strips and f.id not in strips
    assert strips[a.id].shape == (3, 36, 48, 3)
    assert all(close_to(t, RED) for t in strips[a.id])
    assert all(close_to(t, BLUE) for t in strips[b.id])
    assert strips[c.id].shape == (3, 36, 64, 3)  # the project's 16:9
    assert (strips[c.id] == (0, 255, 0)).all()
    assert strips[d.id].shape == (3, 36, 48, 3)
    assert (strips[d.id] == strips[d.id][0]).all()
    only = clip_thumbnails(p, [b.id, c], count=2)
    assert set(only) == {b.id, c.id}
    with pytest.raises(KeyError):
        clip_thumbnails(p, ["nope"])
