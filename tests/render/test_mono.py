"""Mono sources play on both sides at the level they were recorded."""

from __future__ import annotations

import av
import numpy as np

import vnb
from tests.helpers.ffmpeg import run_ffmpeg


def test_mono_source_plays_at_full_level_on_both_sides(tmp_path):
    mono = tmp_path / "mono.wav"
    run_ffmpeg("-f", "lavfi", "-i", "sine=f=500:d=2", "-ac", "1", mono)
    with av.open(str(mono)) as c:
        source = np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1)
    p = vnb.Project(width=64, height=48, fps=30)
    p.add_track("audio").add_clip(str(mono), duration=2)
    out = tmp_path / "o.wav"
    p.render(out, preset="audio-only", container="wav", audio_codec="pcm_s16le", progress_bar=False)
    with av.open(str(out)) as c:
        assert c.streams.audio[0].channels == 2
        packed = np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1)
    sound = packed.reshape(-1, 2).T / 32768.0
    rms_in = float(np.sqrt(np.mean((source / 32768.0) ** 2)))
    for side in sound:
        rms = float(np.sqrt(np.mean(side**2)))
        assert abs(rms - rms_in) / rms_in < 0.02
