"""wasmtime engines, the epoch ticker, and compiled modules (checked, never instantiated here).

Two engines at most — deadline only, or deadline and fuel — configured for the ABI: epoch
interruption, SIMD, no 64-bit or shared memories, memory that never moves (so numpy views of
it stay valid), Cranelift at ``speed``. One daemon thread ticks their epochs every `TICK`
seconds; a store's deadline is a number of ticks. Compiled modules are kept in process, by
the module's sha256, the wasmtime version and the engine settings; nothing compiled is ever
read from disk.

Compiling is host work that no epoch deadline covers and that wasmtime cannot interrupt, so
it is bounded twice: the module's outline is refused up front when it declares more exports
or functions than `vnb.effects.wasm.binary` accepts, and compilation runs in a daemon thread
waited for at most `COMPILE_DEADLINE` seconds (past it the module is refused and the thread
abandoned: it cannot keep the interpreter from exiting).
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from vnb.cache.memory import LRU
from vnb.errors import PluginError

__all__ = [
    "COMPILE_DEADLINE",
]

DEFAULT_MEMORY = 256 * 1024**2
"""Default cap on one instance's linear memory (bytes)."""
DEFAULT_DEADLINE = 2.0
"""Default wall-clock budget of one ``apply`` (and of instantiation), in seconds."""
COMPILE_DEADLINE = 20.0
"""Wall-clock seconds compiling one module may take before it is refused (changeable:
``vnb.effects.wasm.engine.COMPILE_DEADLINE = 60``)."""
TICK = 0.005
"""Seconds between epoch ticks: the resolution of deadlines."""
_REQUIRED = {
    "vnb_abi_version": ((), ("i32",)),
    "alloc": (("i32",), ("i32",)),
    "apply": (("i32",), ("i32",)),
}
_MAX_COMPILED = 32


@dataclass(frozen=True, slots=True)
class Limits:
    """The sandbox of one plugin."""

    memory: int = DEFAULT_MEMORY
    """Cap on linear memory, bytes; ``memory.grow`` past it returns -1."""
    deadline: float = DEFAULT_DEADLINE
    """Wall-clock seconds per ``apply`` (and for instantiation)."""
    fuel: int | None = None
    """If set, a deterministic budget of wasmtime fuel units per ``apply`` instead."""


_lock = threading.Lock()
_engines: dict[bool, Any] = {}
_compiled: LRU[tuple[object, ...], Any] = LRU(_MAX_COMPILED)
_ticker: threading.Thread | None = None


def _release() -> None:
    """Drop wasmtime objects before interpreter shutdown tears their bindings down."""
    with _lock:
        _compiled.clear()
        _engines.clear()


def _forget_after_fork() -> None:
    """In a child process: no ticker thread, and the parent's wasmtime objects are unusable."""
    global _ticker  # noqa: PLW0603
    _ticker = None
    _engines.clear()
    _compiled.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def _tick_forever() -> None:
    while True:
        time.sleep(TICK)
        for each in list(_engines.values()):
            each.increment_epoch()


def engine(fuel: bool) -> Any:
    """The shared engine for the fuel or the deadline flavour (and the ticker, once)."""
    global _ticker  # noqa: PLW0603 - the one ticker of the process
    import wasmtime  # noqa: PLC0415 - heavy, and never needed by ``import vnb``

    with _lock:
        made = _engines.get(fuel)
        if made is None:
            config = wasmtime.Config()
            config.epoch_interruption = True
            config.consume_fuel = fuel
            config.wasm_memory64 = False
            config.wasm_threads = False
            config.wasm_simd = True
            config.wasm_relaxed_simd = False
            config.memory_may_move = False
            config.cranelift_opt_level = "speed"
            made = _engines[fuel] = wasmtime.Engine(config)
        if _ticker is None:
            atexit.register(_release)
            _ticker = threading.Thread(target=_tick_forever, name="vnb-wasm-epoch", daemon=True)
            _ticker.start()
        return made


def _settings(fuel: bool) -> tuple[object, ...]:
    return ("wasmtime", version("wasmtime"), "epoch", fuel, "simd", "no-memory64", "speed")


def _signature(ty: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(map(str, ty.params)), tuple(map(str, ty.results))


def check_exports(module: Any, who: str) -> None:
    """Refuse a compiled module whose imports or exports break ABI 1."""
    import wasmtime  # noqa: PLC0415

    if module.imports:
        first = module.imports[0]
        msg = f"imports {first.module}.{first.name}; vnb effects may import nothing"
        raise PluginError(who, msg)
    exports = {e.name: e.type for e in module.exports}
    missing = [n for n in ("memory", *_REQUIRED) if n not in exports]
    if missing:
        msg = (
            f"does not export {', '.join(map(repr, missing))} (ABI 1 needs memory, "
            "vnb_abi_version, alloc and apply)"
        )
        raise PluginError(who, msg)
    memory = exports["memory"]
    if not isinstance(memory, wasmtime.MemoryType) or memory.is_64 or memory.is_shared:
        msg = "its 'memory' export must be a 32-bit, unshared linear memory"
        raise PluginError(who, msg)
    for name, want in _REQUIRED.items():
        ty = exports[name]
        got = _signature(ty) if isinstance(ty, wasmtime.FuncType) else None
        if got != want:
            shown = f"({', '.join(got[0])}) -> ({', '.join(got[1])})" if got else "not a function"
            msg = (
                f"exports {name!r} as {shown}; ABI 1 needs "
                f"({', '.join(want[0])}) -> ({', '.join(want[1])})"
            )
            raise PluginError(who, msg)


def _compile_within(make: Any, who: str) -> Any:
    """``make()`` in a daemon thread, waited for at most `COMPILE_DEADLINE` seconds."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["module"] = make()
        except BaseException as err:
            box["error"] = err
        finally:
            done.set()

    limit = COMPILE_DEADLINE
    threading.Thread(target=work, name=f"vnb-wasm-compile:{who}", daemon=True).start()
    if not done.wait(limit):
        msg = (
            f"compiling it took longer than {limit:g} s and was abandoned (the limit is "
            "vnb.effects.wasm.engine.COMPILE_DEADLINE)"
        )
        raise PluginError(who, msg)
    if "error" in box:
        raise box["error"]
    return box["module"]


def compile_module(wasm: bytes, sha256: str, fuel: bool, who: str) -> Any:
    """Compile (or fetch from the in-process cache) and check a module; never instantiates.

    The cache key is the module's sha256, the wasmtime version and the engine settings;
    compiled artifacts are never read from disk. Compiling runs under `COMPILE_DEADLINE`.

    Raises:
        PluginError: invalid, refused by `check_exports`, or compiling took too long.
    """
    import wasmtime  # noqa: PLC0415

    key = (sha256, *_settings(fuel))
    module = _compiled.get(key)
    if module is not None:
        return module
    shared = engine(fuel)
    try:
        module = _compile_within(lambda: wasmtime.Module(shared, wasm), who)
    except (wasmtime.WasmtimeError, ValueError) as err:
        msg = f"invalid module: {str(err).splitlines()[0]}"
        raise PluginError(who, msg) from None
    check_exports(module, who)
    _compiled.put(key, module)
    return module
