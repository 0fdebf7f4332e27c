"""One formula, two outputs: evaluated here in Python, written as an ffmpeg expression.

Animated values are formulas of ``F``, a clip's frame number counted from its first frame.
The preview evaluates them (`evaluate`) for the frame it draws; the render writes the same
formula into its filter graph (`to_ffmpeg`), where a filter evaluates it for every frame
(``overlay`` x/y, ``scale`` w/h, ``rotate``'s angle, ``volume``, ``enable``). Both do the
same double-precision steps in the same order, so both reach the same numbers.

An `Expr` is a small tree built with Python's operators and the functions below. ffmpeg's
expression variables ``st(i, …)``/``ld(i)`` (ten of them) hold shared parts: slot 0 holds
``F`` (`bind_frame`), slots 1–4 a Bézier's bisection (`vnb.easing`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__: list[str] = []  # internal: the animation formulas of the plan, render and preview

_FUNCS: dict[str, Callable[..., float]] = {
    "floor": math.floor,
    "ceil": math.ceil,
    "trunc": math.trunc,
    "exp": math.exp,
    "cos": math.cos,
    "sin": math.sin,
    "cosh": math.cosh,
    "sinh": math.sinh,
    "min": min,
    "max": max,
    "abs": abs,
}


def _c_round(x: float) -> float:
    """C's ``round``: halves away from zero (ffmpeg's ``round``), unlike Python's."""
    return math.copysign(math.floor(abs(x) + 0.5), x)


_FUNCS["round"] = _c_round


@dataclass(frozen=True, slots=True)
class Expr:
    """A node of a formula: ``op`` with its arguments (numbers or other nodes)."""

    op: str
    args: tuple[object, ...] = ()

    def __add__(self, other: object) -> Expr:
        return Expr("+", (self, other))

    def __radd__(self, other: object) -> Expr:
        return Expr("+", (other, self))

    def __sub__(self, other: object) -> Expr:
        return Expr("-", (self, other))

    def __rsub__(self, other: object) -> Expr:
        return Expr("-", (other, self))

    def __mul__(self, other: object) -> Expr:
        return Expr("*", (self, other))

    def __rmul__(self, other: object) -> Expr:
        return Expr("*", (other, self))

    def __truediv__(self, other: object) -> Expr:
        return Expr("/", (self, other))

    def __rtruediv__(self, other: object) -> Expr:
        return Expr("/", (other, self))

    def __neg__(self) -> Expr:
        return Expr("-", (0.0, self))


Value = Expr | float | int


def num(x: float) -> Expr:
    """A constant."""
    return Expr("num", (float(x),))


def fn(name: str, *args: Value) -> Expr:
    """Ffmpeg's function ``name`` (floor, ceil, round, trunc, exp, cos, sin, min, max, …)."""
    if name not in _FUNCS:
        raise ValueError(name)
    return Expr("fn", (name, *args))


def lt(a: Value, b: Value) -> Expr:
    """1 when ``a < b``, else 0."""
    return Expr("lt", (a, b))


def gt(a: Value, b: Value) -> Expr:
    """1 when ``a > b``, else 0."""
    return Expr("gt", (a, b))


def if_(cond: Value, then: Value, other: Value) -> Expr:
    """``then`` when ``cond`` is not 0, else ``other`` (only the taken side is evaluated)."""
    return Expr("if", (cond, then, other))


def store(slot: int, value: Value) -> Expr:
    """Keep ``value`` in variable ``slot`` (0–9) and give it."""
    return Expr("st", (slot, value))


def load(slot: int) -> Expr:
    """The value kept in variable ``slot``."""
    return Expr("ld", (slot,))


def seq(*parts: Value) -> Expr:
    """Evaluate ``parts`` in order; the value is the last one's."""
    return Expr("seq", parts)


FRAME = load(0)
"""``F``, the clip's frame number, once `bind_frame` has stored it."""


def bind_frame(frame: Value, body: Value) -> Expr:
    """``body`` with `FRAME` meaning ``frame`` (an ffmpeg expression text such as ``n+12``)."""
    return seq(store(0, frame), body)


def var(text: str) -> Expr:
    """An ffmpeg variable or expression text (``n``, ``t``), only meaningful in the render."""
    return Expr("var", (text,))


def _arith(op: str, x: float, y: float) -> float:
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    return x * y if op == "*" else x / y


def _seq(args: tuple[object, ...], slots: list[float]) -> float:
    out = 0.0
    for part in args:
        out = evaluate(part, slots)  # type: ignore[arg-type]
    return out


def _store(args: tuple[object, ...], slots: list[float]) -> float:
    slot: int = args[0]  # type: ignore[assignment]
    slots[slot] = evaluate(args[1], slots)  # type: ignore[arg-type]
    return slots[slot]


def _call(args: tuple[object, ...], slots: list[float]) -> float:
    name, *rest = args
    return float(_FUNCS[name](*(evaluate(r, slots) for r in rest)))  # type: ignore[index, arg-type]


