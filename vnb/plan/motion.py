"""Animated pictures: keyframe curves, and where a moving picture sits at every frame.

A `Curve` is a path's keys in whole frames from the item's first frame, as one formula of the
frame number (`vnb.plan.expr`). A `Motion` is how an animated clip or title is drawn, with
sub-pixel precision and no jitter, by filters the render graph and the preview share:

1. the picture is made once at the size of its *box* (its size at the largest scale of the
   animation, plus a margin), with its effects and opacity;
2. ``scale`` brings it to its size at the frame (`Motion.size`, even numbers);
3. it is laid on a transparent box-sized frame at `Motion.inner` (the middle, even);
4. ``rotate`` turns the box when the clip rotates (`Motion.angle`);
5. a bilinear shift of under a pixel (``convolution``, in 16ths of a pixel: `Motion.shift`)
   puts the box's top-left exactly where it belongs, since ``overlay`` places 4:2:0 pictures
   at even pixels;
6. ``overlay`` lays the box at `Motion.origin` (even).

Each step's number is a formula: the render writes it into the filter, which evaluates it per
frame; the preview evaluates it for the frame it draws. The same arithmetic gives the same
numbers, so the preview equals the render.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from vnb.easing import Bezier, Easing, Spring
from vnb.plan.expr import (
    FRAME,
    Expr,
    Value,
    bind_frame,
    evaluate,
    fn,
    gt,
    if_,
    load,
    lt,
    num,
    seq,
    store,
)

__all__ = ["Curve", "Motion"]

SHIFT_STEPS = 16
"""Sub-pixel positions per pixel (a 16th: the motion's error stays under 0.04 px)."""
SAMPLES = 256
"""Points per segment where the largest value of an overshooting curve is looked for."""

PlanEasing = str | tuple[str, float, float, float, float] | tuple[str, float, float, float]
"""An easing in a plan: its name, or ``("bezier", x1, y1, x2, y2)``, ``("spring", k, c, m)``
(plain values, so that plans make cache keys)."""
Key = tuple[int, float, PlanEasing]


def plan_easing(easing: Easing) -> PlanEasing:
    """An easing as plain values."""
    if isinstance(easing, Bezier):
        return ("bezier", easing.x1, easing.y1, easing.x2, easing.y2)
    if isinstance(easing, Spring):
        return ("spring", easing.stiffness, easing.damping, easing.mass)
    return easing


def _bezier(curve: Bezier, p: Value) -> Expr:
    """The Bézier's height at progress ``p``: the bisection of `vnb.easing.bezier_at`."""
    from vnb.easing import BISECTIONS  # noqa: PLC0415

    ax, bx, cx, ay, by, cy = curve.coefficients()
    mid = store(3, (load(1) + load(2)) / 2)
    step = seq(mid, if_(gt(((ax * load(3) + bx) * load(3) + cx) * load(3), load(4)),
                        store(2, load(3)), store(1, load(3))))  # fmt: skip
    u = store(3, (load(1) + load(2)) / 2)
    return seq(store(4, p), store(1, 0.0), store(2, 1.0), *[step] * BISECTIONS, u,
               ((ay * load(3) + by) * load(3) + cy) * load(3))  # fmt: skip


def _spring(curve: Spring, s: Expr) -> Expr:
    zeta, omega0, omega = curve.constants()
    decay = fn("exp", -(zeta * omega0) * s)
    if zeta < 1:
        wave = fn("cos", omega * s) + (zeta * omega0 / omega) * fn("sin", omega * s)
    elif zeta == 1:
        wave = 1.0 + omega0 * s
    else:
        wave = fn("cosh", omega * s) + (zeta * omega0 / omega) * fn("sinh", omega * s)
    return 1.0 - decay * wave


def _in_out(p: Expr) -> Expr:
    r = -2.0 * p + 2.0
    return if_(lt(p, 0.5), 4.0 * p * p * p, 1.0 - r * r * r / 2.0)


_NAMED = {
    "linear": lambda p: p,
    "hold": lambda p: num(0),
    "ease_in": lambda p: p * p * p,
    "ease_out": lambda p: 1.0 - (1.0 - p) * (1.0 - p) * (1.0 - p),
    "ease_in_out": _in_out,
}


def eased(easing: PlanEasing, p: Expr, s: Expr) -> Expr:
    """``easing`` at progress ``p`` (0..1) and ``s`` seconds into the segment, as a formula."""
    if isinstance(easing, tuple):
        name, *args = easing
        if name == "bezier":
            return _bezier(Bezier(x1=args[0], y1=args[1], x2=args[2], y2=args[3]), p)
        return _spring(Spring(stiffness=args[0], damping=args[1], mass=args[2]), s)
    return _NAMED[easing](p)


@dataclass(frozen=True, slots=True)
class Curve:
    """One animated value: keys ``(frame, value, easing)`` in frames from the item's start."""

    keys: tuple[Key, ...]
    fps: Fraction

    def _segment(self, i: int) -> Expr:
        (f0, v0, easing), (f1, v1, _) = self.keys[i], self.keys[i + 1]
        p = (FRAME - f0) / (f1 - f0)
        s = (FRAME - f0) * float(1 / self.fps)
        return v0 + (v1 - v0) * eased(easing, p, s)

    def _between(self, lo: int, hi: int) -> Expr:
        """The value over segments ``lo..hi`` (a balanced tree of ``if``: shallow for ffmpeg)."""
        if lo == hi:
            return self._segment(lo)
        mid = (lo + hi + 1) // 2
        return if_(lt(FRAME, self.keys[mid][0]), self._between(lo, mid - 1),
                   self._between(mid, hi))  # fmt: skip

    def expr(self) -> Expr:
        """The value as a formula of `FRAME` (the first/last value before/after the keys)."""
        first, last = self.keys[0], self.keys[-1]
        if len(self.keys) == 1:
            return num(first[1])
        inner = self._between(0, len(self.keys) - 2)
        return if_(lt(FRAME, first[0]), first[1], if_(lt(FRAME, last[0]), inner, last[1]))

    def at(self, frame: int) -> float:
        """The value at ``frame`` (as the render computes it)."""
        return evaluate(bind_frame(frame, self.expr()))

    def extremes(self) -> tuple[float, float]:
        """The smallest and largest value the curve takes (sampled inside overshooting segments)."""
        values = [v for _, v, _ in self.keys]
        for i, (f0, _, easing) in enumerate(self.keys[:-1]):
            if isinstance(easing, tuple):
                f1 = self.keys[i + 1][0]
                n = min(SAMPLES, max(1, f1 - f0))
                values += [self.at(f0 + (f1 - f0) * j // n) for j in range(n + 1)]
        return min(values), max(values)


def constant(value: float) -> Expr:
    """A value that does not move."""
    return num(value)


def _even_round(x: Value) -> Expr:
    return 2.0 * fn("round", x / 2.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Motion:
    """How an animated picture is drawn (see the module's steps); every size in pixels."""

    base: tuple[float, float]
    """The picture's size at scale 1 (not rounded)."""
    box: tuple[int, int]
    """The box: even, holds the picture at its largest plus a margin."""
    turned: tuple[int, int]
    """The box after rotation (the box itself when the picture never rotates)."""
    canvas: tuple[int, int]
    x: Curve | float
    """Offset of the picture's centre from the canvas centre (``transform.x``)."""
    y: Curve | float
    scale: Curve | float
    rotation: Curve | float
    """Clockwise degrees (None of it when the picture never rotates: 0)."""
    opacity: Curve | float

    @property
    def rotates(self) -> bool:
        """The picture turns at some frame."""
        return self.turned != self.box or (
            not isinstance(self.rotation, Curve) and self.rotation != 0
        )

    def value(self, which: str) -> Expr:
        """One animated property as a formula of `FRAME`."""
        v = getattr(self, which)
        return v.expr() if isinstance(v, Curve) else constant(v)

    def size(self) -> tuple[Expr, Expr]:
        """The picture's size at the frame, to the nearest pixel.

        Any pixel, not only even ones: a zoom's edges stay within half a pixel of their place.
        """
        s = self.value("scale")
        w, h = self.base
        return fn("max", 2.0, fn("round", w * s)), fn("max", 2.0, fn("round", h * s))

    def inner(self) -> tuple[Expr, Expr]:
        """Top-left of the picture in its box (even: the middle, rounded down)."""
        w, h = self.size()
        bw, bh = self.box
        return 2.0 * fn("floor", (bw - w) / 4.0), 2.0 * fn("floor", (bh - h) / 4.0)

    def angle(self) -> Expr:
        """The rotation in radians."""
        return self.value("rotation") * (math.pi / 180.0)

    def top_left(self, axis: int) -> Expr:
        """Where the (turned) box's top-left must be on the canvas, to a fraction of a pixel."""
        w, h = self.size()
        ix, iy = self.inner()
        bw, bh = self.box
        dx = ix + w / 2.0 - bw / 2.0  # the picture's centre from the box's centre
        dy = iy + h / 2.0 - bh / 2.0
        if self.rotates:
            a = self.angle()
            c, s = fn("cos", a), fn("sin", a)
            d = dx * c - dy * s if axis == 0 else dx * s + dy * c
        else:
            d = dx if axis == 0 else dy
        centre = self.canvas[axis] / 2.0 + self.value("x" if axis == 0 else "y")
        return centre - (self.turned[axis] / 2.0 + d)

    def origin(self, axis: int) -> Expr:
        """The even pixel where ``overlay`` puts the box (the nearest to `top_left`)."""
        return _even_round(self.top_left(axis))

    def shift(self, axis: int) -> Expr:
        """What is left after `origin`, in 16ths of a pixel (-16..16): a bilinear shift."""
        t = self.top_left(axis)
        return fn("round", (t - _even_round(t)) * float(SHIFT_STEPS))

    def level(self) -> Expr:
        """Opacity in 255ths (``lutyuv`` multiplies alpha by it)."""
        return fn("round", fn("min", 1.0, fn("max", 0.0, self.value("opacity"))) * 255.0)


def shift_taps(steps: int, *, chroma: bool) -> tuple[int, int, int]:
    """3 weights moving a row or column of pixels by ``steps``/16 pixel (+: right/down).

    They sum to 16 (32 for the chroma planes of 4:2:0, which have half the pixels: the same
    shift is half as many of them). The first weighs the pixel before.
    """
    n = SHIFT_STEPS * (2 if chroma else 1)
    a = abs(steps)
    return (a, n - a, 0) if steps > 0 else (0, n - a, a)


def shift_kernel(sx: int, sy: int, *, chroma: bool) -> tuple[str, float]:
    """A 3×3 ``convolution`` matrix moving a picture by ``(sx, sy)``/16 pixel, and its divisor.

    The bilinear shift, both ways at once (ffmpeg runs 3×3 matrices with SIMD: three times
    faster than a row then a column).
    """
    row, column = shift_taps(sx, chroma=chroma), shift_taps(sy, chroma=chroma)
    matrix = " ".join(str(c * r) for c in column for r in row)
    return matrix, 1 / (sum(row) * sum(column))


def curve_of(keys: list[tuple[float, float, Easing]], fps: Fraction) -> Curve | float:
    """The keys ``(seconds, value, easing)`` on the frame grid (a later key in a frame wins).

    One key, or keys of one value, make a constant.
    """
    frames: dict[int, Key] = {}
    for t, value, easing in keys:
        f = round(t * fps)
        frames[f] = (f, value, plan_easing(easing))
    snapped = tuple(frames[f] for f in sorted(frames))
    if len({v for _, v, _ in snapped}) == 1:
        return snapped[0][1]
    return Curve(snapped, fps)


MAX_BOX_SIDE = 8192
"""Pixels: the largest side of a moving picture's box (ffmpeg's and memory's bound)."""


def motion_of(
    values: dict[str, Curve | float],
    *,
    base: tuple[float, float],
    centre: tuple[float, float],
    canvas: tuple[int, int],
    where: str,
) -> tuple[Motion, tuple[int, int]]:
    """The `Motion` of a picture of size ``base`` at scale 1, and its size at the largest scale.

    ``values`` holds ``x``, ``y`` (offsets of the centre from ``centre``), ``scale``,
    ``rotation`` and ``opacity``, each a curve or a constant.

    Raises:
        ValueError: the picture would grow beyond `MAX_BOX_SIDE` pixels (the message starts
            with ``where``).
    """
    scale = values["scale"]
    top = scale.extremes()[1] if isinstance(scale, Curve) else scale
    pw = max(2, 2 * round(base[0] * top / 2))
    ph = max(2, 2 * round(base[1] * top / 2))
    box = (pw + 4, ph + 4)
    rotation = values["rotation"]
    turns = isinstance(rotation, Curve) or rotation % 360 != 0
    side = 2 * math.ceil(math.hypot(*box) / 2) + 2
    turned = (side, side) if turns else box
    if max(turned) > MAX_BOX_SIDE:
        msg = (
            f"{where}: the animated picture grows to {turned[0]}x{turned[1]} pixels, "
            f"more than {MAX_BOX_SIDE}: use a smaller transform.scale"
        )
        raise ValueError(msg)
    cx, cy = centre
    shift = (cx - canvas[0] / 2, cy - canvas[1] / 2)
    x, y = (_offset(values[k], d) for k, d in (("x", shift[0]), ("y", shift[1])))
    motion = Motion(
        base=base, box=box, turned=turned, canvas=canvas, x=x, y=y, scale=scale,
        rotation=rotation if turns else 0.0, opacity=values["opacity"],
    )  # fmt: skip
    return motion, (pw, ph)


def _offset(v: Curve | float, d: float) -> Curve | float:
    if not d:
        return v
    if isinstance(v, Curve):
        return Curve(tuple((f, value + d, e) for f, value, e in v.keys), v.fps)
    return v + d
