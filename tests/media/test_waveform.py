"""Tests of vnb.media.waveform: peaks of files and of a project's clips."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest

import vnb
import vnb.render
from vnb import cache
from vnb.media.waveform import clip_waveforms, peaks

wave_mod = importlib.import_module("vnb.media.waveform")

# 0.5-amplitude 440 Hz tone for 1 s, then 1 s of silence; the right channel is always silent.
TONE_THEN_SILENCE = "aevalsrc=if(lt(t\\,1)\\,0.5*sin(2*PI*440*t)\\,0)|0:s=48000:d=2"


@pytest.fixture
def opens(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    seen: list[Path] = []
    real = wave_mod.open_input

    def counting(path, *args, **kwargs):
        seen.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(wave_mod, "open_input", counting)
    return seen


@pytest.fixture(scope="module")
def tone_wav(media) -> Path:
    return media(
        "tone-silence.wav", video=None, audio=TONE_THEN_SILENCE, extra=("-c:a", "pcm_f32le")
    )


@pytest.fixture(scope="module")
def tone_mp4(media) -> Path:
    """The same sound in AAC, beside 2 s of video."""
    return media(
        "wf-tone-silence.mp4", video="testsrc2=s=160x120:r=30:d=2", audio=TONE_THEN_SILENCE
    )


def test_shape_and_silence(tone_wav, tone_mp4):
    for path in (tone_wav, tone_mp4):
        w = peaks(path, columns=20)
        assert w.shape == (20, 2)
        assert w.dtype == np.float32
        assert (w[:, 0] <= w[:, 1]).all()
        loud, quiet = w[1:9], w[12:]
        assert (loud[:, 1] > 0.2).all() and (loud[:, 1] < 0.3).all()  # mix: (0.5 + 0) / 2
        assert (loud[:, 0] < -0.2).all()
        assert np.abs(quiet).max() < 0.01


def test_channels(tone_wav):
    left, right = peaks(tone_wav, columns=4, channel=0), peaks(tone_wav, columns=4, channel=1)
    assert left[0, 1] == pytest.approx(0.5, abs=0.01)
    assert left[0, 0] == pytest.approx(-0.5, abs=0.01)
    assert np.abs(left[2:]).max() == 0.0
    assert np.abs(right).max() == 0.0
    with pytest.raises(ValueError, match="channel 2"):
        peaks(tone_wav, columns=4, channel=2)
    with pytest.raises(ValueError):
        peaks(tone_wav, columns=4, channel="left")  # type: ignore[arg-type]


def test_span(tone_mp4):
    second_half = peaks(tone_mp4, columns=10, start=1.05, end=2.0)
    assert np.abs(second_half).max() < 0.01
    middle = peaks(tone_mp4, columns=10, start=0.5, end=1.5)
    assert (middle[1:4, 1] > 0.2).all()
    assert np.abs(middle[6:]).max() < 0.01
    past_end = peaks(tone_mp4, columns=4, start=0.0, end=4.0)  # the sound stops at 2 s
    assert (past_end[2:] == 0).all()
    assert past_end[0, 1] > 0.2


def test_no_audio_is_zeros(media):
    silent = media("wf-no-audio.mp4", video="testsrc2=s=160x120:r=30:d=1", audio=None)
    w = peaks(silent, columns=7)
    assert w.shape == (7, 2)
    assert not w.any()


def test_cached_second_call_opens_nothing(tone_mp4, opens):
    first = peaks(tone_mp4, columns=30)
    assert len(opens) == 1
    hits = cache.stats()["hits"]
    second = peaks(tone_mp4, columns=30)
    assert len(opens) == 1
    assert cache.stats()["hits"] == hits + 1
    np.testing.assert_array_equal(first, second)
    peaks(tone_mp4, columns=30, start=0.5)
    assert len(opens) == 2


def test_bad_requests(tone_wav):
    for bad in (
        {"columns": 0},
        {"columns": 5, "start": -1.0},
        {"columns": 5, "start": 2, "end": 1},
    ):
        with pytest.raises(ValueError):
            peaks(tone_wav, **bad)


def test_clip_waveforms(tone_wav, tone_mp4, media, still_png):
    video_only = media("wf-no-audio.mp4", video="testsrc2=s=160x120:r=30:d=1", audio=None)
    p = vnb.Project(name="w", width=320, height=240, fps=30)
    v = p.add_track("video")
    a = v.add_clip(str(tone_mp4), start=0, duration=2)
    b = v.add_clip(str(tone_mp4), start=2, duration=1, volume=3.0)
    c = v.add_clip(str(tone_mp4), start=3, duration=1, muted=True)
    d = v.add_clip(color="red", start=4, duration=1)
    e = v.add_clip(str(video_only), start=5, duration=1)
    f = v.add_clip(str(still_png), start=6, duration=1)
    g = p.add_track("audio").add_clip(str(tone_wav), start=0, duration=1, speed=2.0, volume=0.5)
    waves = clip_waveforms(p, columns_per_second=10, workers=2)
    assert set(waves) == {a.id, b.id, c.id, g.id}
    assert not {d.id, e.id, f.id} & set(waves)
    assert waves[a.id].shape == (20, 2)
    assert waves[a.id][2, 1] == pytest.approx(0.25, abs=0.03)
    assert waves[b.id].shape == (10, 2)
    assert waves[b.id][2, 1] == pytest.approx(0.75, abs=0.09)  # volume 3
    assert not waves[c.id].any()  # muted
    # speed 2: 1 s on the timeline covers 2 s of source, in 10 columns; volume 0.5.
    assert waves[g.id].shape == (10, 2)
    assert waves[g.id][2, 1] == pytest.approx(0.125, abs=0.01)
    assert np.abs(waves[g.id][6:]).max() < 0.01
    with pytest.raises(ValueError):
        clip_waveforms(p, columns_per_second=0)
