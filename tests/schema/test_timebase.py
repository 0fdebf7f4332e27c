"""Seconds ↔ frames ↔ samples, exact on NTSC rates over long times; half-open ranges."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

import vnb
from vnb.errors import ProjectError
from vnb.plan import check_timeline
from vnb.schema import TimeRange
from vnb.schema.timebase import frame_time, frame_to_sample, parse_rate, to_frame

NTSC = Fraction(30000, 1001)
HOUR_OF_FRAMES = 107_892  # 3600 s at 30000/1001 fps: 107892.1… frames


@pytest.mark.parametrize(
    ("value", "rate"),
    [
        (30, Fraction(30)),
        (25, Fraction(25)),
        (29.97, NTSC),
        (23.976, Fraction(24000, 1001)),
        (59.94, Fraction(60000, 1001)),
        (12.5, Fraction(25, 2)),
        ("30000/1001", NTSC),
        (" 25 ", Fraction(25)),
        ("24", Fraction(24)),
        (Fraction(24000, 1001), Fraction(24000, 1001)),
        (1000, Fraction(1000)),
    ],
)
def test_parse_rate_accepts(value: object, rate: Fraction) -> None:
    assert parse_rate(value) == rate
    assert vnb.Project(fps=value).fps == rate


@pytest.mark.parametrize(
    "value",
    [0, -1, -29.97, 0.0, 1001, "abc", "", "30/0", "1/-2", True, False, None, [30], 1j,
     math.nan, math.inf, -math.inf, Fraction(-1, 2), "9" * 40],
)  # fmt: skip
def test_parse_rate_refuses(value: object) -> None:
    with pytest.raises(ValueError, match="rate"):
        parse_rate(value)
    with pytest.raises(ProjectError, match=r"^fps: "):
        vnb.Project(fps=value)


def test_fps_assignment_is_checked_and_kept_exact() -> None:
    p = vnb.Project()
    p.fps = 29.97
    assert p.fps == NTSC
    assert p.model_dump()["fps"] == "30000/1001"
    p.fps = "24000/1001"
    assert p.fps == Fraction(24000, 1001)
    for bad in (0, -1, "abc", True):
        with pytest.raises(ProjectError, match=r"^fps: "):
            p.fps = bad
        assert p.fps == Fraction(24000, 1001)
    p.fps = 25
    assert p.model_dump()["fps"] == 25  # whole rates are written as integers


def test_to_frame_rounds_to_nearest_with_halves_up() -> None:
    assert to_frame(0.0, Fraction(30)) == 0
    assert to_frame(1.5, Fraction(30)) == 45
    assert to_frame(1 / 60, Fraction(30)) == 1  # exactly half a frame: up
    assert to_frame(1 / 60 - 1e-6, Fraction(30)) == 0
    assert to_frame(0.1 + 0.2, Fraction(10)) == 3  # float noise does not matter
    assert to_frame(1.0, NTSC) == 30  # 29.97 frames
    assert to_frame(3600.0, NTSC) == HOUR_OF_FRAMES


def test_frame_time_is_the_exact_instant() -> None:
    assert frame_time(0, NTSC) == 0.0
    assert frame_time(30000, NTSC) == 1001.0
    assert frame_time(HOUR_OF_FRAMES, NTSC) == float(Fraction(HOUR_OF_FRAMES * 1001, 30000))


def test_frames_round_trip_through_seconds_without_drift() -> None:
    # Ten hours of NTSC frames, sampled: seconds → frame gives the frame back every time.
    for frame in range(0, 10 * HOUR_OF_FRAMES, 997):
        t = frame_time(frame, NTSC)
        assert to_frame(t, NTSC) == frame
        assert t == float(Fraction(frame * 1001, 30000))
    # Accumulating per-frame float steps drifts; going through to_frame does not.
    step = 1001 / 30000
    assert to_frame(HOUR_OF_FRAMES * step, NTSC) == HOUR_OF_FRAMES


def _exact_sample(frame: int, rate: Fraction, sample_rate: int) -> int:
    # round half up of frame * sample_rate / rate, in integers
    num = frame * sample_rate * rate.denominator
    den = rate.numerator
    return (2 * num + den) // (2 * den)


def test_frame_to_sample_is_exact_over_an_hour() -> None:
    frame = to_frame(3600.0, NTSC)
    assert frame == HOUR_OF_FRAMES
    assert frame_to_sample(frame, NTSC, 48_000) == round(frame * 48_000 * 1001 / 30000)
    assert frame_to_sample(frame, NTSC, 48_000) == 172_799_827
    for n in range(0, frame + 1, 101):
        assert frame_to_sample(n, NTSC, 48_000) == _exact_sample(n, NTSC, 48_000)
    # 30000 frames are exactly 1001 s: a whole number of samples at any rate.
    for sr in (22050, 32000, 44100, 48000, 96000):
        assert frame_to_sample(30000, NTSC, sr) == 1001 * sr


def test_frame_to_sample_has_no_drift_over_a_day() -> None:
    day = to_frame(86_400.0, NTSC)
    assert frame_to_sample(day, NTSC, 44_100) == _exact_sample(day, NTSC, 44_100)
    # Consecutive frame boundaries partition the samples: lengths are 1601 or 1602 at 48 kHz.
    lengths = {
        frame_to_sample(n + 1, NTSC, 48_000) - frame_to_sample(n, NTSC, 48_000)
        for n in range(day - 5000, day)
    }
    assert lengths == {1601, 1602}


def test_integer_rates_map_frames_to_whole_samples() -> None:
    assert frame_to_sample(1, Fraction(30), 48_000) == 1600
    assert frame_to_sample(25 * 3600, Fraction(25), 48_000) == 48_000 * 3600


# -- half-open ranges ----------------------------------------------------------------------


def _track(*clips: tuple[float, float]) -> vnb.Project:
    p = vnb.Project(width=640, height=360, fps=30)
    v = p.add_track("video")
    for start, duration in clips:
        v.add_clip(color="red", start=start, duration=duration)
    return p


def test_timeline_range_is_half_open() -> None:
    p = _track((1.0, 2.0), (3.0, 1.0))
    a, b = p.tracks[0].clips
    assert a.timeline_range() == TimeRange(1.0, 3.0)
    assert a.timeline_range().duration == 2.0
    assert a.end == b.start == 3.0
    # [1, 3) and [3, 4) touch but do not overlap.
    assert check_timeline(p) == []


def test_one_frame_of_overlap_is_an_overlap() -> None:
    p = _track((0.0, 2.0), (2.0 - 1 / 30, 1.0))
    problems = check_timeline(p)
    assert len(problems) == 1
    assert "'c1' and 'c2' overlap" in problems[0]


def test_overlap_below_half_a_frame_snaps_away() -> None:
    p = _track((0.0, 2.0), (2.0 - 0.4 / 30, 1.0))
    assert check_timeline(p) == []


def test_source_range_applies_speed() -> None:
    p = vnb.Project()
    v = p.add_track("video")
    c = v.add_clip("a.mp4", start=10.0, source_start=2.0, duration=3.0, speed=2.0)
    assert c.timeline_range() == TimeRange(10.0, 13.0)
    assert c.source_range() == TimeRange(2.0, 8.0)
    assert c.source_range().duration == 6.0
    c.speed = 0.5
    assert c.source_range() == TimeRange(2.0, 3.5)
    assert c.timeline_range() == TimeRange(10.0, 13.0)  # speed never moves the clip


def test_title_range_is_half_open() -> None:
    p = vnb.Project()
    t = p.add_title("hi", start=1.25, duration=0.5)
    assert t.timeline_range() == TimeRange(1.25, 1.75)
    assert t.end == 1.75
