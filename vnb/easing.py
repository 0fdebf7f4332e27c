"""Easing curves: how a value travels from one keyframe to the next.

An easing maps the progress ``p`` through a segment (0 at its first key, 1 at the next) to
how far the value has gone (0 to 1; springs and some Béziers overshoot). The names:

- ``linear``: straight; ``hold``: keeps the first key's value until the next key (a step);
- ``ease_in``, ``ease_out``, ``ease_in_out``: cubic (``p³``, ``1-(1-p)³`` and their join);
- `bezier` ``(x1, y1, x2, y2)``: a CSS ``cubic-bezier``, the curve browsers draw;
- `spring` ``(stiffness, damping, mass)``: Remotion's spring, run in seconds from the
  segment's first key and settling on the next key (which it reaches there exactly).

`ease` evaluates a curve in Python; `vnb.plan.expr` writes the same arithmetic as an ffmpeg
expression, so the preview and the render agree.

Example:
    ```python
    clip.animate("transform.x", {0: -300, 1: 0}, easing=vnb.easing.bezier(0.2, 0.8, 0.2, 1))
    clip.animate("transform.scale", {0: 0.5, 1: 1}, easing=vnb.easing.spring(damping=12))
    ```
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["EASINGS", "Bezier", "Easing", "EasingName", "Spring", "bezier", "ease", "spring"]

EasingName = Literal["linear", "hold", "ease_in", "ease_out", "ease_in_out"]
"""The easings named by a word."""
EASINGS: tuple[str, ...] = (*get_args(EasingName), "bezier(x1, y1, x2, y2)", "spring(...)")
"""Every easing, as the error messages and the README list them."""

BISECTIONS = 24
"""Halvings that find a Bézier's parameter for a progress (to 6e-8: far below a pixel)."""


class _Curve(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class Bezier(_Curve):
    """A CSS ``cubic-bezier(x1, y1, x2, y2)``: control points of a curve from (0,0) to (1,1)."""

    kind: Literal["bezier"] = "bezier"
    x1: float = Field(ge=0, le=1)
    y1: float = Field(ge=-10, le=10)
    x2: float = Field(ge=0, le=1)
    y2: float = Field(ge=-10, le=10)

    def coefficients(self) -> tuple[float, float, float, float, float, float]:
        """``(ax, bx, cx, ay, by, cy)``: ``x(u) = ((ax·u + bx)·u + cx)·u``, the same for y."""
        cx = 3 * self.x1
        bx = 3 * (self.x2 - self.x1) - cx
        ax = 1 - cx - bx
        cy = 3 * self.y1
        by = 3 * (self.y2 - self.y1) - cy
        ay = 1 - cy - by
        return ax, bx, cx, ay, by, cy


class Spring(_Curve):
    """A damped spring (Remotion's `spring`): ``stiffness`` k, ``damping`` c, ``mass`` m."""

    kind: Literal["spring"] = "spring"
    stiffness: float = Field(default=100.0, gt=0, le=10_000)
    damping: float = Field(default=10.0, gt=0, le=10_000)
    mass: float = Field(default=1.0, gt=0, le=1000)

    def constants(self) -> tuple[float, float, float]:
        """``(zeta, omega0, omega)``: damping ratio, natural and damped frequencies (rad/s).

        ``omega`` is ``omega0·√|1-ζ²|`` (0 when critically damped).
        """
        zeta = self.damping / (2 * math.sqrt(self.stiffness * self.mass))
        omega0 = math.sqrt(self.stiffness / self.mass)
        return zeta, omega0, omega0 * math.sqrt(abs(1 - zeta * zeta))


Easing = EasingName | Annotated[Bezier | Spring, Field(discriminator="kind")]
"""An easing: a name, a `Bezier` or a `Spring`."""


def bezier(x1: float, y1: float, x2: float, y2: float) -> Bezier:
    """A CSS ``cubic-bezier(x1, y1, x2, y2)`` easing (``x1``, ``x2`` between 0 and 1)."""
    return Bezier(x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2))


def spring(stiffness: float = 100.0, damping: float = 10.0, mass: float = 1.0) -> Spring:
    """Remotion's spring easing: defaults ``stiffness=100, damping=10, mass=1``."""
    return Spring(stiffness=float(stiffness), damping=float(damping), mass=float(mass))


def bezier_at(curve: Bezier, p: float) -> float:
    """The Bézier's height where its x is ``p`` (found by `BISECTIONS` halvings)."""
    ax, bx, cx, ay, by, cy = curve.coefficients()
    lo, hi = 0.0, 1.0
    for _ in range(BISECTIONS):
        mid = (lo + hi) / 2
        if ((ax * mid + bx) * mid + cx) * mid > p:
            hi = mid
        else:
            lo = mid
    u = (lo + hi) / 2
    return ((ay * u + by) * u + cy) * u


def spring_at(curve: Spring, seconds: float) -> float:
    """How far a spring released at 0 has gone toward 1 after ``seconds``."""
    zeta, omega0, omega = curve.constants()
    s = seconds
    decay = math.exp(-zeta * omega0 * s)
    if zeta < 1:
        return 1 - decay * (math.cos(omega * s) + zeta * omega0 / omega * math.sin(omega * s))
    if zeta == 1:
        return 1 - decay * (1 + omega0 * s)
    return 1 - decay * (math.cosh(omega * s) + zeta * omega0 / omega * math.sinh(omega * s))


def _ease_in_out(p: float) -> float:
    if p < 0.5:
        return 4 * p * p * p
    q = -2 * p + 2
    return 1 - q * q * q / 2


_NAMED = {
    "linear": lambda p: p,
    "hold": lambda p: 0.0,
    "ease_in": lambda p: p * p * p,
    "ease_out": lambda p: 1 - (1 - p) * (1 - p) * (1 - p),
    "ease_in_out": _ease_in_out,
}


def ease(easing: Easing, p: float, seconds: float = 0.0) -> float:
    """The eased progress at progress ``p`` (0..1) of a segment, ``seconds`` into it.

    Raises:
        ValueError: ``easing`` is not an easing.
    """
    p = min(1.0, max(0.0, p))
    if isinstance(easing, Bezier):
        return bezier_at(easing, p)
    if isinstance(easing, Spring):
        return spring_at(easing, seconds)
    if easing not in _NAMED:
        msg = f"unknown easing {easing!r} (one of: {', '.join(EASINGS)})"
        raise ValueError(msg)
    return float(_NAMED[easing](p))