def _if(args: tuple[object, ...], slots: list[float]) -> float:
    branch = args[1] if evaluate(args[0], slots) != 0 else args[2]  # type: ignore[arg-type]
    return evaluate(branch, slots)  # type: ignore[arg-type]


def _compare(op: str) -> Callable[[tuple[object, ...], list[float]], float]:
    def compare(args: tuple[object, ...], slots: list[float]) -> float:
        x, y = evaluate(args[0], slots), evaluate(args[1], slots)  # type: ignore[arg-type]
        return float(x < y if op == "lt" else x > y)

    return compare


_EVAL: dict[str, Callable[[tuple[object, ...], list[float]], float]] = {
    "num": lambda a, _: float(a[0]),  # type: ignore[arg-type]
    "fn": _call,
    "lt": _compare("lt"),
    "gt": _compare("gt"),
    "if": _if,
    "st": _store,
    "ld": lambda a, slots: slots[a[0]],  # type: ignore[call-overload]
    "seq": _seq,
}


def evaluate(e: Value, slots: list[float] | None = None) -> float:
    """The value of ``e`` (with ``slots`` as the variables, ten zeros by default).

    Raises:
        ValueError: ``e`` holds an ffmpeg variable (`var`), which has no value here.
    """
    slots = slots if slots is not None else [0.0] * 10
    if not isinstance(e, Expr):
        return float(e)
    if e.op in "+-*/":
        x, y = evaluate(e.args[0], slots), evaluate(e.args[1], slots)  # type: ignore[arg-type]
        return _arith(e.op, x, y)
    if e.op not in _EVAL:
        msg = f"{e.op!r} has no value outside ffmpeg"
        raise ValueError(msg)
    return _EVAL[e.op](e.args, slots)


def _joined(args: tuple[object, ...], sep: str = ",") -> str:
    return sep.join(to_ffmpeg(a) for a in args)  # type: ignore[arg-type]


_TEXT: dict[str, Callable[[tuple[object, ...]], str]] = {
    "num": lambda a: repr(a[0]),
    "fn": lambda a: f"{a[0]}({_joined(a[1:])})",
    "lt": lambda a: f"lt({_joined(a)})",
    "gt": lambda a: f"gt({_joined(a)})",
    "if": lambda a: f"if({_joined(a)})",
    "st": lambda a: f"st({a[0]},{to_ffmpeg(a[1])})",  # type: ignore[arg-type]
    "ld": lambda a: f"ld({a[0]})",
    "seq": lambda a: f"({_joined(a, ';')})",
    "var": lambda a: f"({a[0]})",
}


def to_ffmpeg(e: Value) -> str:
    """``e`` as an ffmpeg expression (fully parenthesised; numbers written exactly)."""
    if not isinstance(e, Expr):
        return repr(float(e))
    if e.op in "+-*/":
        return f"({to_ffmpeg(e.args[0])}{e.op}{to_ffmpeg(e.args[1])})"  # type: ignore[arg-type]
    return _TEXT[e.op](e.args)


def _st(slots: list[float], slot: int, value: float) -> float:
    slots[slot] = value
    return value


_PY: dict[str, Callable[[tuple[object, ...]], str]] = {
    "num": lambda a: repr(a[0]),
    "fn": lambda a: f"_f[{a[0]!r}]({', '.join(_python(r) for r in a[1:])})",  # type: ignore[arg-type]
    "lt": lambda a: f"(1.0 if {_python(a[0])} < {_python(a[1])} else 0.0)",  # type: ignore[arg-type]
    "gt": lambda a: f"(1.0 if {_python(a[0])} > {_python(a[1])} else 0.0)",  # type: ignore[arg-type]
    "if": lambda a: f"({_python(a[1])} if {_python(a[0])} != 0 else {_python(a[2])})",  # type: ignore[arg-type]
    "st": lambda a: f"_st(s, {a[0]}, {_python(a[1])})",  # type: ignore[arg-type]
    "ld": lambda a: f"s[{a[0]}]",
    "seq": lambda a: f"({', '.join(_python(p) for p in a)},)[-1]",  # type: ignore[arg-type]
}


def _python(e: Value) -> str:
    if not isinstance(e, Expr):
        return repr(float(e))
    if e.op in "+-*/":
        return f"({_python(e.args[0])} {e.op} {_python(e.args[1])})"  # type: ignore[arg-type]
    if e.op not in _PY:
        msg = f"{e.op!r} has no value outside ffmpeg"
        raise ValueError(msg)
    return _PY[e.op](e.args)


def compile_frames(e: Expr) -> Callable[[int], float]:
    """``e`` as a fast Python function of `FRAME` (the same steps as `evaluate`).

    For the many frames of a piece (which values occur); the source is vnb's own, made of
    numbers and the operators above, never of user text.
    """
    body = _python(e)
    code = "lambda F: _body([float(F), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])"
    env = {"_f": _FUNCS, "_st": _st}
    exec(f"def _body(s):\n    return {body}\n", env)  # noqa: S102 - vnb's own arithmetic
    function: Callable[[int], float] = eval(code, env)  # noqa: S307
    return function
