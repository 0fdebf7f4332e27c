"""Built-in frame functions driven by detections: redact (blur, pixelate) and burn-in boxes.

A project's `Overlay` (with ``burn``) and `Redaction` entries apply to every clip that shows
their source. When the plan is compiled (:func:`vnb.plan.detections.clip_effects`), each such
clip gets them as custom effects named ``vnb:redact`` and ``vnb:boxes`` whose parameters
carry the packed boxes; from there they take the custom-effect path like a WASM or Python
effect: the preview runs them on the decoded source picture
(:func:`vnb.effects.custom.apply_custom`) and a render pre-renders the clip once through the
very same functions into a cached lossless intermediate. One implementation, so the preview
equals the render.

They run on the *source* picture, before the clip's crop, scale and built-in effects: a
redaction and burnt-in boxes follow the picture wherever the clip puts it. Redactions run
first, then the clip's own WASM and Python effects, then burnt-in boxes.

Which boxes show at a source time (shared with `vnb.detect.overlay_boxes`):

- an overlay shows the boxes of the analysed frame **nearest** that time, when it is less
  than one analysis step (``every / fps``) away — no interpolation, so what is drawn is
  exactly what the detector found on a real frame;
- a redaction **interpolates** linearly between the track's boxes when they are at most
  ``hold`` seconds apart, and holds the first and each last box for one step beyond, so the
  object stays covered between analysed frames and through short occlusions.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from vnb.errors import PluginError
from vnb.plan.detections import (
    BOXES,
    REDACT,
    OverlayData,
    clip_effects,
    overlay_data,
    pack,
    unpack,
)
from vnb.schema.registry import PLUGINS, EffectSpec

if TYPE_CHECKING:
    from vnb.ffmpeg.graph import Filter


__all__ = [
    "OverlayData",
    "clip_effects",
    "label_of",
    "overlay_data",
    "overlay_rows_at",
    "pack",
]

VERSION = "1"
"""Part of the effects' identity (and so of the preview's and pre-render's cache keys)."""

PALETTE = (
    (255, 56, 56), (56, 56, 255), (255, 157, 0), (0, 200, 60), (200, 0, 255),
    (0, 194, 255), (255, 0, 140), (140, 255, 0), (255, 220, 0), (0, 255, 190),
)  # fmt: skip
"""Outline colours, by track id (or class, for untracked boxes)."""


# -- which boxes show when ----------------------------------------------------------------


def overlay_rows_at(
    data: OverlayData,
    source_time: float,
    step: float,
    *,
    names: Sequence[str],
    classes: Sequence[str] | None,
    min_score: float,
) -> np.ndarray:
    """Indices of the rows to show at ``source_time`` (filtered by class and score).

    The rows of the analysed frame nearest ``source_time``, if it is less than one ``step``
    away; only ``classes`` (None: all) and scores of at least ``min_score``.
    """
    times = data.times
    if not len(times):
        return np.zeros(0, np.int64)
    i = int(np.searchsorted(times, source_time))
    near = [j for j in (i - 1, i) if 0 <= j < len(times)]
    j = min(near, key=lambda j: (abs(times[j] - source_time), j))
    if abs(times[j] - source_time) >= step - 1e-9:
        return np.zeros(0, np.int64)
    keep = (data.slot == j) & (data.score >= min_score - 1e-7)
    if classes is not None:
        if not names:
            return np.zeros(0, np.int64)
        wanted = np.isin(np.asarray(names, dtype=object), list(classes))
        known = (data.cls >= 0) & (data.cls < len(names))
        keep &= known & wanted[np.clip(data.cls, 0, len(names) - 1)]
    return np.flatnonzero(keep)


def redaction_box(
    times: np.ndarray, boxes: np.ndarray, source_time: float, step: float, hold: float
) -> np.ndarray | None:
    """The redaction's box at ``source_time`` (source pixels), or None when none covers it.

    Linear between two boxes at most ``hold`` seconds apart; the first box and the last box
    before a longer gap are held for one ``step`` beyond them.
    """
    n = len(times)
    if not n:
        return None
    i = int(np.searchsorted(times, source_time, side="right"))  # times[i-1] <= t < times[i]
    before, after = i - 1, i
    eps = 1e-9
    if before >= 0 and after < n:
        t0, t1 = times[before], times[after]
        if t1 - t0 <= hold + eps:
            w = 0.0 if t1 <= t0 else (source_time - t0) / (t1 - t0)
            return boxes[before] * (1 - w) + boxes[after] * w
    if before >= 0 and source_time - times[before] < step - eps:
        return boxes[before]
    if after < n and times[after] - source_time < step - eps:
        return boxes[after]
    return None


