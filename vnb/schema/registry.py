"""The registry of built-in effects: one entry per effect, the single source of truth.

An entry knows its parameters (with ranges and defaults) and the ffmpeg filters that implement
it. The filters are chosen from those that both the ffmpeg binary and PyAV's bundled
libavfilter have (``lutyuv``, ``hue``, ``avgblur``, ``unsharp``, ``vignette``, ``chromakey``,
``colorchannelmixer``), so the in-process preview can run the very same filters and agree with
the render by construction.

Filters are the graph's own values (`vnb.ffmpeg.graph.Filter`: a name and its options with raw
values, hashable); escaping happens once, when the graph is written as text
(:mod:`vnb.ffmpeg.escape`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vnb.errors import EffectError
from vnb.schema.color import to_ffmpeg_color

if TYPE_CHECKING:
    from vnb.ffmpeg.graph import Filter

__all__ = [
    "PLUGINS",
    "REGISTRY",
    "TIMELINE_FILTERS",
    "EffectSpec",
    "animation_problem",
    "effect_filters",
    "is_custom",
    "normalize_params",
    "set_plugin_finder",
    "spec_of",
]

ParamValue = float | bool | str


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of an effect."""

    name: str
    default: ParamValue
    minimum: float | None = None
    maximum: float | None = None
    doc: str = ""

    def check(self, value: object, effect: str) -> ParamValue:
        """Return ``value`` checked against this parameter's type and range.

        Raises:
            EffectError: the value has the wrong type or is out of range.
        """
        where = f"effect {effect!r} parameter {self.name!r}"
        if isinstance(self.default, bool):
            if not isinstance(value, bool):
                msg = f"{where}: expected true or false, got {value!r}"
                raise EffectError(msg)
            return value
        if isinstance(self.default, str):
            if not isinstance(value, str) or len(value) > 64:
                msg = f"{where}: expected a colour string, got {value!r}"
                raise EffectError(msg)
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            msg = f"{where}: expected a number, got {value!r}"
            raise EffectError(msg)
        number = float(value)
        if not math.isfinite(number):
            msg = f"{where}: must be a finite number, got {value!r}"
            raise EffectError(msg)
        if self.minimum is not None and number < self.minimum:
            msg = f"{where}: must be >= {self.minimum}, got {value!r}"
            raise EffectError(msg)
        if self.maximum is not None and number > self.maximum:
            msg = f"{where}: must be <= {self.maximum}, got {value!r}"
            raise EffectError(msg)
        return number


@dataclass(frozen=True, slots=True)
class EffectSpec:
    """An effect: what it takes and the filters that make it (none for custom effects)."""

    name: str
    doc: str
    params: tuple[Param, ...]
    build: Callable[[Mapping[str, ParamValue]], list[Filter]]
    alpha: bool = False
    """True when the effect makes transparency (the clip needs a track below it to show)."""
    impl: Any = None
    """A custom effect's implementation (`vnb.effects.custom.CustomEffect`); None if built in."""


def _rgb_hex(color: object) -> str:
    # The schema's colour parser is the one place colours are understood.
    return to_ffmpeg_color(str(color))


def _num(x: float) -> float:
    return round(float(x), 6)


def _filter(name: str, **options: object) -> Filter:
    """One filter in the graph's form (`vnb.ffmpeg.graph.make_filter` with keyword options)."""
    return (name, tuple(options.items()))


def _brightness(p: Mapping[str, ParamValue]) -> list[Filter]:
    shift = _num(float(p["amount"]) * 219)
    return [_filter("lutyuv", y=f"clip(val+{shift},minval,maxval)")]


def _contrast(p: Mapping[str, ParamValue]) -> list[Filter]:
    k = _num(float(p["factor"]))
    return [_filter("lutyuv", y=f"clip((val-125.5)*{k}+125.5,minval,maxval)")]


def _gamma(p: Mapping[str, ParamValue]) -> list[Filter]:
    return [_filter("lutyuv", y=f"gammaval({_num(1 / float(p['gamma']))})")]


def _saturation(p: Mapping[str, ParamValue]) -> list[Filter]:
    return [_filter("hue", s=_num(float(p["factor"])))]


def _hue(p: Mapping[str, ParamValue]) -> list[Filter]:
    return [_filter("hue", h=_num(float(p["degrees"])))]


def _grayscale(_p: Mapping[str, ParamValue]) -> list[Filter]:
    return [_filter("hue", s=0)]


