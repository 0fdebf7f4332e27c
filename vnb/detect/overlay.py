"""Detections in a project: overlays drawn over the picture, and blurred tracked objects.

```python
ov = p.add_overlay(dets, classes=["person"], min_score=0.4)  # the editor draws the boxes
vnb.detect.overlay_boxes(p, 2.0)  # [{"x1": …, "label": "person 0.87 #3", …}, …]
vnb.detect.set_overlay(p, 0, burn=True)  # now drawn into frame_at and the render too
p.blur(dets.track(3))  # privacy blur of one tracked object, preview and render
```

An overlay or a redaction belongs to its **source**: it applies to every clip that shows that
file, wherever the clip is and however it is cropped, scaled or sped up. Both are stored in
the project, boxes packed inline (see `vnb.schema.detection` for why), and every change is an
ordinary project edit: ``project.on_change`` listeners hear it and undo covers it.

Which boxes show at an instant: an overlay shows the analysed frame **nearest** the source
time on screen (within one analysis step; no interpolation, so every box drawn is one the
detector found); a redaction interpolates between a track's boxes and holds across short gaps
(`vnb.effects.detection` has the details — the same functions draw the boxes here, in the
preview and in the render).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import ValidationError

from vnb.effects.detection import label_of, overlay_rows_at
from vnb.errors import DetectionError, ProjectError
from vnb.plan.detections import overlay_data, pack, shows_source
from vnb.schema.base import format_validation_error
from vnb.schema.detection import MAX_FRAMES, MAX_ROWS, Overlay, Redaction

if TYPE_CHECKING:
    from vnb.detect.detections import Detections
    from vnb.plan import VideoItem
    from vnb.schema import Project

__all__ = [
    "add_overlay",
    "blur",
    "overlay_boxes",
    "set_overlay",
]


class _Unset:
    def __repr__(self) -> str:
        return "<unchanged>"


UNSET: Any = _Unset()


# -- storing ---------------------------------------------------------------------------------


def _source_of(project: Project, detections: Detections) -> str:
    """The analysed source as the project names it: a clip's own spelling when one shows it."""
    source = detections.meta.get("source")
    if not source:
        msg = "these detections do not say which video they come from (meta['source'])"
        raise DetectionError(msg)
    path = Path(str(source)).resolve()
    for track in project.tracks:
        for clip in track.clips:
            if clip.source and (project.base_dir / clip.source).resolve() == path:
                return clip.source
    try:
        return path.relative_to(project.base_dir.resolve()).as_posix()
    except ValueError:
        return str(path)


def _frame_facts(detections: Detections) -> dict[str, Any]:
    meta = detections.meta
    width, height = meta.get("width"), meta.get("height")
    if not width or not height:
        msg = "these detections do not say the size of their frames (meta width, height)"
        raise DetectionError(msg)
    step = detections.step
    if not step > 0:
        fps = float(meta.get("fps") or 0)
        step = 1 / fps if fps > 0 else 1.0
    return {"width": int(width), "height": int(height), "step": float(step)}


def _check_classes(classes: Sequence[str] | None) -> list[str] | None:
    if classes is None:
        return None
    if isinstance(classes, str):
        return [classes]
    return [str(c) for c in classes]


def _validated(kind: type[Overlay] | type[Redaction], data: dict[str, Any], where: str) -> Any:
    try:
        return kind.model_validate(data)
    except ValidationError as err:
        raise ProjectError(format_validation_error(err, where)) from None


