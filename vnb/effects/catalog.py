"""What ``vnb effects list`` and ``vnb effects check`` print: every effect and a module check."""

from __future__ import annotations

import os
from collections.abc import Iterable

from vnb.schema.registry import PLUGINS, REGISTRY, EffectSpec

__all__ = ["check_lines", "list_lines"]


def _signature(spec: EffectSpec) -> str:
    params = ", ".join(
        f"{p.name}={p.default!r}"
        + (f" [{p.minimum:g}..{p.maximum:g}]" if p.minimum is not None else "")
        for p in spec.params
    )
    return f"{spec.name}({params})"


def _entries(specs: Iterable[EffectSpec], extra: dict[str, str]) -> list[str]:
    lines = []
    for spec in specs:
        tail = f"  {extra[spec.name]}" if spec.name in extra else ""
        lines.append(f"{_signature(spec)}{tail}\n    {spec.doc}")
    return lines


def list_lines(*, scan: bool = True) -> list[str]:
    """Built-in effects, then WASM plugins (the folders are scanned), then Python effects."""
    lines = ["built-in effects:", *_entries(REGISTRY.values(), {})]
    if scan:
        from vnb.effects.custom import implementation  # noqa: PLC0415
        from vnb.effects.wasm.plugins import plugin_dirs, problems, scan_plugin_folders  # noqa: PLC0415

        scan_plugin_folders()
        folders = os.pathsep.join(str(d) for d in plugin_dirs())
        wasm = [s for s in PLUGINS.values() if s.name.startswith("wasm:")]
        extra = {}
        for spec in wasm:
            effect = implementation(spec.name)
            where = getattr(effect, "path", None)
            extra[spec.name] = f"v{effect.info.version} sha256:{effect.identity[:12]} {where or ''}"
        lines.append(f"WASM effects (plugin folders: {folders}):")
        lines += _entries(wasm, extra) or ["    (none)"]
        lines += [f"    refused: {p}" for p in problems]
    python = [s for s in PLUGINS.values() if s.name.startswith("py:")]
    lines.append("Python effects (defined in this session):")
    lines += _entries(python, {}) or ["    (none)"]
    return lines


def check_lines(path: str) -> list[str]:
    """Validate a module against the ABI and run it on test frames (odd and even sizes).

    Raises:
        PluginError: refused at load, or failed on a test frame.
    """
    from vnb.effects.wasm.plugins import load_wasm  # noqa: PLC0415

    effect = load_wasm(path)
    info = effect.info
    lines = [
        f"{path}: ok — {info.effect_name} v{info.version} (vnb ABI 1, sha256 {effect.sha256})",
        f"    {info.description}" if info.description else "    (no description)",
    ]
    lines += [
        f"    param {p.name}: default {p.default:g}, range [{p.minimum:g}, {p.maximum:g}]"
        + (f" — {p.doc}" if p.doc else "")
        for p in info.params
    ]
    for size in ((67, 37), (640, 360)):
        report = effect.check(size)
        lines.append(
            f"    ran on a {size[0]}x{size[1]} test frame: {report.milliseconds:.2f} ms, "
            f"{report.changed:.0%} of bytes changed"
        )
    return lines
