"""Detections kept in a project: overlays (boxes drawn) and redactions (an object blurred).

Both hold their boxes **inline, packed**: little-endian binary arrays written as base64 text.
Decision — why inline and why packed:

- Inline, so a project file is whole by itself: it renders the same on another machine, in a
  batch worker or after the detections cache was cleared, and nothing can go stale beside it.
- Packed, because the whole project is serialised on every edit (undo snapshots, the editor's
  content hash, the preview's plan fingerprint): one string per overlay costs the same to copy
  and hash whatever it holds, and pydantic checks it in one step instead of once per number.
  A box takes 43 characters (32 bytes: 8 float32), against about 90 as a JSON row.
- Bounded: at most `MAX_ROWS` boxes per overlay or redaction and `MAX_FRAMES` analysed
  frames, well inside the 64 MiB project file limit; `vnb.detect.add_overlay` says what to
  filter when a `Detections` is larger.

Layouts (``<f4`` is little-endian float32, ``<f8`` float64):

- `Overlay.times`: ``<f8`` × frames, the analysed frames' source times, ascending.
- `Overlay.rows`: ``<f4`` × 8 per box: analysed-frame slot (index into ``times``), ``x1``,
  ``y1``, ``x2``, ``y2`` (source pixels), score, class (index into ``names``), track id (-1:
  untracked).
- `Redaction.times`: ``<f8`` per box; `Redaction.boxes`: ``<f4`` × 4 per box, in time order.

This module only checks sizes (pure, no numpy); `vnb.plan.detections` unpacks the arrays.
"""

from __future__ import annotations

import array
import base64
import binascii
import math
import sys
from typing import Annotated, Literal

from pydantic import Field, model_validator

from vnb.schema.base import Model, PathStr

__all__ = ["MAX_FRAMES", "MAX_ROWS", "Overlay", "Redaction"]

MAX_ROWS = 250_000
"""Most boxes one overlay or redaction holds."""
MAX_FRAMES = 500_000
"""Most analysed frames one overlay holds (4.6 hours of 30 fps video, every frame)."""
OVERLAY_ROW = 32
"""Bytes per overlay row (8 float32)."""
BOX_ROW = 16
"""Bytes per redaction box (4 float32)."""

_B64 = r"^[A-Za-z0-9+/]*={0,2}$"
_PACKED_MAX = 4 * (max(MAX_FRAMES * 8, MAX_ROWS * OVERLAY_ROW) + 2) // 3 + 4
Packed = Annotated[str, Field(max_length=_PACKED_MAX, pattern=_B64)]
ClassName = Annotated[str, Field(min_length=1, max_length=200)]


def packed_count(value: str, itemsize: int, what: str) -> int:
    """How many items of ``itemsize`` bytes the base64 text ``value`` holds.

    Raises:
        ValueError: not base64, or not a whole number of items.
    """
    try:
        size = len(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError) as err:
        msg = f"{what}: not base64 ({err})"
        raise ValueError(msg) from None
    if size % itemsize:
        msg = f"{what}: {size} bytes is not a whole number of {itemsize}-byte items"
        raise ValueError(msg)
    return size // itemsize


def check_finite(value: str, code: str, width: int, what: str) -> None:
    """Refuse a packed array holding ``inf`` or ``nan``, naming the field and the item.

    ``code`` is the `array` type code (``"f"`` for float32, ``"d"`` for float64) and
    ``width`` how many values make one item (8 for an overlay row, 4 for a box).

    Raises:
        ValueError: a value is not finite (or the values overflow a sum: absurdly large).
    """
    values = array.array(code, base64.b64decode(value))
    if sys.byteorder == "big":
        values.byteswap()
    try:
        if math.isfinite(math.fsum(values)):  # fast: one C loop; inf or nan spoils the sum
            return
    except (OverflowError, ValueError):
        pass
    bad = next((i for i, v in enumerate(values) if not math.isfinite(v)), None)
    if bad is None:
        msg = f"{what}: values too large to be coordinates or times"
    else:
        msg = f"{what}: item {bad // width} holds {values[bad]}; every value must be finite"
    raise ValueError(msg)


