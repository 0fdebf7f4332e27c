"""WASM effect plugins: load and validate a module, register it, scan the plugin folders.

``vnb.effects.load_wasm("vignette.wasm")`` reads a ``.wasm`` (or ``.wat``) file, refuses it
before any of its code runs if it breaks ABI 1 (imports, a missing or mistyped export, another
ABI version, 64-bit or shared memory, oversized tables, permissions asked), compiles it (once
per sha256, wasmtime version and engine settings, in process) and registers it as
``wasm:<name>``. Plugin folders — ``VNB_PLUGIN_PATH`` (``os.pathsep``-separated) and
``<user config dir>/vnb/plugins`` — are scanned on first use; a module loaded explicitly wins
over one of the same name found there.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vnb.effects.custom import register
from vnb.effects.wasm import host
from vnb.effects.wasm.binary import MAX_TABLE, WasmFormatError, outline
from vnb.effects.wasm.meta import PluginInfo, parse_meta
from vnb.errors import FileAccessError, PluginError
from vnb.fileio import read_regular_file
from vnb.schema.registry import PLUGINS, normalize_params

if TYPE_CHECKING:
    import numpy as np

    from vnb.schema.timeline import Effect

__all__ = ["WasmEffect"]

_log = logging.getLogger(__name__)
MAX_MODULE_BYTES = 64 * 1024**2


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``vnb effects check`` found: the effect ran on a test frame."""

    name: str
    size: tuple[int, int]
    changed: float
    """Share of bytes the effect changed."""
    milliseconds: float
    """Time of one ``apply`` (copies in and out included), after a warm-up."""


class WasmEffect:
    """A loaded WASM effect: call it with parameters to make an `Effect` for a clip.

    ``fx = vnb.effects.load_wasm("vignette.wasm"); clip.effects.append(fx(strength=0.6))``.
    """

    def __init__(
        self, info: PluginInfo, wasm: bytes, path: Path | None, limits: host.Limits
    ) -> None:
        self.info = info
        self.wasm = wasm
        self.path = path
        self.limits = limits
        self.sha256 = hashlib.sha256(wasm).hexdigest()

    @property
    def name(self) -> str:
        """The effect's name in projects: ``wasm:<name>``."""
        return self.info.effect_name

    @property
    def identity(self) -> str:
        """The module's sha256 (what the effect's output depends on besides parameters)."""
        return self.sha256

    def __call__(self, **params: float) -> Effect:
        """An `Effect` for a clip, parameters checked against the module's metadata."""
        from vnb.schema.timeline import Effect  # noqa: PLC0415

        if PLUGINS.get(self.name) is None:
            register(self)
        normalize_params(self.name, params)
        return Effect(name=self.name, params=dict(params))

    def __repr__(self) -> str:
        params = ", ".join(f"{p.name}={p.default:g}" for p in self.info.params)
        return f"<WasmEffect {self.name}({params}) {self.sha256[:12]}>"

    def module(self) -> Any:
        """The compiled module (validated; compiled once per process and settings)."""
        return host.compile_module(self.wasm, self.sha256, self.limits.fuel is not None, self.name)

    def apply(
        self,
        frame: np.ndarray,
        t: float,
        index: int,
        params: Mapping[str, object],
        *,
        preview: bool = False,
    ) -> np.ndarray:
        """One RGBA frame through the module (``t`` in seconds from the clip's start)."""
        values = [float(params.get(p.name, p.default)) for p in self.info.params]  # type: ignore[arg-type]
        program = host.Program(self.name, (self.sha256, self.limits), self.module, self.limits)
        return host.run(program, frame, t * 1000.0, index, values, preview=preview)

    def check(self, size: tuple[int, int] = (67, 37)) -> CheckReport:
        """Run the effect with default parameters on a test frame (odd width, gradients).

        Raises:
            PluginError: it fails on the frame.
        """
        import numpy as np  # noqa: PLC0415

        w, h = size
        y, x = np.mgrid[0:h, 0:w]
        frame = np.stack(
            [
                x * 255 // max(1, w - 1),
                y * 255 // max(1, h - 1),
                (x + y) % 256,
                np.full_like(x, 255),
            ],
            axis=-1,
        ).astype(np.uint8)
        defaults = {p.name: p.default for p in self.info.params}
        out = self.apply(frame, 0.5, 15, defaults)
        start = time.perf_counter()
        self.apply(frame, 0.5, 15, defaults)
        elapsed = (time.perf_counter() - start) * 1000
        changed = float(np.mean(out != frame))
        return CheckReport(self.name, size, changed, elapsed)


def _read(path: Path, who: str) -> bytes:
    try:  # never blocks (a FIFO) nor reads without end (/dev/zero)
        return read_regular_file(path, max_bytes=MAX_MODULE_BYTES, what="WASM module")
    except FileAccessError as err:
        raise PluginError(who, f"{path}: {err.reason}") from None


