"""WASM effect plugins: modules written against vnb's ABI, run in wasmtime's sandbox.

- :mod:`~vnb.effects.wasm.binary` reads a module's outline (imports, memories, tables,
  exports, the ``vnb.meta`` section) without compiling it;
- :mod:`~vnb.effects.wasm.meta` checks its metadata (name, version, parameters, permissions);
- :mod:`~vnb.effects.wasm.engine` holds the engines, the epoch ticker and compiled modules;
- :mod:`~vnb.effects.wasm.host` makes instances and runs ``apply`` on frames;
- :mod:`~vnb.effects.wasm.plugins` loads files (``load_wasm``) and scans the plugin folders.

The contract is ``wasm-abi.md`` (version 1); ``examples/`` holds the shipped effects in WAT.
wasmtime is imported only when a module is compiled or run, never by ``import vnb``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vnb.effects.wasm.plugins import WasmEffect

__all__ = ["EXAMPLES", "WasmEffect", "load_wasm"]

EXAMPLES = Path(__file__).resolve().parent / "examples"
"""The folder of the shipped example effects (``invert.wat``, ``grayscale.wat``…)."""


def load_wasm(path: str, **limits: Any) -> WasmEffect:
    """Load, validate and register a WASM effect; see :func:`vnb.effects.wasm.plugins.load_wasm`."""
    from vnb.effects.wasm.plugins import load_wasm as load  # noqa: PLC0415

    return load(path, **limits)


def __getattr__(name: str) -> Any:
    if name == "WasmEffect":
        from vnb.effects.wasm.plugins import WasmEffect  # noqa: PLC0415

        return WasmEffect
    msg = f"module 'vnb.effects.wasm' has no attribute {name!r}"
    raise AttributeError(msg)
