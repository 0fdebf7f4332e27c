"""The filters that draw a moving picture (`vnb.plan.motion.Motion`): render and preview.

The render gets each number as a formula the filter evaluates per frame (``F``, the item's
frame, is ``round(t·fps) + offset`` from the frame's own time ``t``: filters disagree on
whether their frame count ``n`` starts at 0 or 1); the preview gets
the same numbers for one frame. Filters without per-frame formulas — ``lutyuv`` for opacity,
``convolution`` for the sub-pixel shift — get one instance per value, each switched on by its
``enable`` formula only at the frames that have its value: no command is sent, so nothing can
arrive a frame early or late.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from fractions import Fraction

from vnb.ffmpeg.graph import Filter, make_filter
from vnb.plan.expr import Expr, bind_frame, compile_frames, to_ffmpeg, var
from vnb.plan.motion import SHIFT_STEPS, Motion, shift_kernel

MAX_SCAN = 20_000
"""Frames of a piece whose values are listed to make only the instances they use (beyond,
every possible value gets one)."""

__all__ = ["motion_filters", "motion_origin"]


def _text(e: Expr, frame: str) -> str:
    return to_ffmpeg(bind_frame(var(frame), e))


@functools.lru_cache(maxsize=64)
def _compiled(m: Motion) -> dict[str, Callable[[int], float]]:
    """The motion's formulas as fast Python functions of the item frame (cached per motion)."""
    (w, h), (ix, iy) = m.size(), m.inner()
    formulas = {
        "level": m.level(), "w": w, "h": h, "ix": ix, "iy": iy, "angle": m.angle(),
        "shift0": m.shift(0), "shift1": m.shift(1), "origin0": m.origin(0), "origin1": m.origin(1),
    }  # fmt: skip
    return {name: compile_frames(e) for name, e in formulas.items()}


def _at(m: Motion, name: str, frame: int) -> int:
    return int(_compiled(m)[name](frame))


def _used(m: Motion, name: str, frames: range, every: range) -> list[int]:
    """The values formula ``name`` takes over ``frames`` (all of ``every`` for long pieces)."""
    if len(frames) > MAX_SCAN:
        return list(every)
    f = _compiled(m)[name]
    return sorted({int(f(k)) for k in frames})


def _opacity(level: int) -> Filter:
    return make_filter("lutyuv", {"a": f"val*{level}/255"})


def _shift(steps: int, axis: int) -> dict[str, object]:
    mode = "row" if axis == 0 else "column"
    opts: dict[str, object] = {}
    for plane in range(4):
        chroma = plane in (1, 2)
        opts[f"{plane}m"] = shift_kernel(steps, chroma=chroma)
        opts[f"{plane}rdiv"] = 1 / (SHIFT_STEPS * (2 if chroma else 1))
        opts[f"{plane}mode"] = mode
    return opts


def _frame(fps: Fraction, offset: int) -> str:
    """The render's ``F``: the item's frame from the filter's frame time ``t``."""
    f = f"round(t*{fps.numerator}/{fps.denominator})"
    return f"{f}+{offset}" if offset >= 0 else f"{f}-{-offset}"


def motion_filters(
    m: Motion,
    *,
    frame: int | None,
    fps: Fraction = Fraction(30),
    offset: int = 0,
    frames: int = MAX_SCAN + 1,
) -> list[Filter]:
    """Opacity, size, box, rotation and sub-pixel shift of a moving picture (steps 2–5).

    Args:
        m: the motion.
        frame: the preview's item frame (constant filters), or None for the render.
        fps: the project's frame rate (the render's frames are timed by it).
        offset: the render's item frame at the chain's first frame (time 0).
        frames: how many frames the render's chain makes (only the values they use get a
            filter instance).
    """
    if frame is not None:
        return _at_frame(m, frame)
    f = _frame(fps, offset)
    span = range(offset, offset + frames)
    level = _text(m.level(), f)
    out = [
        make_filter("lutyuv", {"a": f"val*{q}/255", "enable": f"eq({level},{q})"})
        for q in _used(m, "level", span, range(256))
        if q < 255
    ]
    w, h = m.size()
    bw, bh = m.box
    out += [
        make_filter("scale", {"w": _text(w, f), "h": _text(h, f), "eval": "frame"}),
        make_filter(
            "pad",
            {"w": bw, "h": bh, "x": "2*floor((ow-iw)/4)", "y": "2*floor((oh-ih)/4)",
             "color": "black@0", "eval": "frame"},
        ),
    ]  # fmt: skip
    if m.rotates:
        tw, th = m.turned
        out.append(
            make_filter("rotate", {"a": _text(m.angle(), f), "ow": tw, "oh": th, "c": "black@0"})
        )
    for axis in (0, 1):
        steps = _text(m.shift(axis), f)
        every = range(-SHIFT_STEPS, SHIFT_STEPS + 1)
        out += [
            make_filter("convolution", {**_shift(q, axis), "enable": f"eq({steps},{q})"})
            for q in _used(m, f"shift{axis}", span, every)
            if q
        ]
    return out


def _at_frame(m: Motion, frame: int) -> list[Filter]:
    out = []
    level = _at(m, "level", frame)
    if level < 255:
        out.append(_opacity(level))
    w, h = _at(m, "w", frame), _at(m, "h", frame)
    x, y = _at(m, "ix", frame), _at(m, "iy", frame)
    bw, bh = m.box
    out += [
        make_filter("scale", {"w": w, "h": h}),
        make_filter("pad", {"w": bw, "h": bh, "x": x, "y": y, "color": "black@0"}),
    ]
    if m.rotates:
        tw, th = m.turned
        a = _compiled(m)["angle"](frame)
        out.append(make_filter("rotate", {"a": repr(a), "ow": tw, "oh": th, "c": "black@0"}))
    for axis in (0, 1):
        steps = _at(m, f"shift{axis}", frame)
        if steps:
            out.append(make_filter("convolution", _shift(steps, axis)))
    return out


def motion_origin(
    m: Motion, *, frame: int | None, fps: Fraction = Fraction(30), offset: int = 0
) -> tuple[object, object]:
    """Where ``overlay`` puts the moving picture's box: numbers (preview) or formulas (render).

    ``offset``: the render's item frame at the overlay's main input's time 0.
    """
    if frame is not None:
        return _at(m, "origin0", frame), _at(m, "origin1", frame)
    f = _frame(fps, offset)
    return _text(m.origin(0), f), _text(m.origin(1), f)
