"""Tests of vnb.media.proxy: all-intra, video-only, low-resolution copies for scrubbing."""

from __future__ import annotations

import importlib
import os
import shutil
import threading
from pathlib import Path

import av
import numpy as np
import pytest

from tests.helpers.ffmpeg import run_ffmpeg
from vnb import cache
from vnb.errors import RenderCancelledError, UnsupportedMediaError
from vnb.media import ensure_proxy_async, get_proxy, needs_proxy, probe
from vnb.media.proxy import make_proxy, proxy_path
from vnb.media.thumbnails import thumbnails

proxy_mod = importlib.import_module("vnb.media.proxy")
thumbs_mod = importlib.import_module("vnb.media.thumbnails")

VFR = "setpts='if(lt(N,30),N,N*2)/(30*TB)'"  # 1/30 s apart, then 2/30 s apart


@pytest.fixture(scope="module")
def master(media) -> Path:
    """A heavy 640×360 master: lossless H.264, GOP 60, with sound."""
    return media("px-master.mp4", video="testsrc2=s=640x360:r=30:d=3", audio="sine=d=3", crf=0)


def frames(path: Path) -> list[tuple[float, bool]]:
    """(time, key_frame) of every decoded frame."""
    with av.open(str(path)) as c:
        return [(f.time, f.key_frame) for f in c.decode(video=0)]


def packets_all_key(path: Path) -> bool:
    with av.open(str(path)) as c:
        return all(p.is_keyframe for p in c.demux(video=0) if p.size)


def assert_same_timing(source: Path, proxy: Path) -> None:
    want, got = frames(source), frames(proxy)
    assert len(got) == len(want)
    half = 0.5 / 30
    assert max(abs(a[0] - b[0]) for a, b in zip(want, got, strict=True)) < half


def test_proxy_is_small_all_intra_video_only_and_keeps_timing(master):
    progress = []
    proxy = make_proxy(master, height=180, on_progress=progress.append)
    assert proxy == proxy_path(master, height=180)
    assert proxy.parent == cache.cache_dir() / "proxies"
    assert get_proxy(master, height=180) == proxy
    assert progress and progress[-1].fraction == 1.0
    assert proxy.stat().st_size < master.stat().st_size
    info = probe(proxy)
    assert info.audio is None
    assert (info.video.width, info.video.height, info.video.codec) == (320, 180, "h264")
    assert packets_all_key(proxy)
    assert all(key for _, key in frames(proxy))
    assert_same_timing(master, proxy)
    assert make_proxy(master, height=180) == proxy  # made once
    assert not [p for p in proxy.parent.iterdir() if p.name.endswith(".part")]


def test_mpegts_timestamps_are_kept(media):
    ts = media("px.ts", video="testsrc2=s=320x240:r=30:d=2", audio="sine=d=2", gop=30)
    first = frames(ts)[0][0]
    assert first > 1.0  # MPEG-TS streams do not start at zero
    direct = thumbnails(ts, count=2, height=60)  # keyframes at 0 and 1 s
    proxy = make_proxy(ts)
    assert_same_timing(ts, proxy)
    exact = thumbnails(ts, count=2, height=60, end=2.0)  # frames at 0.5 and 1.5 s, from the proxy
    assert exact.shape == direct.shape
    assert np.abs(exact.astype(int) - direct).mean() > 5


def test_variable_frame_rate_timestamps_pass_through(media):
    vfr = media(
        "vfr.mkv",
        video=f"testsrc2=s=320x240:r=30:d=2,{VFR}",
        audio=None,
        extra=("-fps_mode", "passthrough"),
    )
    proxy = make_proxy(vfr, height=120)
    assert_same_timing(vfr, proxy)


