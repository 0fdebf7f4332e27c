"""Smart render's decision, pure: which frames of a cuts-only edit are copied, which re-encoded.

`SourceIndex` holds the facts about one H.264 source that matter (read from its packets by
`vnb.render.h264.source_index`); `smart_plan` takes a `Plan`, the export settings and those
indexes and either says why the edit does not qualify, or gives a `SmartPlan`: per clip, a
re-encoded head up to the first IDR frame of its span, a copied middle of whole GOPs, and a
re-encoded tail; neighbouring tails and heads merge into one `EncodeRun`. No I/O here:
`vnb.render.smart` runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vnb.plan import Plan, VideoTrackPlan
    from vnb.plan.model import Piece
    from vnb.schema.export import ExportSettings

__all__ = ["EncodeRun", "SmartPlan", "SourceIndex", "Span", "describe", "smart_plan"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceIndex:
    """What smart render needs to know about one source's video stream (from its packets).

    Frame numbers are display order, 0 at the stream's first frame.
    """

    path: str
    codec: str
    width: int
    height: int
    pix_fmt: str | None
    rotation: int
    """Display rotation (metadata): copied packets would keep their coded orientation."""
    square: bool
    """Square pixels (or none declared): copied packets keep their sample aspect ratio."""
    rate: Fraction
    """Frames per second (the packets' constant spacing)."""
    cfr: bool
    """Every frame is exactly one frame duration after the previous one."""
    frames: int
    time_base: Fraction
    first_pts: int
    step: int
    """pts ticks per frame."""
    start: float
    """The container's start time in seconds (``-ss`` counts from it)."""
    extradata: bytes
    """The ``avcC`` record."""
    starts: tuple[int, ...]
    """Frames where a copy may start: IDR frames decoded after every earlier frame and before
    every later one."""
    delay: int
    """The most a packet's decode position runs ahead of its frame number (B-frame delay)."""
    ends: frozenset[int]
    """Frame counts ``e`` such that the first ``e`` packets in decode order are frames
    ``[0, e)``: a copy may end there."""

    def pts(self, frame: int) -> int:
        """The pts of a frame, in the stream's time base."""
        return self.first_pts + frame * self.step


@dataclass(frozen=True, slots=True)
class Span:
    """Source frames ``[first, end)`` of one file, shown one after another."""

    source: str
    first: int
    end: int

    @property
    def frames(self) -> int:
        """How many frames."""
        return self.end - self.first


@dataclass(frozen=True, slots=True)
class EncodeRun:
    """Spans re-encoded together: one x264 run starting with an IDR frame."""

    spans: tuple[Span, ...]

    @property
    def frames(self) -> int:
        """How many frames."""
        return sum(s.frames for s in self.spans)


@dataclass(frozen=True, slots=True)
class SmartPlan:
    """The output as copied spans and encoded runs, in order."""

    parts: tuple[Span | EncodeRun, ...]
    """A `Span` is copied packet for packet; an `EncodeRun` is re-encoded."""

    @property
    def copied(self) -> int:
        """Frames copied from sources."""
        return sum(p.frames for p in self.parts if isinstance(p, Span))

    @property
    def encoded(self) -> int:
        """Frames re-encoded."""
        return sum(p.frames for p in self.parts if isinstance(p, EncodeRun))


def _export_reason(plan: Plan, export: ExportSettings) -> str | None:
    """Why the export settings rule smart render out, or None."""
    checks = (
        (export.video_codec != "libx264", f"the output codec is {export.video_codec}, not H.264"),
        (export.container != "mp4", f"the container is {export.container}, not mp4"),
        (export.hardware != "none", f"hardware encoding ({export.hardware}) was asked for"),
        (export.pix_fmt != "yuv420p", f"the pixel format is {export.pix_fmt}"),
        (
            export.width not in (None, plan.width) or export.height not in (None, plan.height),
            "the output is resized",
        ),
        (
            export.fps is not None and Fraction(export.fps).limit_denominator(1001) != plan.fps,
            "the output frame rate differs from the project's",
        ),
    )
    return next((why for bad, why in checks if bad), None)


def _item_reason(item: Any, plan: Plan) -> str | None:
    """Why a clip's picture is not a plain copy of its source, or None."""
    p = item.placement
    checks = (
        (item.source is None, "is a colour clip"),
        (item.still, "is a still image"),
        (item.speed != 1, "changes speed"),
        (item.reverse, "plays backwards"),
        (bool(item.ramp), "ramps its speed"),
        (item.freeze, "is a freeze frame"),
        (item.opacity != 1, "has opacity"),
        (bool(item.effects), "has effects"),
        (bool(item.fade_in or item.fade_out), "fades"),
        (item.alpha, "has transparency"),
        (
            p.crop is not None
            or p.rotation != 0
            or (p.x, p.y, p.width, p.height) != (0, 0, plan.width, plan.height),
            "is cropped, moved, scaled or rotated",
        ),
        (item.source_fps != plan.fps, "has another frame rate than the project"),
    )
    return next((f"clip {item.clip_id!r} {why}" for bad, why in checks if bad), None)


def _source_reason(index: SourceIndex, plan: Plan) -> str | None:
    """Why a source's packets cannot be copied into the output, or None."""
    name = Path(index.path).name
    checks = (
        (index.codec != "h264", f"is {index.codec}, not H.264"),
        ((index.width, index.height) != (plan.width, plan.height), "has another size"),
        (index.pix_fmt != "yuv420p", f"is {index.pix_fmt}, not yuv420p"),
        (index.rotation != 0, f"is shown rotated by {index.rotation}° (display metadata)"),
        (not index.square, "has non-square pixels"),
        (index.rate != plan.fps or not index.cfr, "has another or a variable frame rate"),
        (len(index.extradata) < 7 or index.extradata[4] & 3 != 3, "has no 4-byte avcC"),
    )
    return next((f"source {name} {why}" for bad, why in checks if bad), None)


def _clip_parts(span: Span, index: SourceIndex) -> list[Span | EncodeRun]:
    """Split one clip's span into an encoded head, a copied middle and an encoded tail."""
    k0 = next((k for k in index.starts if k >= span.first), None)
    end = None
    if k0 is not None and k0 < span.end:
        end = next((e for e in range(span.end, k0, -1) if e in index.ends), None)
    if k0 is None or end is None:
        return [EncodeRun((span,))]
    parts: list[Span | EncodeRun] = []
    if k0 > span.first:
        parts.append(EncodeRun((Span(span.source, span.first, k0),)))
    parts.append(Span(span.source, k0, end))
    if end < span.end:
        parts.append(EncodeRun((Span(span.source, end, span.end),)))
    return parts


def smart_plan(
    plan: Plan, export: ExportSettings, indexes: dict[str, SourceIndex]
) -> SmartPlan | str:
    """Decide how to smart-render ``plan``: a `SmartPlan`, or the reason it cannot be.

    Pure: ``indexes`` maps each source path of the plan's picture to its `SourceIndex` (a
    missing one is a reason). Qualifies an edit whose only visible layer is one video track of
    plain clips (no transition, effect, transform, speed change, opacity, fade, title or gap)
    from H.264 sources matching the output, written as H.264 (libx264) MP4 in software.
    """
    reason = _export_reason(plan, export)
    if reason:
        return reason
    track = _only_track(plan)
    if isinstance(track, str):
        return track
    parts = _track_parts(track, indexes, plan)
    if isinstance(parts, str):
        return parts
    result = SmartPlan(tuple(_merge_runs(parts)))
    if result.copied == 0:
        return "no whole GOP of a source lies inside a clip (nothing to copy)"
    return result


def _only_track(plan: Plan) -> VideoTrackPlan | str:
    """The edit's one video track, or why the edit is not just one track of cuts."""
    from vnb.plan import TextTrackPlan, VideoTrackPlan  # noqa: PLC0415

    videos = [layer for layer in plan.layers if isinstance(layer, VideoTrackPlan)]
    texts = [lay for lay in plan.layers if isinstance(lay, TextTrackPlan) and lay.items]
    if texts:
        return "the edit has titles or subtitles"
    if len(videos) != 1:
        return "the edit has no video track" if not videos else "the edit stacks video tracks"
    if videos[0].transitions:
        return "the edit has transitions"
    return videos[0]


def _track_parts(
    track: VideoTrackPlan, indexes: dict[str, SourceIndex], plan: Plan
) -> list[Span | EncodeRun] | str:
    """The track's clips as copied spans and encoded runs, or why one of them cannot be."""
    parts: list[Span | EncodeRun] = []
    covered = 0
    for piece in track.pieces:
        if piece.kind != "clip" or piece.start != covered:
            return f"the edit has a {piece.kind} at frame {piece.start}"
        found = _piece_span(track, piece, indexes, plan)
        if isinstance(found, str):
            return found
        parts += _clip_parts(*found)
        covered = piece.end
    if covered != plan.frames:
        return "the picture ends before the sound"
    return parts


def _piece_span(
    track: VideoTrackPlan, piece: Piece, indexes: dict[str, SourceIndex], plan: Plan
) -> tuple[Span, SourceIndex] | str:
    """The source frames a clip piece shows and its source's index, or why it cannot be copied."""
    item = track.item(piece.item or "")
    reason = _item_reason(item, plan)
    if reason:
        return reason
    index = indexes.get(item.source or "")
    if index is None:
        return f"clip {item.clip_id!r}: its source was not indexed"
    reason = _source_reason(index, plan)
    if reason:
        return reason
    first = round(item.source_start * plan.fps)
    span = Span(index.path, first, first + piece.end - piece.start)
    if first < 0 or span.end > index.frames:
        return f"clip {item.clip_id!r} reaches past its source's frames"
    return span, index


def _merge_runs(parts: list[Span | EncodeRun]) -> list[Span | EncodeRun]:
    """Adjacent encoded runs become one run (one IDR, one x264 start)."""
    merged: list[Span | EncodeRun] = []
    for part in parts:
        if isinstance(part, EncodeRun) and merged and isinstance(merged[-1], EncodeRun):
            merged[-1] = EncodeRun(merged[-1].spans + part.spans)
        else:
            merged.append(part)
    return merged


def describe(smart: SmartPlan) -> str:
    """One line on what smart render did."""
    total = smart.copied + smart.encoded
    share = 100 * smart.copied / total if total else 0.0
    return (
        f"smart render: {smart.copied} of {total} frames copied from the sources "
        f"({share:.0f} %), {smart.encoded} re-encoded around the cuts"
    )
