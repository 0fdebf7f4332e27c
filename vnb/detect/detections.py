"""`Detections`: what a detector found in a video, as parallel numpy arrays."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vnb.detect.formats import to_coco
from vnb.detect.postprocess import COCO_NAMES, DARKNET_ALIASES
from vnb.errors import ArgumentError, DetectionError, FileAccessError
from vnb.fileio import atomic_write
from vnb.schema.timeline import TimeRange

__all__ = ["Detections"]

_FORMAT = "vnb.detections"
_VERSION = 1
_ARRAYS = ("frame", "time", "xyxy", "score", "class_id", "class_name", "track_id")


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Detections:
    """Boxes found in a video: one row per detection, in parallel arrays.

    Index it with a boolean mask, a slice or integer indices to get a new `Detections` (the
    analysed frames and the metadata come along). The arrays are read-only.

    Example:
        ```python
        dets = vnb.detect.analyze("street.mp4", every=2, classes=["person", "car"])
        people = dets[dets.class_name == "person"]
        people.track_ids  # [1, 4]: stable ids
        dets.at(120)  # the boxes to draw on frame 120
        dets.segments("person", min_duration=1.0)  # [TimeRange(start=0.4, end=3.2), ...]
        ```
    """

    frame: np.ndarray
    """``(n,)`` int64: index of the frame (presentation order, from 0) in the source."""
    time: np.ndarray
    """``(n,)`` float64: the frame's time in the source, seconds."""
    xyxy: np.ndarray
    """``(n, 4)`` float32: ``x1, y1, x2, y2`` in source pixels."""
    score: np.ndarray
    """``(n,)`` float32: confidence, 0..1."""
    class_id: np.ndarray
    """``(n,)`` int64: index into ``meta["names"]``."""
    class_name: np.ndarray
    """``(n,)`` str."""
    track_id: np.ndarray
    """``(n,)`` int64: the object's id across frames (from 1), -1 when untracked."""
    analyzed_frames: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Every frame that was analysed (with or without detections), ascending."""
    analyzed_times: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    """Their times, seconds."""
    meta: dict[str, Any] = field(default_factory=dict)
    """JSON-ready facts: ``source``, ``width``, ``height``, ``fps``, ``duration``, ``every``,
    ``names``, ``model``, ``model_sha256``, ``size``, ``conf``, ``corrections``…"""

    def __post_init__(self) -> None:
        n = len(self.frame)
        want = {
            "frame": ((n,), np.int64),
            "time": ((n,), np.float64),
            "xyxy": ((n, 4), np.float32),
            "score": ((n,), np.float32),
            "class_id": ((n,), np.int64),
            "track_id": ((n,), np.int64),
            "analyzed_frames": ((len(self.analyzed_frames),), np.int64),
            "analyzed_times": ((len(self.analyzed_frames),), np.float64),
        }
        for name, (shape, dtype) in want.items():
            value = np.asarray(getattr(self, name))
            if value.size == 0:
                value = value.reshape(shape)
            if value.shape != shape:
                msg = f"Detections.{name}: shape {value.shape}, expected {shape}"
                raise ArgumentError(msg)
            object.__setattr__(self, name, _readonly(value.astype(dtype, copy=True)))
        names = np.asarray(self.class_name, dtype=str)
        if names.shape != (n,):
            msg = f"Detections.class_name: shape {names.shape}, expected {(n,)}"
            raise ArgumentError(msg)
        object.__setattr__(self, "class_name", _readonly(names.copy()))
        object.__setattr__(self, "meta", dict(self.meta))

    # -- collection ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, index: Any) -> Detections:
        if isinstance(index, int | np.integer):
            index = [int(index)]
        return self._with(**{name: getattr(self, name)[index] for name in _ARRAYS})

    def __repr__(self) -> str:
        classes = ", ".join(
            f"{c}: {int(k)}"
            for c, k in zip(*np.unique(self.class_name, return_counts=True), strict=True)
        )
        return (
            f"Detections({len(self)} boxes in {len(self.analyzed_frames)} analysed frames"
            f"{'; ' + classes if classes else ''}; tracks {self.track_ids})"
        )

    def _with(self, **changes: Any) -> Detections:
        fields = {
            name: getattr(self, name)
            for name in (*_ARRAYS, "analyzed_frames", "analyzed_times", "meta")
        }
        fields.update(changes)
        return Detections(**fields)

    @classmethod
    def empty(cls, **meta: Any) -> Detections:
        """No detections (and no analysed frames)."""
        z = np.zeros(0)
        return cls(z, z, np.zeros((0, 4)), z, z, np.zeros(0, str), z, meta=meta)

    @property
    def track_ids(self) -> list[int]:
        """The distinct track ids present, ascending (untracked rows left out)."""
        return [int(t) for t in np.unique(self.track_id) if t >= 0]

    @property
    def names(self) -> tuple[str, ...]:
        """The model's class names (``meta["names"]``)."""
        return tuple(self.meta.get("names") or ())

    @property
    def step(self) -> float:
        """Seconds between analysed frames: ``every / fps`` (what one analysed frame covers)."""
        fps = float(self.meta.get("fps") or 0)
        if fps > 0:
            return int(self.meta.get("every", 1)) / fps
        gaps = np.diff(self.analyzed_times)
        return float(np.median(gaps)) if gaps.size else 0.0

    def of_class(self, *classes: str) -> Detections:
        """The detections of these classes (Darknet spellings such as ``motorbike`` too)."""
        wanted = {c for c in classes} | {DARKNET_ALIASES.get(c, c) for c in classes}
        return self[np.isin(self.class_name, sorted(wanted))]

    def track(self, track_id: int) -> Detections:
        """The detections of one track, in frame order."""
        return self[self.track_id == int(track_id)]

    def at(self, frame_index: int) -> Detections:
        """The detections to show on source frame ``frame_index`` (e.g. for an overlay).

        Those of that frame when it was analysed, else those of the last analysed frame before
        it, if that is less than one analysis step (``every`` frames) before.
        """
        frames = self.analyzed_frames
        i = int(np.searchsorted(frames, frame_index, side="right")) - 1
        if i < 0 or frame_index - frames[i] >= max(1, int(self.meta.get("every", 1))):
            return self[np.zeros(len(self), dtype=bool)]
        return self[self.frame == frames[i]]

    def at_time(self, t: float) -> Detections:
        """The detections to show at source time ``t`` seconds (see :meth:`at`)."""
        times = self.analyzed_times
        i = int(np.searchsorted(times, t + 1e-9, side="right")) - 1
        if i < 0 or t - times[i] >= self.step - 1e-9:
            return self[np.zeros(len(self), dtype=bool)]
        return self[self.frame == self.analyzed_frames[i]]

    # -- time ranges ---------------------------------------------------------------------

    def segments(
        self,
        cls: str | Sequence[str] | None = None,
        *,
        min_duration: float = 0.0,
        gap: float = 0.0,
        track_id: int | None = None,
    ) -> list[TimeRange]:
        """The stretches of the source where something is visible, as source-time ranges.

        An analysed frame with a matching detection covers one step (``every / fps`` seconds)
        from its time; neighbouring covered steps join into one range.

        Args:
            cls: A class name (or several); None for any class.
            min_duration: Ranges shorter than this (after joining) are left out.
            gap: Ranges separated by at most this many seconds are joined.
            track_id: Only this track.

        Returns:
            ``[TimeRange(start, end), ...]`` in source seconds, half-open, in order.
        """
        picked = self if cls is None else self.of_class(*([cls] if isinstance(cls, str) else cls))
        if track_id is not None:
            picked = picked.track(track_id)
        present = np.isin(self.analyzed_frames, picked.frame)
        step = self.step
        end_of_source = float(self.meta.get("duration") or 0) or None
        ranges: list[list[float]] = []
        for i in np.flatnonzero(present):
            start = float(self.analyzed_times[i])
            end = start + step
            if end_of_source is not None:
                end = min(end, end_of_source)
            if ranges and start - ranges[-1][1] <= gap + 1e-6:
                ranges[-1][1] = max(ranges[-1][1], end)
            else:
                ranges.append([start, end])
        return [TimeRange(s, e) for s, e in ranges if e - s >= min_duration - 1e-9 and e > s]

    # -- corrections ---------------------------------------------------------------------

    def merge_tracks(self, keep: int, other: int) -> Detections:
        """Make track ``other`` part of track ``keep`` (the tracker split one object in two).

        The correction is recorded in ``meta["corrections"]`` (see `vnb.detect.save_corrections`).
        """
        return self.apply_corrections([{"op": "merge", "keep": int(keep), "other": int(other)}])

    def split_track(self, track_id: int, at_frame: int) -> Detections:
        """Give the detections of ``track_id`` from frame ``at_frame`` on a new id.

        The new id is one more than the largest id in use; the correction is recorded in
        ``meta["corrections"]``.
        """
        new_id = max(self.track_ids, default=0) + 1
        op = {"op": "split", "track_id": int(track_id), "at_frame": int(at_frame), "new_id": new_id}
        return self.apply_corrections([op])

    def apply_corrections(self, corrections: Iterable[dict[str, Any]]) -> Detections:
        """Apply recorded merge and split corrections in order.

        Raises:
            DetectionError: A correction that is not a merge or a split.
        """
        ids = self.track_id.copy()
        done = list(self.meta.get("corrections") or [])
        for op in corrections:
            kind = op.get("op")
            if kind == "merge":
                ids[ids == int(op["other"])] = int(op["keep"])
            elif kind == "split":
                ids[(ids == int(op["track_id"])) & (self.frame >= int(op["at_frame"]))] = int(
                    op["new_id"]
                )
            else:
                msg = f"unknown track correction {op!r}: expected a merge or a split"
                raise DetectionError(msg)
            done.append(dict(op))
        return self._with(track_id=ids, meta={**self.meta, "corrections": done})

    # -- files ---------------------------------------------------------------------------

    def to_json(self) -> list[dict[str, Any]]:
        """The detections as JSON-ready objects, one per detection.

        Each has ``frame``, ``time``, ``box`` (``[x1, y1, x2, y2]`` in source pixels),
        ``score``, ``class_name`` and ``track_id`` (None when untracked).
        """
        return [
            {
                "frame": int(f),
                "time": round(float(t), 6),
                "box": [round(float(v), 2) for v in box],
                "score": round(float(s), 4),
                "class_name": str(c),
                "track_id": int(k) if k >= 0 else None,
            }
            for f, t, box, s, c, k in zip(
                self.frame,
                self.time,
                self.xyxy,
                self.score,
                self.class_name,
                self.track_id,
                strict=True,
            )
        ]

    def to_dict(self) -> dict[str, Any]:
        """Everything, losslessly, as JSON-ready columns (what the cache stores)."""
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "meta": self.meta,
            "analyzed_frames": self.analyzed_frames.tolist(),
            "analyzed_times": self.analyzed_times.tolist(),
            **{name: getattr(self, name).tolist() for name in _ARRAYS},
        }

    @classmethod
    def from_json(cls, data: list[dict[str, Any]] | dict[str, Any]) -> Detections:
        """Read what :meth:`to_json` or :meth:`to_dict` wrote.

        From the plain list, the analysed frames are taken to be those with detections.

        Raises:
            DetectionError: Not detections in either form.
        """
        try:
            if isinstance(data, dict):
                if data.get("format") != _FORMAT or data.get("version") != _VERSION:
                    msg = f"not {_FORMAT} version {_VERSION}"
                    raise ValueError(msg)
                columns = {name: data[name] for name in _ARRAYS}
                return cls(
                    **columns,
                    analyzed_frames=data["analyzed_frames"],
                    analyzed_times=data["analyzed_times"],
                    meta=data["meta"],
                )
            names = sorted({str(d["class_name"]) for d in data})
            ordered = [n for n in COCO_NAMES if n in names] == names
            table = list(COCO_NAMES) if ordered else names
            frames = np.array([int(d["frame"]) for d in data], dtype=np.int64)
            times = np.array([float(d["time"]) for d in data], dtype=np.float64)
            seen, first = np.unique(frames, return_index=True)
            return cls(
                frame=frames,
                time=times,
                xyxy=np.array([d["box"] for d in data], dtype=np.float32).reshape(-1, 4),
                score=np.array([float(d["score"]) for d in data], dtype=np.float32),
                class_id=np.array([table.index(str(d["class_name"])) for d in data], np.int64),
                class_name=np.array([str(d["class_name"]) for d in data], dtype=str),
                track_id=np.array(
                    [-1 if d.get("track_id") is None else int(d["track_id"]) for d in data],
                    dtype=np.int64,
                ),
                analyzed_frames=seen,
                analyzed_times=times[first],
                meta={"names": table},
            )
        except (KeyError, TypeError, ValueError, IndexError) as err:
            msg = f"not vnb detections: {err}"
            raise DetectionError(msg) from None

    def to_coco(self) -> dict[str, Any]:
        """The detections as a COCO-format dataset: one image per analysed frame.

        COCO-80 models use the official COCO category ids; other models number their classes
        from 1. Each annotation also carries ``score`` and ``track_id``.
        """
        return to_coco(self)

    def save(self, path: str | os.PathLike[str], *, format: str = "json") -> Path:
        """Write the detections to ``path``: ``json`` (:meth:`to_json`) or ``coco``.

        The file is written whole or not at all, and only ever replaces a regular file.

        Raises:
            DetectionError: An unknown format, or the file cannot be written (a folder, a
                device, no space left).
        """
        text = self.dumps(format=format)
        target = Path(path).absolute()
        try:
            atomic_write(target, text.encode("utf-8"), what="detections file", backup=False)
        except FileAccessError as err:
            raise DetectionError(str(err)) from None
        return target

    def dumps(self, *, format: str = "json") -> str:
        """The text :meth:`save` writes: JSON with one detection per line, or COCO JSON.

        Raises:
            DetectionError: An unknown format.
        """
        if format == "coco":
            return json.dumps(self.to_coco(), separators=(",", ":")) + "\n"
        if format != "json":
            msg = f"unknown detections format {format!r}: use 'json' or 'coco'"
            raise DetectionError(msg)
        rows = ",\n".join(json.dumps(row, separators=(", ", ": ")) for row in self.to_json())
        return f"[\n{rows}\n]\n" if rows else "[]\n"

    @classmethod
    def concat(cls, parts: Sequence[Detections], **meta: Any) -> Detections:
        """Join detections of one video (e.g. batches) in order; ``meta`` replaces theirs."""
        if not parts:
            return cls.empty(**meta)
        columns = {name: np.concatenate([getattr(p, name) for p in parts]) for name in _ARRAYS}
        frames = np.concatenate([p.analyzed_frames for p in parts])
        times = np.concatenate([p.analyzed_times for p in parts])
        order = np.argsort(frames, kind="stable")
        return cls(
            **columns,
            analyzed_frames=frames[order],
            analyzed_times=times[order],
            meta=meta or parts[0].meta,
        )
