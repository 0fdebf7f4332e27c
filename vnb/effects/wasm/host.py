"""The wasmtime sandbox: instances, their blocks, and ``apply`` on one frame.

ABI version 1 (``wasm-abi.md``): one instance per (module, frame size, thread); the frame
block, ``src`` and ``dst`` are allocated once per instance with the module's ``alloc`` and
checked before anything is written; per frame the pixels are copied in, the block filled,
``apply`` called under a wall-clock deadline (epoch interruption, one ticker thread for the
process) or a fuel budget, and the result handed back as a numpy view of ``dst``. Linear
memory is reached only through such views, made from wasmtime's buffer after a bounds check,
never by writing at raw guest pointers; the engines are configured so that memory never
moves, each view holds its instance alive, and a ``dst`` block is not reused while a view of
it exists (a fresh block is allocated instead, or the result is copied).

Every failure — a trap, an error return, a runaway loop, a bad ``alloc`` — is raised as one
`PluginError` naming the plugin, and the instance is thrown away (the next frame makes a new
one). Nothing here runs at ``import vnb``: wasmtime is imported on first use.
"""

from __future__ import annotations

import atexit
import math
import os
import struct
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from vnb.cache.memory import LRU
from vnb.effects.wasm.binary import MAX_TABLE
from vnb.effects.wasm.engine import (
    DEFAULT_DEADLINE,
    DEFAULT_MEMORY,
    TICK,
    Limits,
    compile_module,
    engine,
)
from vnb.errors import PluginError

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MEMORY",
    "Limits",
    "compile_module",
]

BLOCK_SIZE = 128
_HEADER = struct.Struct("<IIIIIIdII24x")  # abi, w, h, stride, src, dst, t_ms, index, flags
_PARAMS = struct.Struct("<16f")
_MAX_INSTANCES_PER_THREAD = 8
_MAX_OUTPUTS = 3
_Kind = TypeVar("_Kind")


def _describe(err: BaseException, limits: Limits, phase: str) -> str:
    import wasmtime  # noqa: PLC0415

    if isinstance(err, wasmtime.Trap):
        code = err.trap_code
        words = {
            wasmtime.TrapCode.INTERRUPT: f"ran past its deadline of {limits.deadline:g} s",
            wasmtime.TrapCode.OUT_OF_FUEL: f"ran out of fuel ({limits.fuel} units)",
            wasmtime.TrapCode.MEMORY_OUT_OF_BOUNDS: "out-of-bounds memory access",
            wasmtime.TrapCode.UNREACHABLE: "reached an 'unreachable' instruction",
            wasmtime.TrapCode.INTEGER_DIVISION_BY_ZERO: "integer division by zero",
            wasmtime.TrapCode.STACK_OVERFLOW: "stack overflow",
        }
        what = words.get(code) if code is not None else None
        if what is None:
            name = code.name.lower().replace("_", " ") if code is not None else "trap"
            what = f"{name} ({err.message.splitlines()[0]})"
        stopped = code in (wasmtime.TrapCode.INTERRUPT, wasmtime.TrapCode.OUT_OF_FUEL)
        return f"{'stopped' if stopped else 'trapped'} in {phase}: {what}"
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return f"failed in {phase}: {text}"


def _export(exports: Mapping[str, object], name: str, kind: type[_Kind]) -> _Kind:
    """The instance's export ``name``, refused unless it is a ``kind`` (a function, a memory)."""
    item = exports[name]
    if not isinstance(item, kind):
        msg = f"exports {name!r} as a {type(item).__name__}, not a {kind.__name__}"
        raise _Refused(msg)
    return item


