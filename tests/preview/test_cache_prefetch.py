"""The preview's disk cache and prefetching: hits, content keys, persistence, bounds."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import vnb
from vnb import cache
from vnb.preview import frame_at, frame_key_parts, plan_of
from vnb.preview.prefetch import Prefetcher


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("VNB_CACHE_DIR", str(folder))
    cache.configure(directory=folder)
    yield folder
    cache.configure()


@pytest.fixture
def two_clips(media):
    src = media("cache-src.mp4", video="testsrc2=s=160x120:r=30:d=4", audio=None, gop=30)
    p = vnb.Project(width=160, height=120, fps=30)
    v = p.add_track("video")
    v.add_clip(str(src), start=0, duration=2)
    v.add_clip(str(src), start=2, source_start=1, duration=2)
    return p


def test_second_call_is_a_cache_hit(fresh_cache, two_clips):
    first = frame_at(two_clips, 1.0)
    before = cache.stats()
    second = frame_at(two_clips, 1.0)
    after = cache.stats()
    assert np.array_equal(first, second)
    assert after["hits"] == before["hits"] + 1
    assert after["misses"] == before["misses"]


def test_an_edit_changes_only_the_keys_of_the_frames_it_touches(two_clips):
    def keys():
        plan = plan_of(two_clips)
        return [cache.make_key("frame", frame_key_parts(plan, k)) for k in range(plan.frames)]

    old = keys()
    two_clips.tracks[0].clips[1].effects = [vnb.effects.brightness(0.3)]
    new = keys()
    changed = [k for k, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    assert changed == list(range(60, 120))


def test_the_cache_survives_a_new_process(fresh_cache, two_clips, tmp_path):
    path = two_clips.save(tmp_path / "p.vnb.json")
    code = (
        "import vnb, vnb.preview as pv; from vnb import cache; "
        f"p = vnb.load({str(path)!r}); pv.frame_at(p, 0.5); print(cache.stats()['misses'])"
    )
    env_run = [sys.executable, "-c", code]
    subprocess.run(env_run, check=True, capture_output=True)
    before = cache.stats()["hits"]
    frame_at(vnb.load(path), 0.5)
    assert cache.stats()["hits"] == before + 1


def test_the_size_bound_holds_under_a_flood(tmp_path, two_clips):
    cache.configure(directory=tmp_path / "small", size_limit=1_000_000)
    try:
        for k in range(120):
            frame_at(two_clips, k / 30)  # 57.6 KB a frame, 6.9 MB in all
        assert cache.stats()["bytes"] <= 1_100_000
    finally:
        cache.configure()


def test_prefetch_fills_the_frames_ahead(fresh_cache, two_clips):
    with Prefetcher(two_clips, ahead=10, behind=0) as pre:
        pre.seek(1.0)
        assert pre.wait_idle(60)
    before = cache.stats()
    for k in range(31, 41):
        frame_at(two_clips, k / 30)
    after = cache.stats()
    assert after["hits"] - before["hits"] == 10
    assert after["misses"] == before["misses"]


def test_a_jump_cancels_the_work_in_progress(fresh_cache, two_clips):
    with Prefetcher(two_clips, ahead=100, behind=0) as pre:
        pre.seek(0.0)
        pre.seek(3.0)  # the first job is abandoned before it does much
        assert pre.wait_idle(60)
    before = cache.stats()
    frame_at(two_clips, 2.0)  # frame 60: wanted by the first job only
    assert cache.stats()["misses"] == before["misses"] + 1


def test_project_changes_are_events(two_clips):
    seen = []
    unsubscribe = two_clips.on_change(seen.append)
    two_clips.tracks[0].clips[0].duration = 1.5
    two_clips.add_title("hi")
    unsubscribe()
    two_clips.tracks[0].clips[0].duration = 1.0
    assert len(seen) == 3  # the duration, the new text track, the title
    assert all(p is two_clips for p in seen)


def test_small_frames_come_from_proxies_once_they_exist(fresh_cache, media):
    from vnb.media import proxy

    src = media("big.mp4", video="testsrc2=s=1280x720:r=30:d=2", audio=None, gop=60)
    p = vnb.Project(width=1280, height=720, fps=30)
    p.add_track("video").add_clip(str(src), duration=2)
    full = frame_at(p, 1.0, proxies=False)
    assert proxy.get_proxy(src) is None
    small = frame_at(p, 1.0, size=(640, 360))  # starts the proxy in the background
    assert proxy.ensure_proxy_async(src).result(timeout=120) == proxy.get_proxy(src)
    via_proxy = frame_at(p, 1.0, size=(640, 360))
    assert via_proxy.shape == small.shape == (360, 640, 3)
    plan = vnb.preview._cached_plan(p, (640, 360))
    assert plan.layers[0].items[0].source == str(proxy.get_proxy(src))
    from PIL import Image

    reference = np.asarray(Image.fromarray(full).resize((640, 360), Image.Resampling.BILINEAR))
    mse = np.mean((via_proxy.astype(float) - reference.astype(float)) ** 2)
    assert 10 * np.log10(255**2 / mse) > 25  # the same picture, from a smaller source
    assert plan_of(p).layers[0].items[0].source == str(src)  # renders use the original


def test_a_video_files_sound_on_an_audio_track_keeps_its_source(fresh_cache, media):
    """Proxies replace pictures only: the sound of a video file on an audio track stays whole."""
    from vnb.media import proxy

    src = media("big-av.mp4", video="testsrc2=s=1280x720:r=30:d=2", gop=60)
    p = vnb.Project(width=1280, height=720, fps=30)
    p.add_track("video").add_clip(str(src), duration=2)
    p.add_track("audio").add_clip(str(src), duration=2)
    frame_at(p, 0.5, size=(640, 360))  # starts the proxy
    made = proxy.ensure_proxy_async(src).result(timeout=120)
    small = frame_at(p, 1.5, size=(640, 360))  # composes from the proxy, past the first second
    assert small.shape == (360, 640, 3)
    plan = vnb.preview._cached_plan(p, (640, 360))
    assert plan.layers[0].items[0].source == str(made)
    assert plan.audio[-1].items[0].source == str(src)