_SEPIA = ((0.393, 0.769, 0.189), (0.349, 0.686, 0.168), (0.272, 0.534, 0.131))


def _sepia(p: Mapping[str, ParamValue]) -> list[Filter]:
    s = float(p["strength"])
    names = "rgb"
    args: dict[str, object] = {}
    for i, row in enumerate(_SEPIA):
        for j, v in enumerate(row):
            identity = 1.0 if i == j else 0.0
            args[f"{names[i]}{names[j]}"] = _num(identity + (v - identity) * s)
    return [_filter("colorchannelmixer", **args)]


def _blur(p: Mapping[str, ParamValue]) -> list[Filter]:
    r = round(float(p["radius"]))
    return [] if r == 0 else [_filter("avgblur", sizeX=r, sizeY=r)]


def _sharpen(p: Mapping[str, ParamValue]) -> list[Filter]:
    return [_filter("unsharp", lx=5, ly=5, la=_num(float(p["amount"])), cx=5, cy=5)]


def _vignette(p: Mapping[str, ParamValue]) -> list[Filter]:
    return [_filter("vignette", angle=_num(float(p["angle"])))]


def _chromakey(p: Mapping[str, ParamValue]) -> list[Filter]:
    return [
        _filter("format", pix_fmts="yuva420p"),
        _filter(
            "chromakey",
            color=_rgb_hex(p["color"]),
            similarity=_num(float(p["similarity"])),
            blend=_num(float(p["blend"])),
        ),
    ]


def _spec(
    name: str,
    doc: str,
    build: Callable[[Mapping[str, ParamValue]], list[Filter]],
    *params: Param,
    alpha: bool = False,
) -> EffectSpec:
    return EffectSpec(name=name, doc=doc, params=params, build=build, alpha=alpha)


REGISTRY: dict[str, EffectSpec] = {
    spec.name: spec
    for spec in (
        _spec(
            "brightness",
            "Shift luma: -1 black, 0 unchanged, +1 white.",
            _brightness,
            Param("amount", 0.0, -1.0, 1.0, "luma shift as a fraction of the range"),
        ),
        _spec(
            "contrast",
            "Scale luma around mid-grey: 1 unchanged, 0 flat grey.",
            _contrast,
            Param("factor", 1.0, 0.0, 4.0, "contrast factor"),
        ),
        _spec(
            "gamma",
            "Gamma correction of luma: >1 brightens mid-tones, <1 darkens them.",
            _gamma,
            Param("gamma", 1.0, 0.1, 10.0, "gamma"),
        ),
        _spec(
            "saturation",
            "Scale colour saturation: 0 grey, 1 unchanged.",
            _saturation,
            Param("factor", 1.0, 0.0, 10.0, "saturation factor"),
        ),
        _spec(
            "hue",
            "Rotate hue by an angle in degrees.",
            _hue,
            Param("degrees", 0.0, -360.0, 360.0, "hue rotation"),
        ),
        _spec("grayscale", "Remove all colour.", _grayscale),
        _spec(
            "sepia",
            "Warm brown tones of old photographs.",
            _sepia,
            Param("strength", 1.0, 0.0, 1.0, "0 unchanged, 1 full sepia"),
        ),
        _spec(
            "blur",
            "Box blur of the given radius in pixels.",
            _blur,
            Param("radius", 5.0, 0.0, 256.0, "radius in pixels of the box"),
        ),
        _spec(
            "sharpen",
            "Unsharp mask.",
            _sharpen,
            Param("amount", 1.0, 0.0, 5.0, "strength"),
        ),
        _spec(
            "vignette",
            "Darken the corners.",
            _vignette,
            Param("angle", math.pi / 5, 0.0, math.pi / 2, "lens angle in radians"),
        ),
        _spec(
            "chromakey",
            "Make a key colour transparent, so the track below shows through.",
            _chromakey,
            Param("color", "#00ff00", doc="key colour"),
            Param("similarity", 0.1, 0.01, 1.0, "how close to the key a colour must be"),
            Param("blend", 0.05, 0.0, 1.0, "soft edge"),
            alpha=True,
        ),
    )
}
"""The built-in effects, by name: each entry knows its parameters and its ffmpeg filters."""


PLUGINS: dict[str, EffectSpec] = {}
"""Custom effects, by namespaced name (``wasm:<name>``, ``py:<name>``, ``vnb:<name>``): the one
table of them, filled by :mod:`vnb.effects` (a plugin loaded, a Python effect defined, the
detection effects imported); each spec carries its implementation (`EffectSpec.impl`). They
have no ffmpeg filters: they run on the source picture, before the built-in effects."""