def test_display_aspect_rotation_and_no_upscaling(media, media_dir):
    wide = media("px-sar2.mp4", video="testsrc2=s=320x240:r=30:d=1,setsar=2", audio=None)
    p = make_proxy(wide, height=120)
    with av.open(str(p)) as c:
        s = c.streams.video[0]
        assert (s.width, s.height) == (320, 120)  # 8:3 in square pixels
        assert s.sample_aspect_ratio in (None, 0, 1)
    small = media("px-small.mp4", video="testsrc2=s=160x120:r=30:d=1", audio=None)
    assert probe(make_proxy(small)).video.height == 120  # not blown up to 360
    rotated = media_dir / "px-rot.mp4"
    run_ffmpeg("-display_rotation", "90", "-i", small, "-c", "copy", rotated)
    rp = probe(make_proxy(rotated, height=60)).video
    assert (rp.width, rp.height, rp.rotation) == (80, 60, 90)  # coded orientation, rotation kept


def test_mjpeg_fallback(master, monkeypatch):
    monkeypatch.setattr(proxy_mod, "_codec", lambda: proxy_mod._MJPEG)
    proxy = make_proxy(master, height=180)
    assert proxy.suffix == ".mov"
    assert probe(proxy).video.codec == "mjpeg"
    assert all(key for _, key in frames(proxy))
    assert_same_timing(master, proxy)


def test_ensure_proxy_async(master):
    first = ensure_proxy_async(master, height=120)
    again = ensure_proxy_async(master, height=120)
    assert again is first or again.done()  # a job in progress is not queued twice
    path = first.result(timeout=120)
    assert path.is_file()
    second = ensure_proxy_async(master, height=120)
    assert second.done()
    assert second.result() == path


def test_async_errors_come_through_the_future(still_png):
    future = ensure_proxy_async(still_png)
    with pytest.raises(UnsupportedMediaError, match="still"):
        future.result(timeout=60)


def test_cancel_leaves_nothing(master):
    folder = cache.cache_dir() / "proxies"
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(RenderCancelledError):
        make_proxy(master, height=120, cancel=cancel)
    late = threading.Event()
    with pytest.raises(RenderCancelledError):  # cancelled from the progress callback
        make_proxy(master, height=120, cancel=late, on_progress=lambda _: late.set())
    assert get_proxy(master, height=120) is None
    assert list(folder.iterdir()) == []
    future = ensure_proxy_async(master, height=120, cancel=cancel)
    with pytest.raises(RenderCancelledError):
        future.result(timeout=60)
    assert list(folder.iterdir()) == []


def test_path_follows_the_source(master, tmp_path):
    copy = tmp_path / "copy.mp4"
    shutil.copyfile(master, copy)
    before = proxy_path(copy)
    assert before.parent == cache.cache_dir() / "proxies"
    assert proxy_path(copy) == before
    assert proxy_path(copy, height=180) != before
    st = copy.stat()
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert proxy_path(copy) != before
    with pytest.raises(ValueError):
        proxy_path(copy, height=181)


def test_needs_proxy(master, still_png, media):
    info = probe(master)
    assert not needs_proxy(info)  # 640×360 < 1280×720
    assert needs_proxy(info, threshold_pixels=640 * 360)
    assert not needs_proxy(probe(still_png), threshold_pixels=1)
    sound = media("px-sound.m4a", video=None, audio="sine=d=1")
    assert not needs_proxy(probe(sound), threshold_pixels=1)
    with pytest.raises(UnsupportedMediaError):
        make_proxy(sound)


def test_thumbnails_use_the_proxy(master, monkeypatch):
    opened: list[Path] = []
    real = thumbs_mod.open_input
    monkeypatch.setattr(thumbs_mod, "open_input", lambda p, *a, **k: opened.append(p) or real(p))
    direct = thumbnails(master, count=3, height=60)
    proxy = make_proxy(master)
    via_proxy = thumbnails(master, count=3, height=60, start=0.0, end=3.0)  # another key
    assert opened == [master.resolve(), proxy]
    assert via_proxy.shape == direct.shape
    # Centres at 0.5, 1.5, 2.5 s; source keyframes at 0 and 2 s, proxy frames everywhere.
    assert np.abs(via_proxy[0].astype(int) - direct[0]).mean() > 5  # the exact frame at 0.5 s
