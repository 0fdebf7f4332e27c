"""Speed ramps: a clip's animated ``speed`` as constant-speed segments of a few frames.

``clip.animate("speed", {0: 1, 2: 3})`` makes the source time the integral of the speed.
The plan samples the curve at the first frame of every `RAMP_FRAMES` frames and plays each
such segment at that constant speed from where the one before stopped: the render cuts each
segment like a clip of its own (exact frames, ``atempo`` for the sound), the preview picks the
very same frames (`vnb.plan.model.VideoItem.segment`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from vnb.plan.motion import curve_of
from vnb.plan.timeline import clip_frames
from vnb.schema.timebase import to_frame

if TYPE_CHECKING:
    from vnb.schema import Clip

__all__: list[str] = []  # internal: used by the plan's compiler

RAMP_FRAMES = 4
"""Frames a speed ramp's segments last (each plays at the speed of its first frame)."""

SPEEDS = (0.1, 100.0)
"""The speeds a ramp keeps to (an overshooting easing is clipped): those of ``Clip.speed``."""

Segments = tuple[tuple[int, float, float], ...]


def speed_ramp(clip: Clip, fps: Fraction) -> tuple[float, Segments, float]:
    """``(speed, segments, played)`` of a clip on the project's frame grid.

    ``segments``: ``(first timeline frame, source seconds there, speed)`` of the forward clip
    (`vnb.plan.model.VideoItem.forward`), empty when the speed is constant (``speed`` then);
    ``played``: source seconds from ``source_start`` to the end.
    """
    start, end = clip_frames(clip, fps)
    keys = clip.animations.get("speed")
    curve = clip.speed if not keys else curve_of([(k.t, k.value, k.easing) for k in keys], fps)
    if isinstance(curve, float | int):
        return float(curve), (), float((end - start) / fps) * float(curve)
    source = float(to_frame(clip.source_start, fps) / fps)
    segments = []
    for k in range(start, end, RAMP_FRAMES):
        # A reversed clip shows forward frame k at clip frame end - 1 - k: its keys, in the
        # clip's own time, are read there.
        at = end - 1 - k if clip.reverse else k - start
        speed = min(SPEEDS[1], max(SPEEDS[0], curve.at(at)))
        segments.append((k, source, speed))
        source += float(min(RAMP_FRAMES, end - k) / fps) * speed
    played = source - float(to_frame(clip.source_start, fps) / fps)
    return segments[0][2], tuple(segments), played


def source_at(clip: Clip, fps: Fraction, t: float) -> float:
    """Source seconds the forward clip plays at timeline time ``t`` (on the frame grid).

    The integral of its speed: a ramp's segments (`speed_ramp`), or the constant speed.
    """
    speed, segments, _ = speed_ramp(clip, fps)
    if not segments:
        return clip.source_start + (t - clip.start) * speed
    frame = to_frame(t, fps)
    first, source, speed = next((s for s in reversed(segments) if s[0] <= frame), segments[0])
    return source + float((frame - first) / fps) * speed
