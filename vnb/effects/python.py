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
preview and, frame by frame on two threads, in the render's pre-pass. What it raises
(``SystemExit`` and other ``BaseException`` s included; only ``KeyboardInterrupt`` passes
through) is reported as a `PluginError` naming the effect and the frame time.

**Deadlines.** Each call runs in a daemon thread of its own and the caller waits for it at
most ``timeout`` seconds (``python_effect(timeout=...)``, or ``effect.timeout = ...`` later;
None means the module-wide `DEFAULT_TIMEOUT`, 10 s, itself changeable as
``vnb.effects.python.DEFAULT_TIMEOUT``). Past it, or when the render is cancelled or its own
``timeout`` expires, the wait ends at once (within `POLL` s) with a `PluginError` (or a
`RenderCancelledError`), and the call is stopped with ``PyThreadState_SetAsyncExc``: that
stops pure-Python code (``while True: pass``) at its next bytecode. Its limits: code inside a
C call (``time.sleep``, a long numpy operation) is stopped only when it returns to Python,
and a function that catches ``BaseException`` and carries on is never stopped. Such a call is
abandoned: its thread is a daemon, so it never blocks the interpreter's exit, but it keeps a
core busy until it ends.

**Caching.** Frames are cached by the function's code *and what it captures* (closure
cells, defaults and the globals it names, recursively through the functions it calls; see
`vnb.effects.captures`), so changing a global such as ``GAIN`` shows at once in preview and
render. When a captured value cannot be hashed (an open model, an image object…) the
effect's frames are not cached at all, and a warning says so once.

A Python effect exists only in the session that defined it: a saved project names it
(``py:posterize``), and loading that project elsewhere says to define it first.
"""

from __future__ import annotations

import hashlib
import inspect
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from vnb.effects.captures import fingerprint
from vnb.effects.custom import current_stop, register
from vnb.effects.wasm.meta import PluginInfo, check_name, parse_params
from vnb.errors import PluginError, RenderCancelledError
from vnb.schema.registry import normalize_params

if TYPE_CHECKING:
    import numpy as np

    from vnb.schema.timeline import Effect

__all__ = ["DEFAULT_TIMEOUT", "PythonEffect"]

DEFAULT_TIMEOUT: float = 10.0
"""Seconds one call of a Python effect may take when the effect sets no ``timeout``."""
POLL = 0.02
"""Seconds between checks of cancel and deadlines while a Python effect runs."""
MAX_TIMEOUT = 24 * 3600.0
_EXITING = threading.Event()


def _exiting() -> None:
    _EXITING.set()


def _watch_exit() -> None:
    """Let waits end when the interpreter starts to exit.

    ``concurrent.futures`` joins its worker threads in a threading-atexit hook, before the
    ordinary ``atexit`` ones (which cancel the render jobs): ours is registered after it, so
    it runs first and the workers stop waiting for an effect that never returns.
    """
    import concurrent.futures.thread  # noqa: F401, PLC0415 - its hook first, so ours runs first

    register = getattr(threading, "_register_atexit", None)
    try:
        if register is not None:
            register(_exiting)
    except RuntimeError:  # imported while the interpreter is already shutting down
        _EXITING.set()


_watch_exit()

ParamDecl = tuple[float, float, float]
"""``(minimum, maximum, default)``."""


class PythonEffect:
    """A registered Python effect: call it with parameters to get an `Effect` for a clip.

    Attributes:
        fn: the function.
        info: its declaration (name, parameters).
        timeout: seconds one frame may take (None: `DEFAULT_TIMEOUT`); may be changed.
    """

    def __init__(
        self, fn: Callable[..., Any], info: PluginInfo, timeout: float | None = None
    ) -> None:
        self.fn = fn
        self.info = info
        self.timeout = _check_timeout(info.effect_name, timeout)
        self._declared = hashlib.sha256(repr(info).encode()).hexdigest()
        self._warned = False

    @property
    def name(self) -> str:
        """The effect's name in projects: ``py:<name>``."""
        return self.info.effect_name

    @property
    def identity(self) -> str:
        """A hash of the declaration, the function's code and what it captures (now).

        Computed on every call, so a changed global or closure value gives a new identity.
        When something captured cannot be hashed, a new random identity each time (nothing
        is cached), with one warning.
        """
        digest, why = fingerprint(self.fn)
        if digest is None:
            if not self._warned:
                self._warned = True
                msg = (
                    f"Python effect {self.name!r}: {why} cannot be hashed, so its frames are "
                    "not cached (preview and render compute them every time)"
                )
                warnings.warn(msg, stacklevel=2)
            return f"{self._declared}:uncached:{uuid.uuid4().hex}"
        return hashlib.sha256(f"{self._declared}:{digest}".encode()).hexdigest()

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
        """Run the function on one RGBA frame under its deadline; check and return what it made.

        Raises:
            PluginError: it raised (anything but ``KeyboardInterrupt``), ran past its
                deadline, or returned something else than an H×W×4 uint8 array.
            RenderCancelledError: the render running it was cancelled or timed out.
        """
        import numpy as np  # noqa: PLC0415

        del index, preview
        where = f"at t={t:.3f} s"
        values = {p.name: params.get(p.name, p.default) for p in self.info.params}
        limit = DEFAULT_TIMEOUT if self.timeout is None else self.timeout
        out = _call(self.fn, (frame, t), values, who=self.name, where=where, limit=limit)
        if not isinstance(out, np.ndarray) or out.shape != frame.shape or out.dtype != np.uint8:
            got = f"{out.shape} {out.dtype}" if isinstance(out, np.ndarray) else type(out).__name__
            msg = f"returned {got}, not a {frame.shape} uint8 RGBA array, {where}"
            raise PluginError(self.name, msg)
        if not (out.flags.c_contiguous and out.flags.writeable):
            out = np.array(out, order="C")
        return out