def add_overlay(
    project: Project,
    detections: Detections,
    *,
    classes: Sequence[str] | None = None,
    min_score: float = 0.0,
    burn: bool = False,
) -> Overlay:
    """Show ``detections`` over every clip of their source (one project edit).

    All the boxes given are kept, so `set_overlay` can widen the filters later; pass a
    filtered `Detections` (``dets.of_class("person")``) to keep a long analysis small.

    Args:
        project: The project.
        detections: From `vnb.detect.analyze` (they name their source and frame size).
        classes: Show only these class names; None for all.
        min_score: Show only boxes scoring at least this.
        burn: Also draw the boxes into the picture (`frame_at` and the render).

    Returns:
        The overlay as stored (``project.overlays[-1]``).

    Raises:
        DetectionError: no source or frame size in ``detections``, or more than
            `MAX_ROWS` boxes / `MAX_FRAMES` analysed frames.
        ProjectError: a bad ``classes`` or ``min_score``.
    """
    source = _source_of(project, detections)
    facts = _frame_facts(detections)
    if len(detections) > MAX_ROWS:
        msg = (
            f"{len(detections)} boxes are more than an overlay holds ({MAX_ROWS}): keep fewer, "
            "e.g. dets.of_class('person'), dets[dets.score >= 0.5], or analyse with every=2"
        )
        raise DetectionError(msg)
    times = np.asarray(detections.analyzed_times, np.float64)
    if not len(times):
        times = np.unique(detections.time)
    order = np.argsort(times, kind="stable")
    times = times[order]
    if len(times) > MAX_FRAMES:
        msg = f"{len(times)} analysed frames are more than an overlay holds ({MAX_FRAMES})"
        raise DetectionError(msg)
    names = sorted(set(detections.class_name.tolist()))
    index = {name: i for i, name in enumerate(names)}
    slot = np.searchsorted(times, detections.time)
    slot = np.clip(slot, 0, max(0, len(times) - 1))
    rows = np.column_stack(
        [
            slot,
            detections.xyxy,
            detections.score,
            [index[c] for c in detections.class_name.tolist()],
            detections.track_id,
        ]
    ).reshape(-1, 8)
    data = {
        "source": source,
        **facts,
        "names": names,
        "times": pack(times, "<f8"),
        "rows": pack(rows, "<f4"),
        "classes": _check_classes(classes),
        "min_score": min_score,
        "burn": burn,
    }
    overlay = _validated(Overlay, data, f"overlays[{len(project.overlays)}]")
    project.overlays = [*project.overlays, overlay]
    return project.overlays[-1]


def _at(project: Project, index: int) -> Overlay:
    n = len(project.overlays)
    if isinstance(index, bool) or not isinstance(index, int) or not -n <= index < n:
        msg = f"overlays[{index!r}]: no such overlay (the project has {n})"
        raise ProjectError(msg)
    return project.overlays[index]


def set_overlay(
    project: Project,
    index: int,
    *,
    classes: Sequence[str] | None = UNSET,
    min_score: float = UNSET,
    burn: bool = UNSET,
) -> Overlay:
    """Change an overlay's filters or burn-in; the arguments not given stay (one edit).

    Raises:
        ProjectError: no overlay ``index``, or a bad value (naming ``overlays[i].field``).
    """
    old = _at(project, index)
    i = index % len(project.overlays)
    changes: dict[str, Any] = {}
    if classes is not UNSET:
        changes["classes"] = _check_classes(classes)
    if min_score is not UNSET:
        changes["min_score"] = min_score
    if burn is not UNSET:
        changes["burn"] = burn
    new = _validated(Overlay, {**old.model_dump(), **changes}, f"overlays[{i}]")
    if new == old:
        return old
    project.overlays = [*project.overlays[:i], new, *project.overlays[i + 1 :]]
    return project.overlays[i]


def remove_overlay(project: Project, index: int) -> None:
    """Take overlay ``index`` out of the project (one edit).

    Raises:
        ProjectError: no such overlay.
    """
    _at(project, index)
    i = index % len(project.overlays)
    project.overlays = [*project.overlays[:i], *project.overlays[i + 1 :]]


