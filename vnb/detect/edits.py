"""Edits driven by detections: cut to the moments something is visible, reframe to follow a
subject, drop markers, and keep track corrections in the project.

Everything here builds ordinary project objects (clips, crops, markers), so the render and the
preview do it with no engine change: a reframed clip is a run of short clips, frame-exact, each
with its own ``transform.crop``.
"""  # noqa: D205

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vnb.detect.detections import Detections
from vnb.errors import DetectionError, ProjectError

if TYPE_CHECKING:
    from vnb.schema import Clip, Marker, Project, Track

__all__ = [
    "add_clips_from",
    "add_markers",
    "reframe",
    "save_corrections",
]

META_KEY = "vnb.detect"


def add_clips_from(
    track: Track,
    segments: Iterable[Sequence[float]],
    *,
    source: str | os.PathLike[str],
    start: float | None = None,
    gap: float = 0.0,
    **fields: Any,
) -> list[Clip]:
    """Append one clip of ``source`` per ``(start, end)`` source-time segment, end to end.

    Args:
        track: A video or audio track.
        segments: Source-time ranges, e.g. from `Detections.segments`.
        source: The media file the segments are times of.
        start: Timeline time of the first clip; default: after the track's last clip.
        gap: Seconds left between clips.
        **fields: Other `Clip` fields for every clip (``volume``, ``transform``…).

    Returns:
        The clips added.

    Raises:
        ProjectError: A segment that is empty or reversed, or a bad field.
    """
    return track.add_clips_from(segments, source=source, start=start, gap=gap, **fields)


def add_markers(
    project: Project,
    detections: Detections,
    cls: str | Sequence[str] | None = None,
    *,
    min_duration: float = 0.0,
    gap: float = 0.0,
    label: str | None = None,
    color: str = "orange",
) -> list[Marker]:
    """Put a marker where each stretch of ``cls`` begins, on the clips that play the source.

    Source times are mapped through every clip of the analysed source (speed included); with
    no such clip, markers are placed at the source times themselves.

    Returns:
        The markers added, in time order.
    """
    segments = detections.segments(cls, min_duration=min_duration, gap=gap)
    text = label if label is not None else (cls if isinstance(cls, str) else "detected")
    clips = _clips_of(project, detections)
    times: list[float] = []
    for s, _ in segments:
        if not clips:
            times.append(s)
        for _, clip in clips:
            a, b = clip.source_range()
            if a - 1e-9 <= s < b:
                times.append(clip.start + (s - clip.source_start) / clip.speed)
    return [project.add_marker(t, text, color) for t in sorted(times)]


def parse_aspect(aspect: str | float | tuple[int, int]) -> Fraction:
    """``"9:16"``, ``"9/16"``, ``(9, 16)`` or ``0.5625`` as a width/height ratio.

    Raises:
        DetectionError: Not a positive ratio.
    """
    try:
        if isinstance(aspect, tuple):
            ratio = Fraction(int(aspect[0]), int(aspect[1]))
        elif isinstance(aspect, str):
            w, _, h = aspect.replace("/", ":").partition(":")
            ratio = Fraction(int(w), int(h)) if h else Fraction(w)
        else:
            ratio = Fraction(aspect).limit_denominator(1000)
    except (ValueError, ZeroDivisionError, TypeError):
        ratio = Fraction(0)
    if not 0.05 < ratio < 20:
        msg = f"aspect {aspect!r} is not a ratio such as '9:16'"
        raise DetectionError(msg)
    return ratio


def _clips_of(project: Project, detections: Detections) -> list[tuple[int, Clip]]:
    """``(track index, clip)`` for every clip on a video track that plays the analysed source."""
    source = detections.meta.get("source")
    if not source:
        return []
    found = []
    for i, track in enumerate(project.tracks):
        for clip in track.clips:
            if (
                track.kind == "video"
                and clip.source is not None
                and (project.base_dir / clip.source).resolve() == Path(source).resolve()
            ):
                found.append((i, clip))
    return found


@dataclass(frozen=True, slots=True)
class _Subject:
    """The followed subject: times, raw boxes (x0, y0, x1, y1) and smoothed centres."""

    times: np.ndarray
    boxes: np.ndarray
    centres: np.ndarray


def _subject_path(detections: Detections, track_id: int, smooth: float) -> _Subject:
    """Times, raw boxes and smoothed centres of one track."""
    subject = detections.track(track_id)
    if not len(subject):
        msg = f"no track {track_id} in the detections; tracks: {detections.track_ids[:20]}"
        raise DetectionError(msg)
    order = np.argsort(subject.time, kind="stable")
    times, boxes = subject.time[order], subject.xyxy[order].astype(np.float64)
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    if smooth > 0 and len(times) > 1:
        weights = np.exp(-0.5 * ((times[:, None] - times[None, :]) / smooth) ** 2)
        centres = weights @ centres / weights.sum(axis=1, keepdims=True)
    return _Subject(times, boxes, centres)