class _Instance:
    """One live instance for one frame size, used by one thread only."""

    def __init__(self, limits: Limits, size: tuple[int, int]) -> None:
        self.limits = limits
        self.width, self.height = size
        self.nbytes = self.width * self.height * 4
        self.phase = "instantiation"
        self.block = self.src = 0
        self.scratch: int | None = None

    def open(self, module: Any) -> None:
        """Instantiate under the deadline, check the ABI version, allocate and check blocks."""
        import wasmtime  # noqa: PLC0415

        self.store = wasmtime.Store(engine(self.limits.fuel is not None))
        self.store.set_limits(
            memory_size=self.limits.memory,
            table_elements=MAX_TABLE,
            instances=1,
            tables=4,
            memories=1,
        )
        self._arm()  # a start function runs during instantiation
        instance = wasmtime.Instance(self.store, module, [])
        exports = instance.exports(self.store)
        self.memory = _export(exports, "memory", wasmtime.Memory)
        self._apply = _export(exports, "apply", wasmtime.Func)
        alloc = _export(exports, "alloc", wasmtime.Func)
        self.phase = "vnb_abi_version"
        abi = _export(exports, "vnb_abi_version", wasmtime.Func)(self.store)
        if abi != 1:
            msg = f"vnb_abi_version() returned {abi}; this vnb runs ABI version 1"
            raise _Refused(msg)
        self.phase = "alloc"
        self._alloc = alloc
        self.blocks: list[tuple[int, int]] = []
        self.block, self.src, dst = (
            self.allocate(n) for n in (BLOCK_SIZE, self.nbytes, self.nbytes)
        )
        self.outputs: list[tuple[int, weakref.ref[Any] | None]] = [(dst, None)]
        self.phase = "apply"

    def allocate(self, n: int) -> int:
        """``alloc(n)`` under the deadline, checked against memory and the other blocks."""
        self._arm()
        ptr = self._checked(int(self._alloc(self.store, n)), n, self.blocks)
        self.blocks.append((ptr, n))
        return ptr

    def output_block(self) -> tuple[int, bool]:
        """A ``dst`` block no result handed out still uses: ``(pointer, shareable)``.

        Results are numpy views of ``dst``; while one is alive its block is not written
        again. Up to `_MAX_OUTPUTS` blocks rotate; past that a private block is used and
        the result is copied out.
        """
        for ptr, ref in self.outputs:
            if ref is None or ref() is None:
                return ptr, True
        self.phase = "alloc"
        if len(self.outputs) < _MAX_OUTPUTS:
            ptr = self.allocate(self.nbytes)
            self.outputs.append((ptr, None))
            return ptr, True
        if self.scratch is None:
            self.scratch = self.allocate(self.nbytes)
        return self.scratch, False

    def _arm(self) -> None:
        if self.limits.fuel is not None:
            self.store.set_fuel(self.limits.fuel)
        ticks = max(1, math.ceil(self.limits.deadline / TICK)) + 1
        self.store.set_epoch_deadline(ticks)

    def _checked(self, ptr: int, n: int, others: list[tuple[int, int]]) -> int:
        ptr &= 0xFFFFFFFF
        size = self.memory.data_len(self.store)
        if ptr == 0:
            msg = (
                f"alloc({n}) returned 0 (out of memory? instances are capped at "
                f"{self.limits.memory / 2**20:g} MiB)"
            )
            raise _Refused(msg)
        if ptr + n > size:
            msg = f"alloc({n}) returned {ptr}, which leaves no room in its {size}-byte memory"
            raise _Refused(msg)
        for start, length in others:
            if ptr < start + length and start < ptr + n:
                msg = f"alloc({n}) returned {ptr}, overlapping the block at {start}"
                raise _Refused(msg)
        return ptr

    def view(self, ptr: int, n: int) -> np.ndarray:
        """A numpy view of ``n`` bytes at ``ptr``, bounds-checked; it keeps this instance alive."""
        if ptr + n > self.memory.data_len(self.store):
            msg = f"a block at {ptr} ({n} bytes) is no longer inside memory"
            raise _Refused(msg)
        buffer = self.memory.get_buffer_ptr(self.store, n, ptr)
        # The view's base holds the instance (and its store). ctypes arrays take attributes
        # (typeshed's Array does not say so); numpy's stub takes only some buffer types on 3.11.
        buffer._vnb_owner = self  # type: ignore[attr-defined]
        return np.frombuffer(buffer, dtype=np.uint8, count=n)  # type: ignore[call-overload]

    def run(
        self, frame: np.ndarray, t_ms: float, index: int, params: Sequence[float], preview: bool
    ) -> np.ndarray:
        """Copy ``frame`` in, call ``apply``; the result is a view of ``dst`` (or a copy)."""
        h, w = self.height, self.width
        dst, shareable = self.output_block()
        self.phase = "apply"
        np.copyto(self.view(self.src, self.nbytes).reshape(h, w, 4), frame, casting="no")
        block = self.view(self.block, BLOCK_SIZE)
        _HEADER.pack_into(
            block.data, 0, 1, w, h, w * 4, self.src, dst, t_ms, index & 0xFFFFFFFF, int(preview)
        )
        _PARAMS.pack_into(block.data, 64, *params, *([0.0] * (16 - len(params))))
        self._arm()
        status = self._apply(self.store, self.block)
        if status != 0:
            msg = f"apply returned error code {status}"
            raise _Refused(msg)
        out = self.view(dst, self.nbytes)
        if not shareable:
            return out.reshape(h, w, 4).copy()
        self.outputs[[p for p, _ in self.outputs].index(dst)] = (dst, weakref.ref(out.base))
        return out.reshape(h, w, 4)


