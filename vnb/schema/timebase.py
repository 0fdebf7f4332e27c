"""Seconds ↔ frames on the project's frame grid: the one place where times are snapped.

Times are seconds (floats) at the API. The plan turns every time into a whole frame of the
project with :func:`to_frame`, so a clip boundary is always a frame boundary and the render and
the preview agree on which frame is shown. Audio positions follow the frames:
:func:`frame_to_sample` maps a frame boundary to the sample boundary at the same instant.
"""

from __future__ import annotations

import math
from fractions import Fraction

__all__ = [
    "frame_to_sample",
    "snap_time",
    "to_frame",
]

_COMMON_RATES = {
    23.976: Fraction(24000, 1001),
    29.97: Fraction(30000, 1001),
    59.94: Fraction(60000, 1001),
    47.952: Fraction(48000, 1001),
    119.88: Fraction(120000, 1001),
}


def parse_rate(value: object) -> Fraction:
    """Read a frame rate: ``30``, ``29.97``, ``"30000/1001"``, ``"25"`` or a Fraction.

    NTSC-style decimals (23.976, 29.97, 59.94) become their exact rationals.

    Raises:
        ValueError: not a positive, finite rate up to 1000.
    """
    rate: Fraction
    if isinstance(value, bool):
        msg = f"not a frame rate: {value!r}"
        raise ValueError(msg)
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, int):
        rate = Fraction(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            msg = f"not a frame rate: {value!r}"
            raise ValueError(msg)
        rate = _COMMON_RATES.get(round(value, 3)) or Fraction(value).limit_denominator(1001)
    elif isinstance(value, str) and len(value) < 32:
        try:
            rate = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            msg = f"not a frame rate: {value!r} (write 30 or '30000/1001')"
            raise ValueError(msg) from None
    else:
        msg = f"not a frame rate: {value!r}"
        raise ValueError(msg)
    if not 0 < rate <= 1000:
        msg = f"frame rate must be > 0 and <= 1000, got {value!r}"
        raise ValueError(msg)
    return rate


def to_frame(seconds: float, fps: Fraction) -> int:
    """The frame boundary nearest to ``seconds`` (halves round up).

    Example:
        >>> to_frame(1.5, Fraction(30))
        45
    """
    exact = Fraction(seconds).limit_denominator(10**9) * fps
    return math.floor(exact + Fraction(1, 2))


def snap_time(seconds: float, fps: Fraction) -> float:
    """``seconds`` moved to the nearest frame boundary (halves round up).

    Example:
        >>> snap_time(0.75, Fraction(30))  # 22.5 frames -> 23
        0.7666666666666667
    """
    return frame_time(to_frame(seconds, fps), fps)


def frame_time(frame: int, fps: Fraction) -> float:
    """The time in seconds at which ``frame`` starts."""
    return float(frame / fps)


def frame_to_sample(frame: int, fps: Fraction, sample_rate: int) -> int:
    """The audio sample at the same instant as the start of ``frame`` (rounded)."""
    return math.floor(frame * sample_rate / fps + Fraction(1, 2))


def frame_at_time(seconds: float, fps: Fraction) -> int:
    """The frame shown at ``seconds``: the ``k`` with ``k/fps <= seconds < (k+1)/fps``.

    Example:
        >>> frame_at_time(0.7, Fraction(30))
        21
    """
    return math.floor(Fraction(seconds).limit_denominator(10**9) * fps)
