"""Python effects: a function on numpy RGBA frames, usable on clips like any effect.

.. code-block:: python

    @vnb.effects.python_effect(params={"amount": (0.0, 1.0, 0.5)})
    def posterize(frame, t, amount):          # H×W×4 uint8 RGBA in, RGBA out
        levels = 2 + int((1 - amount) * 14)
        step = 256 // levels
        return (frame // step * step).astype("uint8")

    clip.effects.append(posterize(amount=0.3))   # an Effect named "py:posterize"

The function gets the frame (its own copy: it may change it in place and return it), ``t``
(seconds from the clip's start in its source) and the parameters by name. It runs in the
preview and, frame by frame on two threads, in the render's pre-pass. What it raises is
reported as a `PluginError` naming the effect and the frame time.

A Python effect exists only in the session that defined it: a saved project names it
(``py:posterize``), and loading that project elsewhere says to define it first.
"""

from __future__ import annotations

import hashlib
import inspect
import marshal
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from vnb.effects.custom import register
from vnb.effects.registry import normalize_params
from vnb.effects.wasm.meta import PluginInfo, check_name, parse_params
from vnb.errors import PluginError

if TYPE_CHECKING:
    import numpy as np

    from vnb.schema.timeline import Effect

__all__ = ["PythonEffect", "python_effect"]

ParamDecl = tuple[float, float, float]
"""``(minimum, maximum, default)``."""


class PythonEffect:
    """A registered Python effect: call it with parameters to get an `Effect` for a clip."""

    def __init__(self, fn: Callable[..., Any], info: PluginInfo) -> None:
        self.fn = fn
        self.info = info
        code = marshal.dumps(fn.__code__)
        self._identity = hashlib.sha256(code + repr(info).encode()).hexdigest()

    @property
    def name(self) -> str:
        """The effect's name in projects: ``py:<name>``."""
        return self.info.effect_name

    @property
    def identity(self) -> str:
        """A hash of the function's code and declaration (changes when it is redefined)."""
        return self._identity

    def __call__(self, **params: float) -> Effect:
        """An `Effect` for a clip, parameters checked against the declaration."""
        from vnb.schema.timeline import Effect  # noqa: PLC0415

        normalize_params(self.name, params)
        return Effect(name=self.name, params=dict(params))

    def __repr__(self) -> str:
        params = ", ".join(f"{p.name}={p.default:g}" for p in self.info.params)
        return f"<PythonEffect {self.name}({params})>"

    def apply(
        self,
        frame: np.ndarray,
        t: float,
        index: int,
        params: Mapping[str, object],
        *,
        preview: bool = False,
    ) -> np.ndarray:
        """Run the function on one RGBA frame; check and return what it made.

        Raises:
            PluginError: it raised, or returned something else than an H×W×4 uint8 array.
        """
        import numpy as np  # noqa: PLC0415

        del index, preview
        where = f"at t={t:.3f} s"
        values = {p.name: params.get(p.name, p.default) for p in self.info.params}
        try:
            out = self.fn(frame, t, **values)
        except Exception as err:
            msg = f"raised {type(err).__name__}: {err} {where}"
            raise PluginError(self.name, msg) from err
        if not isinstance(out, np.ndarray) or out.shape != frame.shape or out.dtype != np.uint8:
            got = f"{out.shape} {out.dtype}" if isinstance(out, np.ndarray) else type(out).__name__
            msg = f"returned {got}, not a {frame.shape} uint8 RGBA array, {where}"
            raise PluginError(self.name, msg)
        if not (out.flags.c_contiguous and out.flags.writeable):
            out = np.array(out, order="C")
        return out


def python_effect(
    fn: Callable[..., Any] | None = None,
    *,
    params: Mapping[str, ParamDecl] | None = None,
    name: str | None = None,
    description: str | None = None,
    version: str = "0",
) -> Any:
    """Register a function as the effect ``py:<name>``; use as a decorator.

    Args:
        fn: ``fn(frame, t, **params) -> frame`` on H×W×4 uint8 RGBA numpy arrays.
        params: ``{name: (minimum, maximum, default)}`` of the numeric parameters it takes.
        name: the effect's name (default: the function's name).
        description: shown by ``vnb effects list`` (default: the docstring's first line).
        version: part of the effect's identity (and of the render cache's keys).

    Returns:
        A `PythonEffect` (or, without ``fn``, the decorator that makes one).

    Raises:
        PluginError: a bad name or parameter declaration.
    """

    def make(f: Callable[..., Any]) -> PythonEffect:
        short = check_name((name or f.__name__).lower(), name or f.__name__)
        declared = []
        for key, decl in (params or {}).items():
            if not (isinstance(decl, tuple | list) and len(decl) == 3):
                msg = f"parameter {key!r}: declare it as (minimum, maximum, default)"
                raise PluginError(short, msg)
            lo, hi, default = decl
            declared.append({"name": key, "min": lo, "max": hi, "default": default})
        doc = description if description is not None else (inspect.getdoc(f) or "")
        info = PluginInfo(
            kind="py",
            name=short,
            version=str(version),
            description=doc.splitlines()[0] if doc else "",
            params=parse_params(declared, short),
        )
        effect = PythonEffect(f, info)
        register(effect)
        return effect

    return make if fn is None else make(fn)
