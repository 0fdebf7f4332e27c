"""Frame-exact A/V sync over a long edit: every cut's beep stays within one frame of its flash."""

from __future__ import annotations

import random

import av
import numpy as np
import pytest

import vnb
from tests.helpers.ffmpeg import run_ffmpeg

FPS = 30
SR = 48_000


def _flash_beep_source(path, seconds: int, pitch: int) -> None:
    """Black video with a white frame at every whole second, and a beep on the same frame."""
    video = (
        f"color=black:s=160x120:r={FPS}:d={seconds},"
        f"drawbox=x=0:y=0:w=160:h=120:color=white:t=fill:enable='lt(mod(n,{FPS}),1)'"
    )
    audio = f"aevalsrc='if(lt(mod(t,1),1/{FPS}),0.8*sin(2*PI*{pitch}*t),0)':s={SR}:d={seconds}"
    run_ffmpeg(
        "-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio,
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k", path,
    )  # fmt: skip


@pytest.mark.slow
def test_200_cuts_keep_every_beep_on_its_flash(tmp_path):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    _flash_beep_source(a, 20, 1000)
    _flash_beep_source(b, 20, 1500)
    p = vnb.Project(name="sync", width=160, height=120, fps=FPS)
    v = p.add_track("video")
    rng = random.Random(7)
    for n in range(200):
        v.add_clip(str(a if n % 2 else b), source_start=rng.randint(0, 17), duration=1.5)
    out = tmp_path / "sync.mp4"
    p.render(out, speed="ultrafast", progress_bar=False)

    with av.open(str(out)) as c:
        lum = np.array([f.to_ndarray(format="gray").mean() for f in c.decode(video=0)])
    with av.open(str(out)) as c:
        sound = np.concatenate([f.to_ndarray().mean(axis=0) for f in c.decode(audio=0)])
    assert len(lum) == 200 * 45
    assert abs(len(sound) / SR - 300) < 0.05

    flashes = np.flatnonzero(lum > 128)
    # Each clip starts on a whole source second: a flash on its first frame and one second later.
    expected = sorted({n * 45 for n in range(200)} | {n * 45 + 30 for n in range(200)})
    assert list(flashes) == expected

    window = SR // 1000  # 1 ms
    energy = np.abs(sound[: len(sound) // window * window]).reshape(-1, window).max(axis=1)
    loud = energy > 0.2
    onsets_ms = np.flatnonzero(loud[1:] & ~loud[:-1]) + 1
    if loud[0]:
        onsets_ms = np.concatenate([[0], onsets_ms])
    onsets = onsets_ms / 1000
    assert len(onsets) == len(flashes)
    frame = 1 / FPS
    drift = np.abs(onsets - flashes / FPS)
    assert drift.max() < frame, f"worst beep is {drift.max() * 1000:.1f} ms off its flash"