def label_of(name: str, score: float, track: int) -> str:
    """``"person 0.87 #3"`` (no ``#`` part when untracked)."""
    return f"{name} {score:.2f}" + (f" #{track}" if track >= 0 else "")


def box_color(track: int, cls: int) -> tuple[int, int, int]:
    """The outline colour of a box: by track id, or by class for untracked boxes."""
    return PALETTE[(track if track >= 0 else cls) % len(PALETTE)]


# -- drawing -------------------------------------------------------------------------------


def _scaled(box: np.ndarray, frame: np.ndarray, size: tuple[float, float]) -> np.ndarray:
    """A box of a ``size`` picture in the pixels of ``frame`` (a proxy may be smaller)."""
    sx, sy = frame.shape[1] / size[0], frame.shape[0] / size[1]
    return np.asarray(box, np.float64) * (sx, sy, sx, sy)


def redact(frame: np.ndarray, box: Sequence[float], mode: str, strength: float) -> np.ndarray:
    """Blur or pixelate ``box`` (``x1, y1, x2, y2`` in pixels) of an H×W×C uint8 frame.

    Only the whole pixels inside the box change. The blur's radius, or the block size, is
    ``strength`` × a quarter of the box's smaller side (at least 1 px, 2 px blocks).
    """
    from PIL import Image, ImageFilter  # noqa: PLC0415

    h, w = frame.shape[:2]
    x1, y1 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
    x2, y2 = min(w, math.ceil(box[2])), min(h, math.ceil(box[3]))
    if x2 <= x1 or y2 <= y1:
        return frame
    side = min(x2 - x1, y2 - y1)
    amount = max(1.0, strength * side / 4)
    rgb = frame[..., :3]
    if mode == "pixelate":
        block = max(2, round(amount))
        region = Image.fromarray(np.ascontiguousarray(rgb[y1:y2, x1:x2]))
        small = region.resize(
            (max(1, math.ceil((x2 - x1) / block)), max(1, math.ceil((y2 - y1) / block))),
            Image.Resampling.BOX,
        )
        big = small.resize((small.width * block, small.height * block), Image.Resampling.NEAREST)
        rgb[y1:y2, x1:x2] = np.asarray(big)[: y2 - y1, : x2 - x1]
        return frame
    pad = math.ceil(3 * amount)  # the blur reads around the box; only the box is written
    px1, py1, px2, py2 = max(0, x1 - pad), max(0, y1 - pad), min(w, x2 + pad), min(h, y2 + pad)
    region = Image.fromarray(np.ascontiguousarray(rgb[py1:py2, px1:px2]))
    blurred = np.asarray(region.filter(ImageFilter.GaussianBlur(amount)))
    rgb[y1:y2, x1:x2] = blurred[y1 - py1 : y2 - py1, x1 - px1 : x2 - px1]
    return frame


_FONT_LOCK = threading.Lock()


@functools.lru_cache(maxsize=8)
def _font(size: int) -> Any:
    from PIL import ImageFont  # noqa: PLC0415

    from vnb.text.fonts import find_font  # noqa: PLC0415 - the shipped DejaVu Sans

    return ImageFont.truetype(str(find_font(None, bold=True)), size)


def line_width(width: int, height: int) -> int:
    """Outline width in pixels for a picture of this size (3 px at 720p and below)."""
    return max(3, round(min(width, height) / 240))