def _refuse_outline(wasm: bytes, who: str, limits: host.Limits) -> bytes | None:
    """Refuse what ABI 1 forbids, from the binary alone; return the ``vnb.meta`` section."""
    try:
        shape = outline(wasm)
    except WasmFormatError as err:
        raise PluginError(who, f"invalid module: {err}") from None
    if shape.imports:
        module, name, kind = shape.imports[0]
        msg = (
            f"imports {kind} {module}.{name}; vnb effects may import nothing (ABI 1 has no "
            "imports: no WASI, no files, no clock)"
        )
        raise PluginError(who, msg)
    for pages, wide, shared in shape.memories:
        if wide or shared:
            what = "a 64-bit" if wide else "a shared"
            raise PluginError(who, f"declares {what} memory; ABI 1 needs a 32-bit, unshared one")
        if pages * 65536 > limits.memory:
            msg = (
                f"asks for {pages * 65536 / 2**20:g} MiB of initial memory; the cap is "
                f"{limits.memory / 2**20:g} MiB"
            )
            raise PluginError(who, msg)
    if any(t > MAX_TABLE for t in shape.tables):
        raise PluginError(
            who, f"declares a table of {max(shape.tables)} elements (max {MAX_TABLE})"
        )
    abi = shape.static_abi_version()
    if abi is not None and abi != 1:
        raise PluginError(who, f"vnb_abi_version returns {abi}; this vnb runs ABI version 1")
    return shape.custom.get("vnb.meta")


def from_bytes(
    wasm: bytes,
    fallback_name: str,
    *,
    path: Path | None = None,
    limits: host.Limits | None = None,
    who: str | None = None,
) -> WasmEffect:
    """Validate and compile a module given as bytes (binary or WAT text); does not register it."""
    who = who or fallback_name
    if not wasm.startswith(b"\0asm"):
        import wasmtime  # noqa: PLC0415

        try:
            wasm = bytes(wasmtime.wat2wasm(wasm.decode("utf-8")))
        except (UnicodeDecodeError, wasmtime.WasmtimeError) as err:
            first = (str(err) or type(err).__name__).splitlines()[0]
            msg = f"neither a WebAssembly binary (no \\0asm header) nor valid WAT: {first}"
            raise PluginError(who, msg) from None
    limits = limits or host.Limits()
    raw_meta = _refuse_outline(wasm, who, limits)
    info = parse_meta(raw_meta, fallback_name, who)
    effect = WasmEffect(info, wasm, path, limits)
    try:
        effect.module()  # compiles and checks the exports and their types: still nothing ran
    except PluginError as err:
        name = who if who == info.name else f"{info.effect_name} ({who})"
        raise PluginError(name, err.reason) from None
    return effect


def _fallback_name(path: Path) -> str:
    stem = "".join(c if c.isalnum() or c in "_-" else "-" for c in path.stem.lower())
    return (stem.lstrip("-_0123456789") or "plugin")[:48]


def load_wasm(
    path: str | os.PathLike[str],
    *,
    deadline: float = host.DEFAULT_DEADLINE,
    memory_limit: int = host.DEFAULT_MEMORY,
    fuel: int | None = None,
) -> WasmEffect:
    """Load a WASM effect (``.wasm`` or ``.wat``), validate it, and register it.

    Args:
        path: the module.
        deadline: wall-clock seconds one frame may take (and instantiation).
        memory_limit: cap on the instance's linear memory, in bytes.
        fuel: a deterministic budget of wasmtime fuel per frame instead of relying on the
            clock alone (the deadline still applies).

    Returns:
        The effect: call it with parameters, ``fx(strength=0.6)``, to get an `Effect`.

    Raises:
        PluginError: the module cannot be read or is refused (the message says why).
    """
    p = Path(path).expanduser()
    if not (0 < deadline <= 3600) or not (1 << 16 <= memory_limit <= 4 << 30):
        msg = f"deadline {deadline!r} s or memory_limit {memory_limit!r} out of range"
        raise PluginError(p.name, msg)
    limits = host.Limits(memory=memory_limit, deadline=deadline, fuel=fuel)
    effect = from_bytes(_read(p, p.name), _fallback_name(p), path=p, limits=limits, who=p.name)
    register(effect)
    with _scan_lock:
        _explicit.add(effect.name)
    return effect


_scan_lock = threading.Lock()
_scanned = False
_explicit: set[str] = set()
problems: list[str] = []
"""What the last folder scan refused, one line per file."""


def plugin_dirs() -> list[Path]:
    """The plugin folders: ``VNB_PLUGIN_PATH`` entries, then the user's config folder."""
    from platformdirs import user_config_dir  # noqa: PLC0415

    extra = [Path(p).expanduser() for p in os.environ.get("VNB_PLUGIN_PATH", "").split(os.pathsep)]
    return [
        *(p for p in extra if str(p) not in ("", ".")),
        Path(user_config_dir("vnb")) / "plugins",
    ]


def scan_plugin_folders(*, again: bool = False) -> list[WasmEffect]:
    """Load every ``*.wasm``/``*.wat`` of the plugin folders (once per process unless ``again``).

    Files that are refused are logged and listed in `problems`; they never stop the scan.
    """
    global _scanned  # noqa: PLW0603 - once per process
    with _scan_lock:
        if _scanned and not again:
            return []
        _scanned = True
        problems.clear()
    found: list[WasmEffect] = []
    for folder in plugin_dirs():
        if not folder.is_dir():
            continue
        for file in sorted(folder.iterdir()):
            if file.suffix.lower() not in (".wasm", ".wat") or not file.is_file():
                continue
            try:
                effect = from_bytes(
                    _read(file, file.name), _fallback_name(file), path=file, who=file.name
                )
            except PluginError as err:
                _log.warning("skipped plugin %s: %s", file, err)
                problems.append(f"{file}: {err}")
                continue
            with _scan_lock:
                if effect.name in _explicit or any(e.name == effect.name for e in found):
                    continue
            register(effect)
            found.append(effect)
    return found