def _check_timeout(who: str, timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise PluginError(who, f"timeout must be a number of seconds, not {timeout!r}")
    if not 0 < timeout <= MAX_TIMEOUT:
        raise PluginError(who, f"timeout {timeout!r} s is out of range (0, {MAX_TIMEOUT:g}]")
    return float(timeout)


class _Stopped(BaseException):
    """Raised inside an abandoned call's thread to stop it."""


def _interrupt(thread: threading.Thread) -> None:
    """Raise `_Stopped` in ``thread`` at its next bytecode (a no-op once it has ended)."""
    import ctypes  # noqa: PLC0415

    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(_Stopped)
        )


def _call(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    who: str,
    where: str,
    limit: float,
) -> Any:
    """``fn(*args, **kwargs)`` in a daemon thread, waited for at most ``limit`` seconds.

    Also stops waiting when the render's cancel or deadline (`vnb.effects.custom.stopping`)
    fires, or when the interpreter is shutting down; the call is then interrupted and
    abandoned (see the module's docstring for what that can and cannot stop).
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            try:
                box["out"] = fn(*args, **kwargs)
            except BaseException as err:
                box["err"] = err
            finally:
                done.set()
        except _Stopped:  # arrived after the call ended: nothing to do
            pass

    thread = threading.Thread(target=target, name=f"vnb-{who}", daemon=True)
    end = time.monotonic() + limit
    stop = current_stop()
    thread.start()
    try:
        while not done.wait(POLL):
            if stop is not None:
                stop.check()
            if _EXITING.is_set() or not threading.main_thread().is_alive():
                msg = f"{who} stopped {where}: the interpreter is exiting"
                raise RenderCancelledError(msg)
            if time.monotonic() >= end:
                msg = (
                    f"ran past its deadline of {limit:g} s {where} and was stopped (raise "
                    "the effect's timeout, or vnb.effects.python.DEFAULT_TIMEOUT, if it needs "
                    "longer)"
                )
                raise PluginError(who, msg)
    except BaseException:
        if not done.is_set():
            _interrupt(thread)
        raise
    err = box.get("err")
    if err is None:
        return box.get("out")
    if isinstance(err, KeyboardInterrupt):
        raise err
    msg = f"raised {type(err).__name__}: {err} {where}"
    raise PluginError(who, msg) from err


def python_effect(
    fn: Callable[..., Any] | None = None,
    *,
    params: Mapping[str, ParamDecl] | None = None,
    name: str | None = None,
    description: str | None = None,
    version: str = "0",
    timeout: float | None = None,
) -> Any:
    """Register a function as the effect ``py:<name>``; use as a decorator.

    Args:
        fn: ``fn(frame, t, **params) -> frame`` on H×W×4 uint8 RGBA numpy arrays.
        params: ``{name: (minimum, maximum, default)}`` of the numeric parameters it takes.
        name: the effect's name (default: the function's name).
        description: shown by ``vnb effects list`` (default: the docstring's first line).
        version: part of the effect's identity (and of the render cache's keys).
        timeout: seconds one frame may take, in preview and render, before the call is
            stopped with a `PluginError` (default: `DEFAULT_TIMEOUT`, read at each call).

    Returns:
        A `PythonEffect` (or, without ``fn``, the decorator that makes one).

    Raises:
        PluginError: a bad name, parameter declaration or timeout.
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
        effect = PythonEffect(f, info, timeout)
        register(effect)
        return effect

    return make if fn is None else make(fn)