class _Packed(Model):
    source: PathStr = Field(max_length=4096)
    """The analysed media file, relative to the project file's folder or absolute."""
    width: int = Field(ge=1, le=100_000)
    """Width of the analysed frames, in pixels (the boxes' coordinate space)."""
    height: int = Field(ge=1, le=100_000)
    """Height of the analysed frames, in pixels."""
    step: float = Field(gt=0, le=3600)
    """Seconds between analysed frames (``every / fps``): how long one analysis holds."""


class Overlay(_Packed):
    """Detections of one source drawn over every clip that shows it.

    The editor draws them over the preview (`vnb.detect.overlay_boxes`); with ``burn`` they
    are drawn into the picture too, in `frame_at` and in the render. Made by
    ``project.add_overlay(dets)``; see this module's docstring for the packed fields.
    """

    names: list[ClassName] = Field(default_factory=list, max_length=10_000)
    """Class names the rows' class column indexes."""
    times: Packed = ""
    """The analysed frames' source times (base64 of little-endian float64)."""
    rows: Packed = ""
    """The boxes (base64 of little-endian float32, 8 per box)."""
    classes: list[ClassName] | None = Field(default=None, max_length=10_000)
    """Show only these classes; None shows every class."""
    min_score: float = Field(default=0.0, ge=0, le=1)
    """Show only boxes scoring at least this."""
    burn: bool = False
    """Draw the boxes, labels and track ids into the picture (preview and render)."""

    @model_validator(mode="after")
    def _sizes(self) -> Overlay:
        frames = packed_count(self.times, 8, "times")
        rows = packed_count(self.rows, OVERLAY_ROW, "rows")
        if frames > MAX_FRAMES:
            msg = f"times: {frames} analysed frames, more than the limit of {MAX_FRAMES}"
            raise ValueError(msg)
        if rows > MAX_ROWS:
            msg = f"rows: {rows} boxes, more than the limit of {MAX_ROWS}"
            raise ValueError(msg)
        if rows and not frames:
            msg = "rows: boxes without analysed frames (times is empty)"
            raise ValueError(msg)
        check_finite(self.times, "d", 1, "times")
        check_finite(self.rows, "f", 8, "rows")
        return self

    @property
    def count(self) -> int:
        """Number of boxes held."""
        return packed_count(self.rows, OVERLAY_ROW, "rows")


class Redaction(_Packed):
    """A tracked object blurred or pixelated in every clip that shows its source.

    Between two analysed boxes less than ``hold`` seconds apart the box is interpolated
    linearly (short occlusions stay covered); one analysis step before the first box and
    after each last one, the nearest box is held. Made by ``project.blur(dets.track(7))``.
    """

    track_id: int = Field(default=-1, ge=-1)
    """The track the boxes come from (-1: not one track)."""
    mode: Literal["blur", "pixelate"] = "blur"
    """Gaussian blur, or blocks of flat colour."""
    strength: float = Field(default=0.5, gt=0, le=1)
    """Blur radius or block size as a fraction of a quarter of the box's smaller side."""
    margin: float = Field(default=0.15, ge=0, le=2)
    """Enlarge the box on every side by this fraction of its width (and height)."""
    hold: float = Field(default=1.0, ge=0, le=3600)
    """Gaps in the track up to this many seconds are bridged."""
    times: Packed = ""
    """Source time of each box (base64 of little-endian float64), ascending."""
    boxes: Packed = ""
    """``x1, y1, x2, y2`` in source pixels (base64 of little-endian float32, 4 per box)."""

    @model_validator(mode="after")
    def _sizes(self) -> Redaction:
        n = packed_count(self.times, 8, "times")
        m = packed_count(self.boxes, BOX_ROW, "boxes")
        if n != m:
            msg = f"times holds {n} values but boxes holds {m} boxes"
            raise ValueError(msg)
        if n > MAX_ROWS:
            msg = f"boxes: {n} boxes, more than the limit of {MAX_ROWS}"
            raise ValueError(msg)
        check_finite(self.times, "d", 1, "times")
        check_finite(self.boxes, "f", 4, "boxes")
        return self