def draw_boxes(
    frame: np.ndarray,
    boxes: np.ndarray,
    labels: Sequence[str],
    colors: Sequence[tuple[int, int, int]],
) -> np.ndarray:
    """Draw outlined boxes with their labels into an H×W×4 (or ×3) uint8 frame, in place.

    The outline is drawn inside the box's edges; the label sits on a band of the box's colour
    just above the box (inside it when there is no room), in white DejaVu Sans Bold.
    """
    from PIL import Image, ImageDraw  # noqa: PLC0415

    h, w = frame.shape[:2]
    if not len(boxes):
        return frame
    mode = "RGBA" if frame.shape[2] == 4 else "RGB"
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image)
    lw = line_width(w, h)
    font = _font(max(10, round(min(w, h) / 36)))
    for box, text, color in zip(boxes, labels, colors, strict=True):
        x1, y1, x2, y2 = (float(v) for v in box)
        if x2 - x1 < 1 or y2 - y1 < 1:
            continue
        fill = (*color, 255) if mode == "RGBA" else color
        draw.rectangle((round(x1), round(y1), round(x2) - 1, round(y2) - 1), outline=fill, width=lw)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        tw, th = right - left + 2 * lw, bottom - top + lw
        ty = round(y1) - th if y1 - th >= 0 else round(y1)
        tx = round(x1)
        draw.rectangle((tx, ty, tx + tw, ty + th), fill=fill)
        white = (255, 255, 255, 255) if mode == "RGBA" else (255, 255, 255)
        with _FONT_LOCK:  # one FreeType face, shared by the pre-render's threads
            draw.text((tx + lw - left, ty + lw // 2 - top), text, font=font, fill=white)
    frame[:] = np.asarray(image)
    return frame


# -- the two effects ----------------------------------------------------------------------


def _lines(text: object) -> list[str]:
    return [s for s in str(text).split("\n") if s]


class _Builtin:
    """A built-in custom effect (``vnb:…``): what the custom-effect path calls."""

    def __init__(self, name: str, fn: Any) -> None:
        self.name = name
        self.fn = fn
        self.info = None

    @property
    def identity(self) -> str:
        """The implementation's version."""
        return f"{self.name}/{VERSION}"

    def apply(
        self,
        frame: np.ndarray,
        t: float,
        index: int,
        params: Mapping[str, object],
        *,
        preview: bool,
    ) -> np.ndarray:
        """Run on one RGBA frame; a failure is a `PluginError` naming the effect and time."""
        del index, preview
        try:
            return self.fn(frame, float(params.get("origin", 0.0)) + t, params)  # type: ignore[arg-type]
        except (ValueError, TypeError, KeyError, OSError) as err:
            raise PluginError(self.name, f"{err} at t={t:.3f} s") from err


def _redact_frame(frame: np.ndarray, source_time: float, p: Mapping[str, Any]) -> np.ndarray:
    times = unpack(str(p["times"]), "<f8")
    boxes = unpack(str(p["boxes"]), "<f4", 4) if p["boxes"] else np.zeros((0, 4))
    box = redaction_box(times, boxes, source_time, float(p["step"]), float(p["hold"]))
    if box is None:
        return frame
    box = _scaled(box, frame, (float(p["width"]), float(p["height"])))
    m = float(p["margin"])
    dx, dy = (box[2] - box[0]) * m, (box[3] - box[1]) * m
    grown = (box[0] - dx, box[1] - dy, box[2] + dx, box[3] + dy)
    return redact(frame, grown, str(p["mode"]), float(p["strength"]))


def _boxes_frame(frame: np.ndarray, source_time: float, p: Mapping[str, Any]) -> np.ndarray:
    data = overlay_data(str(p["times"]), str(p["rows"]))
    names = _lines(p["names"])
    classes = None if p["all_classes"] else _lines(p["classes"])
    rows = overlay_rows_at(
        data, source_time, float(p["step"]), names=names, classes=classes,
        min_score=float(p["min_score"]),
    )  # fmt: skip
    if not len(rows):
        return frame
    size = (float(p["width"]), float(p["height"]))
    boxes = np.array([_scaled(data.xyxy[i], frame, size) for i in rows])
    labels = [
        label_of(names[c] if 0 <= c < len(names) else str(c), s, k)
        for c, s, k in zip(data.cls[rows], data.score[rows], data.track[rows], strict=True)
    ]
    colors = [
        box_color(int(k), int(c)) for c, k in zip(data.cls[rows], data.track[rows], strict=True)
    ]
    return draw_boxes(frame, boxes, labels, colors)


def _no_filters(_params: Mapping[str, float | bool | str]) -> list[Filter]:
    return []


for _effect in (_Builtin(REDACT, _redact_frame), _Builtin(BOXES, _boxes_frame)):
    # The custom-effect table (looked up by `vnb.effects.custom.implementation`).
    PLUGINS[_effect.name] = EffectSpec(
        name=_effect.name, doc="", params=(), build=_no_filters, impl=_effect
    )
