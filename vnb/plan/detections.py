"""The detection effects a clip gets when the plan is compiled (pure: reads the project only).

A project's `Overlay` (with ``burn``) and `Redaction` entries apply to every clip that shows
their source: :func:`clip_effects` gives each such clip the custom effects ``vnb:redact`` and
``vnb:boxes`` whose parameters carry the packed boxes of the clip's stretch of the source.
`vnb.effects.detection` runs them on the pictures.
"""

from __future__ import annotations

import base64
import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from vnb.schema import Clip, Project
    from vnb.schema.detection import Overlay, Redaction

__all__ = [
    "BOXES",
    "REDACT",
    "OverlayData",
    "Params",
    "clip_effects",
    "overlay_data",
    "pack",
    "shows_source",
    "unpack",
]

REDACT = "vnb:redact"
"""The name of the redaction effect (blur or pixelate a tracked box) in the effect table."""
BOXES = "vnb:boxes"
"""The name of the burnt-in overlay effect (boxes and labels) in the effect table."""


# -- packing -----------------------------------------------------------------------------


def pack(array: np.ndarray, dtype: str) -> str:
    """A numeric array as base64 of its little-endian bytes (``dtype`` ``"<f4"``/``"<f8"``)."""
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


@functools.lru_cache(maxsize=64)
def unpack(text: str, dtype: str, columns: int = 1) -> np.ndarray:
    """The array packed by :func:`pack` (read-only; ``columns`` > 1 gives rows of that many)."""
    flat = np.frombuffer(base64.b64decode(text), dtype=dtype).astype(np.float64)
    flat.flags.writeable = False
    return flat.reshape(-1, columns) if columns > 1 else flat


@dataclass(frozen=True, slots=True)
class OverlayData:
    """An overlay's packed boxes, unpacked."""

    times: np.ndarray
    """``(m,)`` source times of the analysed frames, ascending."""
    slot: np.ndarray
    """``(n,)`` int: each box's analysed frame (index into ``times``)."""
    xyxy: np.ndarray
    """``(n, 4)`` source pixels."""
    score: np.ndarray
    cls: np.ndarray
    """``(n,)`` int: index into the overlay's names."""
    track: np.ndarray
    """``(n,)`` int, -1 when untracked."""


def overlay_data(times: str, rows: str) -> OverlayData:
    """Unpack an overlay's ``times`` and ``rows``."""
    return _overlay_data(times, rows)


@functools.lru_cache(maxsize=32)
def _overlay_data(times: str, rows: str) -> OverlayData:
    t = unpack(times, "<f8")
    r = unpack(rows, "<f4", 8) if rows else np.zeros((0, 8))
    return OverlayData(
        times=t,
        slot=r[:, 0].astype(np.int64),
        xyxy=r[:, 1:5],
        score=r[:, 5],
        cls=r[:, 6].astype(np.int64),
        track=r[:, 7].astype(np.int64),
    )


# -- at compile time ------------------------------------------------------------------------


def shows_source(
    project: Project, entry: Overlay | Redaction, clip: Clip, path: str | None
) -> bool:
    """Whether ``clip`` (whose source resolved to ``path``) shows the source of ``entry``."""
    if clip.source is None:
        return False
    if entry.source == clip.source:
        return True
    if path is None:
        return False
    return os.path.normpath(project.base_dir / entry.source) == os.path.normpath(path)


Params = tuple[tuple[str, float | bool | str], ...]
"""An effect's parameters as a sorted, hashable tuple of (name, value) pairs."""


def _redaction_window(r: Redaction, lo: float, hi: float) -> tuple[str, str]:
    """The redaction's ``times`` and ``boxes`` that can matter for source times in [lo, hi].

    Boxes within ``hold`` + one step of the range, and one more on each side: enough for the
    interpolation and the holds to give the same box as the whole track would.
    """
    times = unpack(r.times, "<f8")
    reach = r.hold + r.step
    a = max(0, int(np.searchsorted(times, lo - reach)) - 1)
    b = min(len(times), int(np.searchsorted(times, hi + reach, side="right")) + 1)
    boxes = unpack(r.boxes, "<f4", 4) if r.boxes else np.zeros((0, 4))
    return pack(times[a:b], "<f8"), pack(boxes[a:b], "<f4")


def _overlay_window(o: Overlay, lo: float, hi: float) -> tuple[str, str]:
    """The overlay's analysed frames that can show in [lo, hi], and their shown rows.

    The class and score filters are applied here, once: what is left is what gets drawn.
    """
    data = overlay_data(o.times, o.rows)
    a = max(0, int(np.searchsorted(data.times, lo - o.step)) - 1)
    b = min(len(data.times), int(np.searchsorted(data.times, hi + o.step, side="right")) + 1)
    keep = (data.slot >= a) & (data.slot < b) & (data.score >= o.min_score - 1e-7)
    if o.classes is not None:
        wanted = np.isin(np.asarray(o.names, dtype=object), list(o.classes))
        known = (data.cls >= 0) & (data.cls < len(o.names))
        keep &= known & (wanted[np.clip(data.cls, 0, len(o.names) - 1)] if o.names else False)
    rows = unpack(o.rows, "<f4", 8)[keep].copy()
    rows[:, 0] -= a
    return pack(data.times[a:b], "<f8"), pack(rows, "<f4")


def clip_effects(
    project: Project, clip: Clip, path: str | None, source_start: float
) -> tuple[tuple[tuple[str, Params], ...], tuple[tuple[str, Params], ...]]:
    """The detection effects of one clip: ``(redactions, burnt-in overlays)``.

    Pure: reads the project only. ``path`` is the clip's resolved source and ``source_start``
    the source time shown at its first frame (the custom effects' clock counts from it).
    Each effect carries only the boxes of the clip's stretch of the source (and, for an
    overlay, only those its filters show), so its parameters — part of the preview's and the
    pre-render's cache keys — stay small and change only when what the clip shows changes.
    """
    before: list[tuple[str, Params]] = []
    after: list[tuple[str, Params]] = []
    params: dict[str, float | bool | str]
    lo, hi = source_start, source_start + clip.duration * clip.speed
    for r in project.redactions:
        if r.times and shows_source(project, r, clip, path):
            times, boxes = _redaction_window(r, lo, hi)
            params = {
                "times": times, "boxes": boxes, "width": float(r.width),
                "height": float(r.height), "step": r.step, "hold": r.hold, "mode": r.mode,
                "strength": r.strength, "margin": r.margin, "origin": source_start,
            }  # fmt: skip
            before.append((REDACT, tuple(sorted(params.items()))))
    for o in project.overlays:
        if o.burn and o.rows and shows_source(project, o, clip, path):
            times, rows = _overlay_window(o, lo, hi)
            if not rows:
                continue
            params = {
                "times": times, "rows": rows, "names": "\n".join(o.names),
                "classes": "", "all_classes": True, "min_score": 0.0,
                "width": float(o.width), "height": float(o.height), "step": o.step,
                "origin": source_start,
            }  # fmt: skip
            after.append((BOXES, tuple(sorted(params.items()))))
    return tuple(before), tuple(after)
