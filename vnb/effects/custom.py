"""Custom effects (WASM plugins and Python functions): the table, the chain, its clock.

Custom effects run on the *source* picture, as RGBA, before the clip's built-in effects:
the preview applies them right after decoding a source frame, the render pre-renders the
clip through them into a cached intermediate (:mod:`vnb.render.prerender`) that the ffmpeg
graph then reads instead of the source. Either way a custom effect sees the same frames
with the same clock:

- ``t``: seconds from the clip's start in its source (``source time - source_start``, never
  negative; for stills and colour clips: timeline seconds from the clip's start);
- ``index``: the frame's index from the first source frame the clip can show.

Their names are namespaced (``wasm:<name>``, ``py:<name>``), so they never clash with the
built-in effects; the registry (:mod:`vnb.schema.registry`) keeps them in its ``PLUGINS``
table, each spec with its implementation, and this module runs them.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol

from vnb.errors import EffectError, RenderCancelledError
from vnb.schema.registry import PLUGINS, EffectSpec, is_custom, set_plugin_finder

if TYPE_CHECKING:
    import av
    import numpy as np

    from vnb.effects.wasm.meta import PluginInfo
    from vnb.plan import VideoItem

__all__ = [
    "CustomEffect",
    "apply_custom",
    "chain_identity",
    "clock",
    "has_custom",
    "implementation",
    "is_custom",
]


class CustomEffect(Protocol):
    """What a WASM plugin or a Python effect offers the frame path."""

    info: PluginInfo

    @property
    def identity(self) -> str:
        """What the effect's output depends on besides its parameters (a content hash)."""
        ...

    def apply(
        self,
        frame: np.ndarray,
        t: float,
        index: int,
        params: Mapping[str, object],
        *,
        preview: bool,
    ) -> np.ndarray:
        """One RGBA frame (H×W×4 uint8) through the effect."""
        ...


@dataclass(frozen=True, slots=True)
class Stop:
    """When custom effects working for a render must give up: its cancel and its deadline."""

    cancel: threading.Event | None = None
    deadline: float | None = None
    """``time.monotonic()`` value after which the render has timed out."""
    timeout: float | None = None
    """The render's timeout in seconds (for the message)."""
    halt: threading.Event | None = None
    """Set when the work failed elsewhere (another frame): stop without a message of its own."""

    def check(self) -> None:
        """Raise if the render was cancelled or its deadline passed.

        Raises:
            RenderCancelledError: cancelled, or timed out (the message says which).
        """
        if self.cancel is not None and self.cancel.is_set():
            msg = "render cancelled while pre-rendering effects"
            raise RenderCancelledError(msg)
        if self.deadline is not None and time.monotonic() >= self.deadline:
            msg = (
                f"render stopped while pre-rendering effects: timeout of {self.timeout:g} s expired"
            )
            raise RenderCancelledError(msg)
        if self.halt is not None and self.halt.is_set():
            msg = "stopped: the pre-render failed on another frame"
            raise RenderCancelledError(msg)


_stop = threading.local()


@contextlib.contextmanager
def stopping(stop: Stop | None) -> Iterator[None]:
    """Within the block (in this thread), custom effects also give up when ``stop`` fires."""
    before = getattr(_stop, "value", None)
    _stop.value = stop
    try:
        yield
    finally:
        _stop.value = before


def current_stop() -> Stop | None:
    """The `Stop` set by `stopping` in this thread, if any."""
    return getattr(_stop, "value", None)


_LOCK = threading.Lock()
_CONVERT_LOCK = threading.Lock()


def register(effect: CustomEffect) -> EffectSpec:
    """Make ``effect`` usable under its namespaced name (replacing one of the same name)."""
    spec = replace(effect.info.spec(), impl=effect)
    with _LOCK:
        PLUGINS[spec.name] = spec
    return spec


def _not_loaded(name: str) -> EffectError:
    if name.startswith("py:"):
        msg = (
            f"effect {name!r} is a Python effect that is not defined in this session: run "
            "the code that defines it (@vnb.effects.python_effect) before using the project"
        )
        return EffectError(msg)
    from vnb.effects.wasm.plugins import plugin_dirs  # noqa: PLC0415

    where = ", ".join(str(d) for d in plugin_dirs())
    msg = (
        f"effect {name!r} is a WASM plugin that is not loaded: load it with "
        f"vnb.effects.load_wasm(path), or put it in a plugin folder ({where}; "
        "more with VNB_PLUGIN_PATH)"
    )
    return EffectError(msg)


def find_plugin(name: str) -> EffectSpec:
    """The spec of a custom effect, scanning the plugin folders once if needed.

    Raises:
        EffectError: no such plugin is loaded (the message says how to load it).
    """
    spec = None if name.startswith("vnb:") else PLUGINS.get(name)  # vnb: are not named
    if spec is None and name.startswith("wasm:"):
        from vnb.effects.wasm.plugins import scan_plugin_folders  # noqa: PLC0415

        scan_plugin_folders()
        spec = PLUGINS.get(name)
    if spec is None:
        raise _not_loaded(name)
    return spec


def implementation(name: str) -> CustomEffect:
    """The loaded effect of a namespaced name."""
    if name.startswith("vnb:"):  # built in: the detection effects (vnb.effects.detection)
        import vnb.effects.detection  # noqa: F401, PLC0415 - registers them on import

        spec = PLUGINS.get(name)
        if spec is not None:
            return spec.impl
    return find_plugin(name).impl