_find_plugin: Callable[[str], EffectSpec] | None = None

_CUSTOM_PREFIXES = ("wasm:", "py:", "vnb:")  # vnb: built-in, driven by detections


def is_custom(name: str) -> bool:
    """Whether ``name`` is a WASM or Python effect (namespaced) rather than a built-in one."""
    return name.startswith(_CUSTOM_PREFIXES)


def set_plugin_finder(find: Callable[[str], EffectSpec]) -> None:
    """Name the function that finds a custom effect not in `PLUGINS` (`vnb.effects` sets it).

    It scans the plugin folders, or raises an `EffectError` that says how to load the effect.
    """
    global _find_plugin  # noqa: PLW0603 - the one hook from the effects runtime
    _find_plugin = find


def spec_of(name: str) -> EffectSpec:
    """The spec of a built-in or loaded custom effect.

    Raises:
        EffectError: unknown effect, or a custom effect that is not loaded (the plugin
            folders are scanned once first).
    """
    spec = REGISTRY.get(name) or (None if name.startswith("vnb:") else PLUGINS.get(name))
    if spec is not None:
        return spec
    if is_custom(name):
        if _find_plugin is not None:
            return _find_plugin(name)
        msg = f"effect {name!r} is not loaded"
        raise EffectError(msg)
    known = ", ".join(sorted(REGISTRY))
    msg = f"unknown effect {name!r} (known: {known}; plugins are named wasm:… or py:…)"
    raise EffectError(msg)


def normalize_params(name: str, params: Mapping[str, object]) -> dict[str, ParamValue]:
    """Check an effect's name and parameters; return them complete with defaults.

    Raises:
        EffectError: unknown effect, unknown parameter, or a bad value.
    """
    spec = spec_of(name)
    known_params = {p.name: p for p in spec.params}
    unknown = sorted(set(params) - set(known_params))
    if unknown:
        takes = ", ".join(known_params) or "no parameters"
        msg = f"effect {name!r} has no parameter {unknown[0]!r} (it takes {takes})"
        raise EffectError(msg)
    out: dict[str, ParamValue] = {}
    for p in spec.params:
        out[p.name] = p.check(params[p.name], name) if p.name in params else p.default
    if name == "chromakey":
        try:
            _rgb_hex(out["color"])
        except ValueError as err:
            msg = f"effect {name!r} parameter 'color': {err}"
            raise EffectError(msg) from err
    return out


def effect_filters(name: str, params: Mapping[str, object]) -> list[Filter]:
    """The ffmpeg filters (name, raw options) that apply one effect."""
    if name.startswith("vnb:"):  # run before the graph (vnb.effects.detection); no filters
        return []
    return spec_of(name).build(normalize_params(name, params))


TIMELINE_FILTERS = frozenset(
    {"lutyuv", "hue", "avgblur", "unsharp", "vignette", "chromakey", "colorchannelmixer"}
)
"""Filters of the built-in effects that take ``enable`` (``ffmpeg -filters``, column T): an
animated parameter switches instances of them on and off (`vnb.ffmpeg.params`)."""

_PROBES = 9
"""Values between the smallest and largest key at which an animated parameter's filters are
built to see that they keep their shape."""


def animation_problem(name: str, param: str, lo: float, hi: float) -> str | None:
    """Why the parameter ``param`` of effect ``name`` cannot go from ``lo`` to ``hi``, or None.

    Custom (WASM and Python) effects run per frame: any numeric parameter animates. A built-in
    effect's parameter animates when, over the range, its filters keep their shape (the same
    filters, or none) and every filter that changes takes ``enable`` (`TIMELINE_FILTERS`).
    """
    if is_custom(name):
        return None
    params = normalize_params(name, {})
    chains = []
    for j in range(_PROBES):
        value = lo + (hi - lo) * j / (_PROBES - 1)
        chains.append(spec_of(name).build({**params, param: value}))
    shapes = {tuple(f[0] for f in c) for c in chains if c}
    if len(shapes) > 1:
        return "its filters change with the value"
    if any(not c for c in chains):
        varying = {f[0] for c in chains for f in c}
    else:
        varying = {f[0] for pos in zip(*chains, strict=True) if len(set(pos)) > 1 for f in pos}
    fixed = sorted(varying - TIMELINE_FILTERS)
    if fixed:
        return f"its filter {fixed[0]!r} cannot be switched per frame (no timeline support)"
    return None