class _Refused(Exception):
    """The module broke the ABI at run time (bad ``alloc``, error return…)."""


_local = threading.local()


def _release() -> None:
    """Drop this thread's instances (at exit, before wasmtime's bindings are torn down)."""
    _local.__dict__.clear()


atexit.register(_release)
if hasattr(os, "register_at_fork"):  # a child cannot use the parent's instances
    os.register_at_fork(after_in_child=_release)


def _instances() -> LRU[tuple[object, ...], _Instance]:
    cache = getattr(_local, "instances", None)
    if cache is None:
        cache = _local.instances = LRU(_MAX_INSTANCES_PER_THREAD)
    return cache


@dataclass(frozen=True, slots=True)
class Program:
    """A compiled plugin as the host runs it."""

    who: str
    """The plugin's name, for messages."""
    key: tuple[object, ...]
    """Identifies the module and its settings (its instances are kept under it)."""
    module: Callable[[], Any]
    """Returns the compiled module (called only when an instance must be made)."""
    limits: Limits


def run(
    program: Program,
    frame: np.ndarray,
    t_ms: float,
    index: int,
    params: Sequence[float],
    *,
    preview: bool = False,
) -> np.ndarray:
    """Run a plugin's ``apply`` on one RGBA frame (H×W×4 uint8) and return the new frame.

    The result is a numpy view of the instance's ``dst`` block: it keeps the instance alive,
    and the block is not written again while the view (or any view of it) exists.

    Args:
        program: the plugin.
        frame: the input picture; it is copied in, never shared with the guest.
        t_ms: the frame's time from the start of the clip, milliseconds.
        index: the frame's index from the start of the clip.
        params: values in the order the metadata declares them (at most 16).
        preview: sets flag bit 0 (a faster, lower-quality path is acceptable).

    Raises:
        PluginError: any trap, error return, deadline, refusal or bad ``alloc``.
    """
    import wasmtime  # noqa: PLC0415

    who, limits = program.who, program.limits
    h, w = frame.shape[:2]
    if frame.shape != (h, w, 4) or frame.dtype != np.uint8:
        msg = f"frames must be H×W×4 uint8 RGBA, got {frame.shape} {frame.dtype}"
        raise PluginError(who, msg)
    cache = _instances()
    ikey = (*program.key, w, h)
    inst = cache.pop(ikey)
    try:
        if inst is None:
            compiled = program.module()
            inst = _Instance(limits, (w, h))
            inst.open(compiled)
        out = inst.run(frame, t_ms, index, params, preview)
    except _Refused as err:
        raise PluginError(who, f"{err} (in {inst.phase if inst else 'instantiation'})") from None
    except (wasmtime.Trap, wasmtime.WasmtimeError, KeyError, IndexError, TypeError) as err:
        where = inst.phase if inst is not None else "instantiation"
        raise PluginError(who, _describe(err, limits, where)) from None
    cache.put(ikey, inst)
    return out