def custom_effects(
    item: VideoItem, t: float | None = None
) -> list[tuple[str, Mapping[str, object]]]:
    """The clip's custom effects in order, with their complete parameters.

    ``t``: the effects' clock (`clock`): animated parameters take their value at the clip's
    frame of that time (both the preview and the pre-render ask with the same ``t``).
    """
    out: list[tuple[str, Mapping[str, object]]] = []
    for i, (name, params) in enumerate(item.effects):
        if is_custom(name):
            values = dict(params)
            if t is not None and item.param_curves:
                values.update(animated_values(item, i, t))
            out.append((name, values))
    return out


def clip_frame(item: VideoItem, t: float, fps: Fraction) -> int:
    """The clip's frame that shows the source frame of clock time ``t`` (see `clock`).

    Through the speed ramp's segments, mirrored for a reversed clip (a frozen clip shows one
    source frame: the frame of its time).
    """
    if item.ramp:
        src = item.source_start + t
        k, start, speed = next((s for s in reversed(item.ramp) if s[1] <= src), item.ramp[0])
        f = (k - item.start) + (src - start) / speed * float(fps)
    else:
        f = t / item.speed * float(fps)
    if item.reverse:
        f = (item.end - item.start - 1) - f
    return math.floor(f + 0.5)


def animated_values(item: VideoItem, effect: int, t: float) -> dict[str, float]:
    """The animated parameters of the item's effect ``effect`` at clock time ``t``."""
    return {
        pc.param: pc.at(clip_frame(item, t, pc.curve.fps))
        for pc in item.param_curves
        if pc.effect == effect
    }


def has_custom(item: VideoItem) -> bool:
    """Whether the clip has a WASM or Python effect."""
    return any(is_custom(name) for name, _ in item.effects)


def chain_identity(item: VideoItem) -> tuple[object, ...]:
    """What the clip's custom effects depend on: names, parameters and each module's hash.

    With the curves of their animated parameters: a frame made for one value is not reused
    for another.
    """
    curves = tuple(pc for pc in item.param_curves if is_custom(item.effects[pc.effect][0]))
    return tuple(
        (name, tuple(sorted(params.items())), implementation(name).identity)
        for name, params in custom_effects(item)
    ) + ((("animated", curves),) if curves else ())


def apply_chain(
    effects: Sequence[tuple[str, Mapping[str, object]]],
    frame: np.ndarray,
    t: float,
    index: int,
    *,
    preview: bool,
) -> np.ndarray:
    """Run ``frame`` (H×W×4 uint8 RGBA) through ``effects`` in order.

    Raises:
        PluginError: an effect failed (named, with what happened and the frame time).
        EffectError: an effect is not loaded.
    """
    for name, params in effects:
        frame = implementation(name).apply(frame, t, index, params, preview=preview)
    return frame


def clock(item: VideoItem, fps: Fraction, k: int, source_index: int | None) -> tuple[float, int]:
    """``(t, index)`` that custom effects see for the source frame shown at timeline frame k.

    Args:
        item: the clip.
        fps: the project's frame rate.
        k: the timeline frame (used for stills and colour clips).
        source_index: the source frame's index in its reader, None for stills and colours.
    """
    if source_index is None or item.source is None:
        j = max(0, k - item.start)
        return float(j / fps), j
    from vnb.ffmpeg.chains import seek_lead  # noqa: PLC0415
    from vnb.media.reader import reader_for  # noqa: PLC0415

    reader = reader_for(item.source)
    lead = seek_lead(item, fps) / (item.source_fps or fps)
    base = reader.first_at_or_after(item.source_start - float(lead))
    return max(0.0, reader.times[source_index] - item.source_start), max(0, source_index - base)


def has_alpha(frame: av.VideoFrame) -> bool:
    """Whether a decoded frame's pixel format carries transparency."""
    fmt = frame.format
    return bool(fmt.has_palette) or len(fmt.components) in (2, 4)


def to_rgba(frame: av.VideoFrame) -> np.ndarray:
    """The frame as an H×W×4 uint8 RGBA array (opaque unless the frame has alpha).

    Opaque frames go through ``rgb24``: the bundled libswscale's direct 4:2:0 → RGBA
    conversion (PyAV 18) fills the first 8 columns of some widths (600, 1000…) with
    garbage that changes from call to call; its 4:2:0 → RGB24 conversion is exact.
    """
    import numpy as np  # noqa: PLC0415

    if has_alpha(frame):
        return frame.reformat(format="rgba").to_ndarray()
    rgb = frame.to_ndarray(format="rgb24")
    rgba = np.empty((*rgb.shape[:2], 4), np.uint8)
    rgba[..., :3] = rgb
    rgba[..., 3] = 255
    return rgba


def apply_custom(
    item: VideoItem, frame: av.VideoFrame, t: float, index: int, *, preview: bool = True
) -> av.VideoFrame:
    """The decoded source ``frame`` of ``item`` through its custom effects (as RGBA).

    Sources without transparency stay opaque (the alpha a custom effect writes is dropped,
    as in the render's intermediate).
    """
    import av  # noqa: PLC0415

    effects = custom_effects(item, t)
    if not effects:
        return frame
    with _CONVERT_LOCK:  # decoded frames are shared (reader, stills); PyAV's conversion of
        rgba = to_rgba(frame)  # one frame in two threads at once deadlocks
    out = apply_chain(effects, rgba, t, index, preview=preview)
    if not has_alpha(frame):
        out[..., 3] = 255
    result: Any = av.VideoFrame.from_ndarray(out, format="rgba")
    return result


set_plugin_finder(find_plugin)