def blur(
    project: Project,
    detections: Detections,
    *,
    mode: Literal["blur", "pixelate"] = "blur",
    strength: float = 0.5,
    margin: float = 0.15,
    hold: float = 1.0,
) -> Redaction:
    """Blur (or pixelate) one tracked object in every clip of its source (one edit).

    Applied to the source picture before the clip's crop, scale and effects, in the preview
    and the render alike (one implementation: `vnb.effects.detection`).

    Args:
        project: The project.
        detections: One object's boxes, e.g. ``dets.track(7)``: at most one per frame.
        mode: ``"blur"`` (Gaussian) or ``"pixelate"`` (blocks).
        strength: 0..1: the blur radius or block size is this × a quarter of the box's
            smaller side.
        margin: Enlarge the box on each side by this fraction of its width and height.
        hold: Bridge gaps in the track up to this many seconds (interpolating the box).

    Returns:
        The redaction as stored (``project.redactions[-1]``).

    Raises:
        DetectionError: no boxes, several tracks or several boxes at one time, too many.
        ProjectError: a bad ``mode``, ``strength``, ``margin`` or ``hold``.
    """
    if not len(detections):
        msg = "nothing to blur: these detections hold no boxes (is the track id right?)"
        raise DetectionError(msg)
    tracks = sorted({int(t) for t in detections.track_id})
    if len(tracks) > 1:
        msg = f"blur one track at a time, e.g. dets.track({tracks[-1]}); these hold {tracks[:20]}"
        raise DetectionError(msg)
    if len(np.unique(detections.time)) != len(detections):
        msg = "several boxes at one time: blur one tracked object, e.g. dets.track(3)"
        raise DetectionError(msg)
    if len(detections) > MAX_ROWS:
        msg = f"{len(detections)} boxes are more than a redaction holds ({MAX_ROWS})"
        raise DetectionError(msg)
    order = np.argsort(detections.time, kind="stable")
    data = {
        "source": _source_of(project, detections),
        **_frame_facts(detections),
        "track_id": max(-1, tracks[0]),
        "mode": mode,
        "strength": strength,
        "margin": margin,
        "hold": hold,
        "times": pack(detections.time[order], "<f8"),
        "boxes": pack(detections.xyxy[order], "<f4"),
    }
    redaction = _validated(Redaction, data, f"redactions[{len(project.redactions)}]")
    project.redactions = [*project.redactions, redaction]
    return project.redactions[-1]


def pixelate(
    project: Project,
    detections: Detections,
    *,
    strength: float = 0.5,
    margin: float = 0.15,
    hold: float = 1.0,
) -> Redaction:
    """`blur` with ``mode="pixelate"`` (blocks of flat colour)."""
    return blur(project, detections, mode="pixelate", strength=strength, margin=margin, hold=hold)


# -- the boxes on the canvas --------------------------------------------------------------------


def _shown_time(item: VideoItem, piece: tuple[int, int], k: int, fps: Any) -> float:
    """Source time of the frame the render shows for ``item`` at timeline frame ``k``."""
    from vnb.media.reader import reader_for  # noqa: PLC0415
    from vnb.preview.compose import shown_frame_index  # noqa: PLC0415

    index = shown_frame_index(item, piece, k, fps)
    return float(reader_for(item.source).times[index])  # type: ignore[arg-type]


def _to_canvas(
    box: np.ndarray, item: VideoItem, size: tuple[int, int], canvas: tuple[int, int]
) -> tuple[float, float, float, float] | None:
    """A box in analysed-frame pixels, in canvas pixels through the clip's placement."""
    from vnb.ffmpeg.chains import clip_origin, rotated_box  # noqa: PLC0415

    sw, sh = item.source_size
    sx, sy = sw / size[0], sh / size[1]
    x1, y1, x2, y2 = box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy
    p = item.placement
    cx, cy, cw, ch = p.crop or (0, 0, sw, sh)
    x1, y1, x2, y2 = max(x1, cx), max(y1, cy), min(x2, cx + cw), min(y2, cy + ch)
    if x2 <= x1 or y2 <= y1:
        return None
    fx, fy = p.width / cw, p.height / ch
    X1, Y1 = p.x + (x1 - cx) * fx, p.y + (y1 - cy) * fy
    X2, Y2 = p.x + (x2 - cx) * fx, p.y + (y2 - cy) * fy
    if p.rotation:
        ox, oy = clip_origin(item)
        rw, rh = rotated_box(p.width, p.height, p.rotation)
        mx, my = ox + rw / 2, oy + rh / 2  # the rotated picture's centre
        px, py = p.x + p.width / 2, p.y + p.height / 2
        a = math.radians(p.rotation)
        cos, sin = math.cos(a), math.sin(a)
        xs, ys = [], []
        for u, v in ((X1, Y1), (X2, Y1), (X2, Y2), (X1, Y2)):
            du, dv = u - px, v - py
            xs.append(mx + du * cos - dv * sin)
            ys.append(my + du * sin + dv * cos)
        X1, Y1, X2, Y2 = min(xs), min(ys), max(xs), max(ys)
    X1, Y1 = max(0.0, X1), max(0.0, Y1)
    X2, Y2 = min(float(canvas[0]), X2), min(float(canvas[1]), Y2)
    if X2 <= X1 or Y2 <= Y1:
        return None
    return float(X1), float(Y1), float(X2), float(Y2)


