"""The filters that draw a moving picture (`vnb.plan.motion.Motion`): render and preview.

Each number is a formula the filter evaluates per frame: ``F``, the item's frame, is
``round(t·fps) + offset`` from the frame's own time ``t`` (filters disagree on whether their
frame count ``n`` starts at 0 or 1). The preview runs the very same filters, formulas and
all, on frames stamped with the times the render's frames have there — so the two agree by
construction, and the preview's graphs are reused from frame to frame. Filters without
per-frame formulas — ``lutyuv`` for opacity, ``convolution`` for the sub-pixel shift — get
one instance per value the piece uses, each switched on by its ``enable`` formula only at the
frames that have its value: no command is sent, so nothing can arrive a frame early or late.
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


def _used(m: Motion, name: str, frames: range, every: range) -> list[int]:
    """The values formula ``name`` takes over ``frames`` (all of ``every`` for long pieces)."""
    if len(frames) > MAX_SCAN:
        return list(every)
    f = _compiled(m)[name]
    return sorted({int(f(k)) for k in frames})


def _shift(sx: int, sy: int) -> dict[str, object]:
    opts: dict[str, object] = {}
    for plane in range(4):
        opts[f"{plane}m"], opts[f"{plane}rdiv"] = shift_kernel(sx, sy, chroma=plane in (1, 2))
    return opts


def _pairs(m: Motion, frames: range) -> list[tuple[int, int]]:
    """The sub-pixel shifts ``(x, y)`` a piece uses (every one for long pieces)."""
    every = range(-SHIFT_STEPS, SHIFT_STEPS + 1)
    if len(frames) > MAX_SCAN:
        return [(x, y) for x in every for y in every]
    fx, fy = _compiled(m)["shift0"], _compiled(m)["shift1"]
    return sorted({(int(fx(k)), int(fy(k))) for k in frames})


def _frame(fps: Fraction, offset: int) -> str:
    """The render's ``F``: the item's frame from the filter's frame time ``t``."""
    f = f"round(t*{fps.numerator}/{fps.denominator})"
    return f"{f}+{offset}" if offset >= 0 else f"{f}-{-offset}"


def motion_filters(
    m: Motion, *, fps: Fraction, offset: int = 0, frames: int = MAX_SCAN + 1
) -> list[Filter]:
    """Opacity, size, box, rotation and sub-pixel shift of a moving picture (steps 2–5).

    Args:
        m: the motion.
        fps: the project's frame rate (the frames are timed by it).
        offset: the item frame at the chain's first frame (time 0).
        frames: how many frames the chain makes (only the values they use get a filter
            instance).
    """
    return list(_motion_filters(m, fps, offset, frames))


@functools.lru_cache(maxsize=64)
def _motion_filters(m: Motion, fps: Fraction, offset: int, frames: int) -> tuple[Filter, ...]:
    """`motion_filters`, kept: the preview asks for the same chain at every frame."""
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
        make_filter("format", {"pix_fmts": "yuva420p16le"}),  # a sub-pixel shift in 8 bits
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
    sx, sy = _text(m.shift(0), f), _text(m.shift(1), f)
    out += [
        make_filter("convolution", {**_shift(x, y), "enable": f"eq({sx},{x})*eq({sy},{y})"})
        for x, y in _pairs(m, span)
        if x or y
    ]
    out.append(make_filter("format", {"pix_fmts": "yuva420p"}))
    return tuple(out)


@functools.lru_cache(maxsize=64)
def motion_origin(m: Motion, *, fps: Fraction, offset: int = 0) -> tuple[str, str]:
    """The formulas of where ``overlay`` puts the moving picture's box.

    ``offset``: the item frame at the overlay's main input's time 0.
    """
    f = _frame(fps, offset)
    return _text(m.origin(0), f), _text(m.origin(1), f)