def _place(
    edges: tuple[float, float], centre: float, span: float, full: float, margin: float
) -> float:
    """Start of a window of ``span`` in ``[0, full]`` near ``centre`` containing ``edges``."""
    lo_edge, hi_edge = edges
    start = centre - span / 2
    for pad in (margin, 0.0):
        lo, hi = hi_edge + pad - span, lo_edge - pad  # window start must lie in [lo, hi]
        if lo <= hi:
            start = min(max(start, lo), hi)
            break
    return min(max(start, 0.0), full - span)


def reframe(
    project: Project,
    track_id: int,
    *,
    aspect: str | float | tuple[int, int] = "9:16",
    detections: Detections | None = None,
    piece: float = 1.0,
    smooth: float = 0.5,
    margin: float = 0.05,
    height: int | None = None,
) -> Project:
    """A copy of ``project`` at another aspect whose clips of the source follow one subject.

    Each clip playing the analysed source is split into pieces of about ``piece`` seconds
    (whole frames); each piece crops the source to the target aspect around the subject's
    smoothed position, keeping the subject's boxes of that piece inside the crop when they fit.

    Args:
        project: The project to reframe (left unchanged).
        track_id: The subject to follow (a track id of ``detections``).
        aspect: Width:height of the result, e.g. ``"9:16"``, ``"1:1"``, ``"4:5"``.
        detections: Detections of the source; by default the latest `analyze` of the source
            of the project's first video clip in this process.
        piece: Seconds per piece (the crop moves from piece to piece).
        smooth: Seconds of Gaussian smoothing of the subject's path.
        margin: Room kept around the subject, as a fraction of the crop.
        height: Height of the result; the project's by default.

    Returns:
        The new project (its ``metadata["vnb.detect"]`` says how it was made).

    Raises:
        DetectionError: No such track, no detections, or a bad aspect.
        ProjectError: No clip of the analysed source in the project.
    """
    ratio = parse_aspect(aspect)
    if detections is None:
        detections = _latest_detections(project)
    subject = _subject_path(detections, track_id, smooth)
    frame = _Frame.of(detections, ratio)
    new = _resized_copy(project, aspect, ratio, height)
    targets = _clips_of(new, detections)
    if not targets:
        msg = f"reframe: no clip of {detections.meta.get('source')} on a video track"
        raise ProjectError(msg)
    for ti, clip in targets:
        _split_clip(new.tracks[ti], clip, subject, frame, new.fps, piece, margin)
    note = {
        "reframe": {
            "source": detections.meta.get("source"),
            "track_id": int(track_id),
            "aspect": f"{ratio.numerator}:{ratio.denominator}",
            "model_sha256": detections.meta.get("model_sha256"),
            "every": detections.meta.get("every"),
        },
        "corrections": _corrections_entry(new, detections),
    }
    new.metadata = {**new.metadata, META_KEY: {**_meta(new), **note}}
    return new


def _latest_detections(project: Project) -> Detections:
    """The latest `analyze` in this process of the source of the project's first video clip."""
    from vnb.detect.analyze import last_analysis  # noqa: PLC0415

    first = next(
        (c for t in project.tracks if t.kind == "video" for c in t.clips if c.source), None
    )
    found = None if first is None else last_analysis(project.base_dir / str(first.source))
    if found is None:
        msg = "reframe: give detections= (no analysis of the project's source was made yet)"
        raise DetectionError(msg)
    return found