def overlay_boxes(project: Project, t: float) -> list[dict[str, Any]]:
    """The overlays' boxes on the canvas at timeline time ``t`` (what the editor draws).

    For every visible clip at ``t`` that shows an overlay's source (both clips during a
    transition), the boxes of the analysed frame nearest the source frame the clip shows
    (less than one analysis step away; not interpolated), filtered by the overlay's
    ``classes`` and ``min_score``, mapped through the clip's crop, fit, scale, position and
    rotation (a rotated box becomes its bounding box) and clipped to the visible picture and
    the canvas.

    Returns:
        One dict per box, bottom track first: ``x1, y1, x2, y2`` (float canvas pixels),
        ``class_name``, ``score``, ``track_id`` (int or None), ``label`` (``"person 0.87 #3"``),
        ``overlay`` (index in ``project.overlays``) and ``clip_id``. Empty outside the
        project's duration.

    Raises:
        ProjectError: an invalid project.
        MediaError: a missing source.
    """
    if not project.overlays:
        return []
    from vnb.plan import VideoTrackPlan  # noqa: PLC0415
    from vnb.plan.compositing import piece_at  # noqa: PLC0415
    from vnb.preview import frame_index, plan_of  # noqa: PLC0415

    plan = plan_of(project)
    if not 0 <= t < plan.duration:
        return []
    k = frame_index(plan, t)
    out: list[dict[str, Any]] = []
    for layer in plan.layers:
        if not isinstance(layer, VideoTrackPlan):
            continue
        piece = piece_at(layer.pieces, k)
        if piece is None or piece.kind == "gap":
            continue
        for clip_id in (piece.item, piece.other):
            if clip_id is None:
                continue
            item = layer.item(clip_id)
            clip = project.find_clip(clip_id)
            if item.source is None or item.still or clip is None or item.opacity <= 0:
                continue
            shows = [
                (n, ov)
                for n, ov in enumerate(project.overlays)
                if ov.rows and shows_source(project, ov, clip, item.source)
            ]
            if shows:
                shown = _shown_time(item, (piece.start, piece.end), k, plan.fps)
                out += _clip_boxes(shows, clip_id, item, shown, (plan.width, plan.height))
    return out


def _clip_boxes(
    shows: list[tuple[int, Overlay]],
    clip_id: str,
    item: VideoItem,
    shown: float,
    canvas: tuple[int, int],
) -> list[dict[str, Any]]:
    """The boxes of the overlays ``shows`` (index, overlay) at source time ``shown``, placed."""
    out: list[dict[str, Any]] = []
    for n, ov in shows:
        data = overlay_data(ov.times, ov.rows)
        rows = overlay_rows_at(
            data, shown, ov.step, names=ov.names, classes=ov.classes, min_score=ov.min_score
        )
        for r in rows:
            placed = _to_canvas(data.xyxy[r], item, (ov.width, ov.height), canvas)
            if placed is None:
                continue
            c, score, track = int(data.cls[r]), float(data.score[r]), int(data.track[r])
            name = ov.names[c] if 0 <= c < len(ov.names) else str(c)
            out.append(
                {
                    "x1": placed[0],
                    "y1": placed[1],
                    "x2": placed[2],
                    "y2": placed[3],
                    "class_name": name,
                    "score": round(score, 4),
                    "track_id": track if track >= 0 else None,
                    "label": label_of(name, score, track),
                    "overlay": n,
                    "clip_id": clip_id,
                }
            )
    return out
