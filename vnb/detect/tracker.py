"""A ByteTrack-style tracker: stable ids for the boxes of a video, through short occlusions.

Each track predicts where its box will be with a constant-velocity motion model. Every
analysed frame is matched in two stages (Zhang et al., "ByteTrack", 2022): confident boxes
first, against every live or recently lost track, by IoU with the predicted box; then the
weak boxes (which a plain threshold would throw away: blurred, half hidden) against the tracks
still unmatched, with a stricter IoU. Confident boxes left over start new tracks; tracks unseen
for longer than ``max_lost`` frames end. Boxes of different classes never match.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vnb.detect.detections import Detections
from vnb.detect.postprocess import iou_matrix

__all__ = ["ByteTrack"]


@dataclass
class _Track:
    id: int
    class_id: int
    box: np.ndarray  # cx, cy, w, h of the last observation
    frame: int  # frame of the last observation
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4))  # per frame
    hits: int = 1

    def predict(self, frame: int) -> np.ndarray:
        dt = frame - self.frame
        box = self.box + self.velocity * dt
        box[2:] = np.maximum(box[2:], 1.0)
        return box


def _cxcywh(xyxy: np.ndarray) -> np.ndarray:
    xyxy = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    return np.concatenate([(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]], axis=1)


def _xyxy(box: np.ndarray) -> np.ndarray:
    box = np.asarray(box, dtype=np.float64).reshape(-1, 4)
    return np.concatenate([box[:, :2] - box[:, 2:] / 2, box[:, :2] + box[:, 2:] / 2], axis=1)


def _greedy(iou: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Pairs ``(row, col)`` of highest IoU first, each row and column used once."""
    pairs: list[tuple[int, int]] = []
    if iou.size == 0:
        return pairs
    rows, cols = np.nonzero(iou >= threshold)
    order = np.argsort(-iou[rows, cols], kind="stable")
    used_r: set[int] = set()
    used_c: set[int] = set()
    for k in order:
        r, c = int(rows[k]), int(cols[k])
        if r not in used_r and c not in used_c:
            pairs.append((r, c))
            used_r.add(r)
            used_c.add(c)
    return pairs


class ByteTrack:
    """Assigns track ids to the boxes of successive frames; one verb: :meth:`update`.

    Args:
        high: Boxes scoring at least this are confident: matched first, and may start tracks.
        low: Boxes scoring at least this (and under ``high``) may only extend a live track.
        match_iou: Least IoU between a predicted and a confident box to match them.
        low_iou: Least IoU for a weak box.
        max_lost: Frames a track survives unseen (an occlusion it bridges).
        momentum: How much of the old velocity each observation keeps (0..1).

    Example:
        ```python
        tracker = ByteTrack(high=0.25, max_lost=30)
        ids = tracker.update(frame=0, xyxy=boxes, score=scores, class_id=classes)
        ```
    """

    def __init__(
        self,
        *,
        high: float = 0.25,
        low: float = 0.1,
        match_iou: float = 0.2,
        low_iou: float = 0.5,
        max_lost: int = 30,
        momentum: float = 0.6,
    ) -> None:
        self.high, self.low = high, low
        self.match_iou, self.low_iou = match_iou, low_iou
        self.max_lost, self.momentum = max_lost, momentum
        self.reset()

    def reset(self) -> None:
        """Forget every track; ids start again from 1."""
        self._tracks: list[_Track] = []
        self._next_id = 1
        self._last_frame: int | None = None

    def update(
        self, frame: int, xyxy: np.ndarray, score: np.ndarray, class_id: np.ndarray
    ) -> np.ndarray:
        """Match one frame's boxes to the tracks.

        Args:
            frame: The frame index (frames must come in increasing order).
            xyxy: ``n×4`` boxes.
            score: ``n`` scores.
            class_id: ``n`` class ids.

        Returns:
            ``n`` track ids: -1 for weak boxes that matched no track.
        """
        boxes = _cxcywh(xyxy)
        score = np.asarray(score, dtype=np.float64)
        class_id = np.asarray(class_id, dtype=np.int64)
        ids = np.full(len(boxes), -1, dtype=np.int64)
        tracks = [t for t in self._tracks if frame - t.frame <= self.max_lost]
        previous = self._last_frame
        self._last_frame = frame
        predicted = np.array([_xyxy(t.predict(frame))[0] for t in tracks]).reshape(-1, 4)
        same_class = np.array([t.class_id for t in tracks])[:, None] == class_id[None, :]
        iou = iou_matrix(predicted, _xyxy(boxes)) * same_class if tracks else np.zeros((0, 0))
        strong = np.flatnonzero(score >= self.high)
        weak = np.flatnonzero((score >= self.low) & (score < self.high))
        free = list(range(len(tracks)))
        for stage, (dets, threshold) in enumerate(((strong, self.match_iou), (weak, self.low_iou))):
            if stage == 1:  # weak boxes only extend tracks seen in the previous frame
                free = [r for r in free if tracks[r].frame == previous]
            if not free or not len(dets):
                continue
            pairs = _greedy(iou[np.ix_(np.asarray(free), dets)], threshold)
            for r, c in pairs:
                track, d = tracks[free[r]], int(dets[c])
                self._observe(track, boxes[d], frame)
                ids[d] = track.id
            taken = {free[r] for r, _ in pairs}
            free = [r for r in free if r not in taken]
        for d in strong.tolist():
            if ids[d] < 0:
                track = _Track(self._next_id, int(class_id[d]), boxes[d].copy(), frame)
                self._next_id += 1
                tracks.append(track)
                ids[d] = track.id
        self._tracks = tracks
        return ids

    def _observe(self, track: _Track, box: np.ndarray, frame: int) -> None:
        dt = max(1, frame - track.frame)
        motion = (box - track.box) / dt
        track.velocity = (
            motion
            if track.hits == 1
            else self.momentum * track.velocity + (1 - self.momentum) * motion
        )
        track.box = box.copy()
        track.frame = frame
        track.hits += 1


def track_detections(
    detections: Detections,
    *,
    high: float | None = None,
    low: float = 0.1,
    max_lost_seconds: float = 1.0,
) -> Detections:
    """Give every detection a track id (ids from 1, in order of first appearance).

    Weak detections (score under ``high``) that extend no track are dropped; those that do
    stay in, with their track's id.

    Args:
        detections: Detections of one video, untracked.
        high: The confident score; by default the analysis threshold (``meta["conf"]``).
        low: Weaker detections than this are ignored.
        max_lost_seconds: How long a track survives unseen.

    Returns:
        The tracked detections.
    """
    high = float(detections.meta.get("conf", 0.25)) if high is None else high
    fps = float(detections.meta.get("fps") or 30.0)
    tracker = ByteTrack(high=high, low=low, max_lost=max(1, round(max_lost_seconds * fps)))
    ids = np.full(len(detections), -1, dtype=np.int64)
    order = np.argsort(detections.frame, kind="stable")
    frames = detections.frame[order]
    bounds = np.flatnonzero(np.diff(frames)) + 1
    for rows in np.split(order, bounds):
        if rows.size == 0:
            continue
        ids[rows] = tracker.update(
            int(detections.frame[rows[0]]),
            detections.xyxy[rows],
            detections.score[rows],
            detections.class_id[rows],
        )
    keep = (ids >= 0) | (detections.score >= high)
    tracked = detections._with(track_id=ids)
    return tracked[keep]