@dataclass(frozen=True, slots=True)
class _Frame:
    """How the source is cropped: along which axis, its length there, the crop's length."""

    horizontal: bool
    """Crop the sides (else the top and bottom)."""
    full: int
    span: int

    @classmethod
    def of(cls, detections: Detections, ratio: Fraction) -> _Frame:
        """The crop of the analysed picture to the aspect ``ratio``."""
        width, height = int(detections.meta["width"]), int(detections.meta["height"])
        horizontal = Fraction(width, height) > ratio
        span = 2 * (int(height * ratio if horizontal else width / ratio) // 2)
        return cls(horizontal, width if horizontal else height, span)

    @property
    def axis(self) -> int:
        """0 for x, 1 for y."""
        return 0 if self.horizontal else 1


def _resized_copy(
    project: Project, aspect: str | float | tuple[int, int], ratio: Fraction, height: int | None
) -> Project:
    """A copy of ``project`` (same folder) at the new aspect and ``height``."""
    out_h = 2 * ((height or project.height) // 2)
    out_w = max(16, 2 * round(out_h * ratio / 2))
    new = type(project).model_validate(project.model_dump())  # a vnb.Project stays one
    new._base_dir = project._base_dir
    new.name = f"{project.name} ({aspect})" if isinstance(aspect, str) else project.name
    new.width, new.height = out_w, out_h
    return new


def _piece_edges(k0: int, k1: int, step: int) -> list[int]:
    """Frame edges of pieces of ``[k0, k1)``, ``step`` frames each, no sliver at the end."""
    edges = [*range(k0, k1, step), k1]
    if len(edges) > 2 and edges[-1] - edges[-2] < step // 2:
        edges.pop(-2)
    return edges


def _crop(
    subject: _Subject, frame: _Frame, span: tuple[float, float], margin: float
) -> dict[str, float]:
    """The ``transform.crop`` of the piece showing source seconds ``span``."""
    ss, se = span
    times, boxes, centres, axis = subject.times, subject.boxes, subject.centres, frame.axis
    inside = (times >= ss - 1e-6) & (times < se - 1e-6)
    mid = np.interp((ss + se) / 2, times, centres[:, axis])
    if inside.any():
        lo_edge = float(boxes[inside, axis].min())
        hi_edge = float(boxes[inside, axis + 2].max())
        mid = float(np.mean(centres[inside, axis]))
    else:
        lo_edge = hi_edge = float(mid)
    full, width = frame.full, frame.span
    start = 2 * int(_place((lo_edge, hi_edge), float(mid), width, full, margin * width) // 2)
    crop = {"left": (start + 0.25) / full, "right": (full - start - width - 0.25) / full}
    if not frame.horizontal:
        crop = {"top": crop["left"], "bottom": crop["right"]}
    return crop


def _split_clip(  # noqa: PLR0917 - private, one caller
    track: Track,
    clip: Clip,
    subject: _Subject,
    frame: _Frame,
    fps: Fraction,
    piece: float,
    margin: float,
) -> None:
    """Replace ``clip`` on ``track`` by pieces of about ``piece`` s, each cropped to the subject."""
    from vnb.schema.timebase import to_frame  # noqa: PLC0415

    k0, k1 = to_frame(clip.start, fps), to_frame(clip.end, fps)
    edges = _piece_edges(k0, k1, max(1, round(piece * fps)))
    dump = clip.model_dump()
    pieces = []
    for n, (a, b) in enumerate(itertools.pairwise(edges)):
        ss = clip.source_start + float((a - k0) / fps) * clip.speed
        se = ss + float((b - a) / fps) * clip.speed
        crop = _crop(subject, frame, (ss, se), margin)
        fields = {
            **dump,
            "id": f"{clip.id}.{n + 1}",
            "start": float(a / fps),
            "source_start": max(0.0, ss),
            "duration": float((b - a) / fps),
            "transform": {**dump["transform"], "crop": crop, "fit": "fill"},
            "fade_in": clip.fade_in if n == 0 else 0.0,
            "fade_out": clip.fade_out if b == k1 else 0.0,
        }
        pieces.append(fields)
    index = next(i for i, c in enumerate(track.clips) if c is clip)
    made = [type(clip).model_validate(p) for p in pieces]
    track.clips = [*track.clips[:index], *made, *track.clips[index + 1 :]]
    for tr in track.transitions:
        if tr.from_clip == clip.id:
            tr.from_clip = made[-1].id
        if tr.to_clip == clip.id:
            tr.to_clip = made[0].id


def _meta(project: Project) -> dict[str, Any]:
    value = project.metadata.get(META_KEY)
    return dict(value) if isinstance(value, dict) else {}


def _source_key(project: Project, source: str | os.PathLike[str]) -> str:
    path = Path(source).resolve()
    try:
        return path.relative_to(project.base_dir.resolve()).as_posix()
    except ValueError:
        return str(path)


def _corrections_entry(project: Project, detections: Detections) -> dict[str, Any]:
    stored = _meta(project).get("corrections")
    entry = dict(stored) if isinstance(stored, dict) else {}
    source = detections.meta.get("source")
    if source and detections.meta.get("corrections"):
        entry[_source_key(project, source)] = list(detections.meta["corrections"])
    return entry


def save_corrections(project: Project, detections: Detections) -> None:
    """Keep the track corrections (merges, splits) of ``detections`` in the project.

    They go to ``project.metadata["vnb.detect"]["corrections"][source]`` as JSON, and
    `analyze(..., project=project)` applies them again.
    """
    entry = _corrections_entry(project, detections)
    project.metadata = {**project.metadata, META_KEY: {**_meta(project), "corrections": entry}}


def stored_corrections(project: Project, source: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The track corrections saved in ``project`` for ``source`` (oldest first)."""
    entry = _meta(project).get("corrections")
    if not isinstance(entry, dict):
        return []
    found = entry.get(_source_key(project, source))
    return [dict(op) for op in found] if isinstance(found, list) else []


def merge_tracks(
    detections: Detections, keep: int, other: int, *, project: Project | None = None
) -> Detections:
    """`Detections.merge_tracks`, saving the correction in ``project`` when one is given."""
    merged = detections.merge_tracks(keep, other)
    if project is not None:
        save_corrections(project, merged)
    return merged


def split_track(
    detections: Detections, track_id: int, at_frame: int, *, project: Project | None = None
) -> Detections:
    """`Detections.split_track`, saving the correction in ``project`` when one is given."""
    split = detections.split_track(track_id, at_frame)
    if project is not None:
        save_corrections(project, split)
    return split
