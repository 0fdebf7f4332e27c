"""Effects: ``clip.effects.append(vnb.effects.brightness(0.1))``.

Each function makes an `Effect` for the registry entry of the same name
(:mod:`vnb.schema.registry`), which knows both its ffmpeg filters and its parameters.

Custom effects: ``vnb.effects.load_wasm(path)`` (a sandboxed WASM module, named
``wasm:<name>``) and ``@vnb.effects.python_effect`` (a numpy function, named ``py:<name>``).
They run first, on the clip's source picture, before its built-in effects
(:mod:`vnb.effects.custom`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from vnb.schema.registry import PLUGINS, REGISTRY, EffectSpec, normalize_params
from vnb.schema.timeline import Effect

if TYPE_CHECKING:
    from vnb.effects.wasm.plugins import WasmEffect

__all__ = [
    "PLUGINS",
    "REGISTRY",
    "Effect",
    "EffectSpec",
    "blur",
    "brightness",
    "chromakey",
    "contrast",
    "gamma",
    "grayscale",
    "hue",
    "load_wasm",
    "python_effect",
    "saturation",
    "sepia",
    "sharpen",
    "vignette",
]


def _make(name: str, params: dict[str, float | bool | str]) -> Effect:
    normalize_params(name, params)  # raises EffectError naming the parameter
    return Effect(name=name, params=params)


def brightness(amount: float) -> Effect:
    """Shift luma by ``amount`` (-1 black … 0 unchanged … +1 white)."""
    return _make("brightness", {"amount": amount})


def contrast(factor: float) -> Effect:
    """Scale contrast around mid-grey (1 unchanged, 0 flat grey, up to 4)."""
    return _make("contrast", {"factor": factor})


def gamma(value: float) -> Effect:
    """Gamma correction (>1 brightens mid-tones)."""
    return _make("gamma", {"gamma": value})


def saturation(factor: float) -> Effect:
    """Scale saturation (0 grey, 1 unchanged)."""
    return _make("saturation", {"factor": factor})


def hue(degrees: float) -> Effect:
    """Rotate the hue by ``degrees``."""
    return _make("hue", {"degrees": degrees})


def grayscale() -> Effect:
    """Remove all colour."""
    return _make("grayscale", {})


def sepia(strength: float = 1.0) -> Effect:
    """Old-photograph tones (0 unchanged … 1 full sepia)."""
    return _make("sepia", {"strength": strength})


def blur(radius: float = 5) -> Effect:
    """Box blur with a radius in pixels."""
    return _make("blur", {"radius": radius})


def sharpen(amount: float = 1.0) -> Effect:
    """Unsharp-mask sharpening (0 … 5)."""
    return _make("sharpen", {"amount": amount})


def vignette(angle: float = math.pi / 5) -> Effect:
    """Darken the corners; ``angle`` is the lens angle in radians (0 … π/2)."""
    return _make("vignette", {"angle": angle})


def chromakey(color: str = "#00ff00", similarity: float = 0.1, blend: float = 0.05) -> Effect:
    """Make ``color`` transparent so the track below shows through (green screen)."""
    return _make("chromakey", {"color": color, "similarity": similarity, "blend": blend})


def load_wasm(path: str, **limits: Any) -> WasmEffect:
    """Load, validate and register a WASM effect (``.wasm`` or ``.wat``); see `WasmEffect`.

    ``fx = vnb.effects.load_wasm("vignette.wasm"); clip.effects.append(fx(strength=0.6))``.
    Keyword arguments (``deadline``, ``memory_limit``, ``fuel``) set its sandbox.
    """
    from vnb.effects.wasm.plugins import load_wasm as load  # noqa: PLC0415 - wasmtime on use

    return load(path, **limits)


def python_effect(fn: Any = None, **options: Any) -> Any:
    """Register a numpy function as the effect ``py:<name>`` (a decorator).

    ``@vnb.effects.python_effect(params={"amount": (0.0, 1.0, 0.5)})`` over
    ``def posterize(frame, t, amount)``; see :func:`vnb.effects.python.python_effect`.
    """
    from vnb.effects.python import python_effect as make  # noqa: PLC0415 - numpy on use

    return make(fn, **options)
