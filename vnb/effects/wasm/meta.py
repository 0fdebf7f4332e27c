"""A plugin's metadata: name, version, description, parameters and the permissions it asks for.

WASM modules carry it as JSON in the ``vnb.meta`` custom section (ABI version 1, see
``wasm-abi.md``); Python effects declare it in their decorator. Both end up as a `PluginInfo`,
and as an `EffectSpec` in the registry's plugin table under a namespaced name (``wasm:<name>``
or ``py:<name>``) so that plugins never clash with built-in effects.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vnb.errors import PluginError
from vnb.schema.registry import EffectSpec, Param

if TYPE_CHECKING:
    from vnb.ffmpeg.graph import Filter

__all__: list[str] = []  # internal: used only inside its own package

ABI_VERSION = 1
MAX_PARAMS = 16
"""The frame block has room for 16 f32 parameters."""
PERMISSIONS: frozenset[str] = frozenset()
"""What ABI version 1 grants: nothing (no imports, no files, no network, no clock)."""

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,47}$")
_PARAM = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """What a plugin says about itself."""

    kind: str
    """``wasm`` or ``py``."""
    name: str
    """Short name, without the namespace."""
    version: str
    description: str
    params: tuple[Param, ...]
    permissions: tuple[str, ...] = ()

    @property
    def effect_name(self) -> str:
        """The name projects use: ``wasm:<name>`` or ``py:<name>``."""
        return f"{self.kind}:{self.name}"

    def spec(self) -> EffectSpec:
        """The registry entry (no ffmpeg filters: custom effects run before the graph)."""
        return EffectSpec(
            name=self.effect_name, doc=self.description, params=self.params, build=_no_filters
        )


def _no_filters(_params: Mapping[str, object]) -> list[Filter]:
    return []


def check_name(name: object, who: str) -> str:
    """Return ``name`` if it is a valid plugin name (lower-case, digits, ``_``/``-``, ≤ 48)."""
    if not isinstance(name, str) or not _NAME.match(name):
        msg = f"name {name!r} is not a valid plugin name (lower-case letters, digits, _ and -)"
        raise PluginError(who, msg)
    return name


def _number(value: object, what: str, who: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = f"{what} must be a finite number, got {value!r}"
        raise PluginError(who, msg)
    return float(value)


def parse_params(entries: Sequence[object], who: str) -> tuple[Param, ...]:
    """Check parameter declarations ``{"name", "min", "max", "default"[, "description"]}``."""
    if len(entries) > MAX_PARAMS:
        msg = f"declares {len(entries)} parameters; at most {MAX_PARAMS} fit the frame block"
        raise PluginError(who, msg)
    out: list[Param] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            msg = f"a parameter must be an object, got {entry!r}"
            raise PluginError(who, msg)
        name = entry.get("name")
        if not isinstance(name, str) or not _PARAM.match(name):
            msg = f"parameter name {name!r} is not an identifier"
            raise PluginError(who, msg)
        if any(p.name == name for p in out):
            msg = f"parameter {name!r} is declared twice"
            raise PluginError(who, msg)
        lo = _number(entry.get("min"), f"parameter {name!r}: min", who)
        hi = _number(entry.get("max"), f"parameter {name!r}: max", who)
        default = _number(entry.get("default", lo), f"parameter {name!r}: default", who)
        if not lo <= default <= hi:
            msg = f"parameter {name!r}: default {default:g} is outside [{lo:g}, {hi:g}]"
            raise PluginError(who, msg)
        doc = entry.get("description", entry.get("doc", ""))
        out.append(Param(name, default, lo, hi, str(doc)[:200]))
    return tuple(out)


def parse_meta(raw: bytes | None, fallback_name: str, who: str) -> PluginInfo:
    """Check a ``vnb.meta`` section (``None``: the module has none) and return its info.

    Raises:
        PluginError: not JSON, another ABI version, a bad name or parameter, or permissions
            asked for (ABI 1 grants none).
    """
    if raw is None:
        meta: dict[str, object] = {}
    else:
        try:
            meta = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as err:
            msg = f"its vnb.meta section is not UTF-8 JSON ({err})"
            raise PluginError(who, msg) from None
        if not isinstance(meta, dict):
            msg = "its vnb.meta section must be a JSON object"
            raise PluginError(who, msg)
    abi = meta.get("vnb_abi", ABI_VERSION)
    if abi != ABI_VERSION or isinstance(abi, bool):
        msg = f"written for vnb ABI version {abi!r}; this vnb runs version {ABI_VERSION}"
        raise PluginError(who, msg)
    name = check_name(meta.get("name", fallback_name), who)
    asked = meta.get("permissions", [])
    if not isinstance(asked, list) or not all(isinstance(p, str) for p in asked):
        msg = f"permissions must be a list of names, got {asked!r}"
        raise PluginError(who, msg)
    refused = [p for p in asked if p not in PERMISSIONS]
    if refused:
        msg = (
            f"asks for permission {', '.join(map(repr, refused))}; vnb ABI {ABI_VERSION} "
            "grants none (effects get pixels, time and parameters only)"
        )
        raise PluginError(name, msg)
    params = meta.get("params", [])
    if not isinstance(params, list):
        msg = "params must be a list"
        raise PluginError(name, msg)
    version = meta.get("version", "0")
    description = meta.get("description", "")
    return PluginInfo(
        kind="wasm",
        name=name,
        version=str(version)[:32],
        description=str(description)[:500],
        params=parse_params(params, name),
        permissions=tuple(asked),
    )
