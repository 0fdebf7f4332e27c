"""Animated effect parameters: the curves a plan carries for them, and their quantized values.

``clip.animate("effects[0].radius", …)`` gives the clip's `VideoItem` one `ParamCurve`. How
it is drawn depends on the effect:

- WASM and Python effects run per frame (preview and pre-render alike): they get the exact
  value at the frame (`ParamCurve.step` 0);
- built-in effects whose filter takes a per-frame formula (`EXPRESSIONS`: ``hue``'s ``s`` and
  ``h``, ``vignette``'s angle) get the formula;
- other built-in effects are made of filters fixed when the graph starts: the value is
  quantized to at most `MAX_STEPS` values (`STEPS_OF`) over the range the curve takes
  (`ParamCurve.index`), and the chain has one instance of the effect's filters per value,
  each switched on by ``enable`` at the frames of its value (`vnb.ffmpeg.params`).

The preview runs the render's chain, so both agree exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING

from vnb.plan.expr import Expr, bind_frame, evaluate, fn
from vnb.plan.motion import Curve, curve_of
from vnb.schema.animation import effect_path
from vnb.schema.registry import animation_problem, is_custom, spec_of

if TYPE_CHECKING:
    from vnb.schema.clips import Clip

__all__ = ["ParamCurve"]

MAX_STEPS = 64
"""Quantized values of one animated built-in parameter (filter instances in the render)."""
QUANTA = {("blur", "radius"): 1.0}
"""The smallest step worth taking, where the effect's filters only see whole numbers."""
STEPS_OF = {"blur": 16}
"""Fewer instances for effects whose filter is heavy to set up (each ``avgblur`` holds a
32 MiB table and takes about 0.2 s to start)."""
EXPRESSIONS: dict[tuple[str, str], tuple[int, str, tuple[tuple[str, object], ...]]] = {
    ("saturation", "factor"): (0, "s", ()),
    ("hue", "degrees"): (0, "h", ()),
    ("vignette", "angle"): (0, "angle", (("eval", "frame"),)),
}
"""Parameters whose filter evaluates a formula per frame: (filter, option, extra options)."""
SCAN_FRAMES = 600
"""Animated frames of a piece beyond which every quantized value gets an instance (rather
than finding those its frames take)."""
LIMIT = 1e6
"""Bound of a key's value (`vnb.schema.animation.Keyframe`): an unbounded parameter's range."""


@dataclass(frozen=True, slots=True)
class ParamCurve:
    """One animated parameter of one of a `VideoItem`'s effects."""

    effect: int
    """Index in `VideoItem.effects`."""
    param: str
    curve: Curve
    bounds: tuple[float, float]
    """The parameter's range: the curve is held inside it (an overshooting easing)."""
    lo: float = 0.0
    """The first quantized value."""
    step: float = 0.0
    """Between quantized values; 0: the exact value."""
    count: int = 1
    """Quantized values."""

    def value(self) -> Expr:
        """The value (held inside `bounds`) as a formula of the clip's frame."""
        lo, hi = self.bounds
        return fn("min", hi, fn("max", lo, self.curve.expr()))

    def index(self) -> Expr:
        """The index of the quantized value (0 … count-1) as a formula of the clip's frame."""
        q = fn("round", (self.value() - self.lo) / self.step)
        return fn("min", float(self.count - 1), fn("max", 0.0, q))

    def quantized(self, i: int) -> float:
        """The ``i``-th quantized value."""
        return min(self.bounds[1], self.lo + i * self.step)

    def indices(self, first: int, end: int) -> list[int]:
        """The quantized values the clip's frames ``[first, end)`` take, by index (sorted)."""
        keys = self.curve.keys
        margin = 2  # a frame or two the render's chain may see beyond the piece
        first, end = first - margin, end + margin
        inside = range(max(first, keys[0][0]), min(end, keys[-1][0] + 1))
        if len(inside) > SCAN_FRAMES:
            return list(range(self.count))
        e = self.index()  # outside the keys the first or last value holds
        return sorted({int(evaluate(bind_frame(f, e))) for f in {first, end - 1, *inside}})

    def at(self, frame: float) -> float:
        """The value at the clip's ``frame`` (quantized when `step` is not 0)."""
        if not self.step:
            return evaluate(bind_frame(frame, self.value()))
        return self.quantized(int(evaluate(bind_frame(frame, self.index()))))


def _quantize(pc: ParamCurve, name: str) -> ParamCurve:
    lo, hi = pc.curve.extremes()
    lo, hi = max(lo, pc.bounds[0]), min(hi, pc.bounds[1])
    span = hi - lo
    if span <= 0:
        return replace(pc, lo=lo, step=1.0, count=1)
    most = STEPS_OF.get(name, MAX_STEPS)
    step = span / (most - 1)
    quantum = QUANTA.get((name, pc.param))
    if quantum:
        step = max(quantum, math.ceil(step / quantum - 1e-9) * quantum)
    count = min(most, math.ceil(span / step - 1e-9) + 1)
    return replace(pc, lo=lo, step=step, count=count)


def param_curves(clip: Clip, fps: Fraction, first: int) -> tuple[ParamCurve, ...]:
    """The curves of ``clip``'s animated effect parameters (effect ``i`` at ``first + i``).

    Raises:
        ValueError: a parameter cannot be animated (the message names the path and why).
    """
    out: list[ParamCurve] = []
    quantized: set[int] = set()
    for path, keys in sorted(clip.animations.items()):
        spot = effect_path(path)
        if spot is None or spot[0] >= len(clip.effects):
            continue
        i, param = spot
        curve = curve_of([(k.t, k.value, k.easing) for k in keys], fps)
        if not isinstance(curve, Curve):  # one value all along: a curve of one key
            curve = Curve(((0, curve, "linear"),), fps)
        name = clip.effects[i].name
        spec = next((p for p in spec_of(name).params if p.name == param), None)
        if spec is None:  # not a parameter of this effect: the document's check says so
            continue
        bounds = (
            -LIMIT if spec.minimum is None else spec.minimum,
            LIMIT if spec.maximum is None else spec.maximum,
        )
        pc = ParamCurve(first + i, param, curve, bounds)
        if not is_custom(name) and (name, param) not in EXPRESSIONS:
            pc = _quantize(pc, name)
            why = animation_problem(name, param, pc.lo, pc.quantized(pc.count - 1))
            if why is None and i in quantized:
                why = f"only one parameter of {name!r} can be animated"
            if why is not None:
                msg = f"({clip.id!r}) {path} cannot be animated: {why}"
                raise ValueError(msg)
            quantized.add(i)
        out.append(pc)
    return tuple(out)
