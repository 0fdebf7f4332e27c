"""Compose the frame shown at a timeline frame, in-process, with the render's semantics.

For frame ``k`` each layer contributes what the render graph shows there: the piece of the
track that holds ``k`` (a gap, a clip, or a transition between two clips), the source frame
the render's seek and ``fps`` filter pick (`source_frame_index`), the same filter chain
(`picture_filters`), the same ``overlay`` in 4:2:0, the same ``xfade`` and the same title
images — all run by PyAV's libavfilter on single frames.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import av
import numpy as np

from vnb.cache.memory import LRU
from vnb.effects.custom import apply_custom, chain_identity, clock, has_custom
from vnb.errors import ProjectError
from vnb.ffmpeg.chains import (
    clip_origin,
    hold_offset,
    picture_filters,
    resampled,
    seek_lead,
    text_filters,
    text_motion,
    text_motion_filters,
    text_origin,
)
from vnb.ffmpeg.filters import filter_frame, overlay, xfade
from vnb.ffmpeg.motion import motion_origin
from vnb.media.reader import reader_for, still_frame
from vnb.plan.compositing import base_layer, blend_of, piece_at, run_at
from vnb.plan.model import Piece, Plan, TextItem, TextTrackPlan, VideoItem, VideoTrackPlan
from vnb.schema.color import parse_color, to_ffmpeg_color

__all__ = ["shown_frame_index", "source_frame_index"]

_STILLS: LRU[str, av.VideoFrame] = LRU(
    64, max_weight=512 * 1024**2, weigh=lambda f: sum(p.buffer_size for p in f.planes)
)
"""Solid colours made into frames (most recently used kept, up to 512 MiB)."""
_LOCK = threading.Lock()
_DECODERS = ThreadPoolExecutor(4, thread_name_prefix="vnb-decode")
"""Decodes the sources of several layers side by side (PyAV lets go of the GIL meanwhile)."""


def source_frame_index(item: VideoItem, piece_start: int, k: int, fps: Fraction) -> int:
    """Index of the source frame the render shows at timeline frame ``k``.

    The render seeks to the piece's first source time less `seek_lead` source frames and keeps
    frames from the first at or after it; ``setpts`` makes their offsets from that frame
    (divided by the speed, less `hold_offset` for a resampled clip, truncated toward zero to
    whole ticks of the source's time base), and the ``fps`` filter shows at output frame ``j``
    the last frame whose offset, rounded to output frames (to the nearest, halves away from
    zero; up for a resampled clip), is at most ``j``. The same arithmetic is done here, with
    the same floating-point steps ffmpeg's expression evaluator takes.
    """
    assert item.source is not None  # noqa: S101
    reader = reader_for(item.source)
    src_fps = item.source_fps or fps
    t0 = item.source_time(piece_start, fps)
    first = reader.first_at_or_after(t0 - float(seek_lead(item, fps) / src_fps))
    j = k - piece_start
    scale = reader.time_base * fps
    origin = reader.pts[first]
    by_time = resampled(item, fps)
    tb = reader.time_base.numerator / reader.time_base.denominator  # ffmpeg's TB, a double
    shift = hold_offset(item, fps, t0) / tb if by_time else 0.0

    def slot(i: int) -> int:
        ticks = reader.pts[i] - origin
        if not by_time:  # PTS-STARTPTS; fps rounds to the nearest
            return math.floor(ticks * scale + Fraction(1, 2))
        # setpts: (PTS-STARTPTS)/speed - shift/TB, truncated toward zero; fps: round=up
        d = float(ticks) if item.speed == 1 else float(ticks) / item.speed
        return math.ceil(int(d - shift) * scale)

    lo, hi = first, len(reader.pts)  # the first index whose slot is > j
    while lo < hi:
        mid = (lo + hi) // 2
        if slot(mid) <= j:
            lo = mid + 1
        else:
            hi = mid
    return max(first, lo - 1)


def shown_frame_index(item: VideoItem, piece: tuple[int, int], k: int, fps: Fraction) -> int:
    """Index of the source frame the render shows at frame ``k`` of ``piece`` ``[k0, k1)``.

    Reversed and frozen clips included: the render cuts the forward piece that shows the same
    frames (`VideoItem.forward`) and plays it backwards or holds its frame, so the frame is
    the one that forward piece shows at the mirrored (or first) frame. A speed ramp's piece
    is cut segment by segment (`VideoItem.segments`): the frame is the one its segment shows.
    """
    (f0, _), m = item.forward(piece, k)
    seg = item.segment(m)  # the render cuts a speed ramp's segments one by one
    return source_frame_index(seg, max(f0, seg.start), m, fps)


def _solid(color: str, size: tuple[int, int], fmt: str) -> av.VideoFrame:
    with _LOCK:
        key = f"{color}|{size}|{fmt}"
        frame = _STILLS.get(key)
        if frame is None:
            r, g, b, a = parse_color(color)
            rgba = np.empty((size[1], size[0], 4), np.uint8)
            rgba[:] = (r, g, b, a)
            frame = av.VideoFrame.from_ndarray(rgba, format="rgba").reformat(format=fmt)
            _STILLS.put(key, frame)
        return frame


def _source_frame(item: VideoItem, piece: Piece, k: int, plan: Plan) -> av.VideoFrame:
    index = None
    if item.source is None:
        p = item.placement
        frame = _solid(item.color or "black", (p.width, p.height), "yuv420p")
    elif item.still:
        frame = still_frame(item.source)
    else:
        index = shown_frame_index(item, (piece.start, piece.end), k, plan.fps)
        frame = reader_for(item.source).frame(index)
    if has_custom(item):  # WASM and Python effects run first, on the source picture
        frame = apply_custom(item, frame, *clock(item, plan.fps, k, index))
    return frame


def _picture(item: VideoItem, piece: Piece, k: int, plan: Plan, *, alpha: bool) -> av.VideoFrame:
    """The placed picture of ``item`` at ``k`` (4:2:0, with alpha when ``alpha``)."""
    frame = _source_frame(item, piece, k, plan)
    bg = to_ffmpeg_color(plan.background)
    filters = picture_filters(item, (piece.start, piece.end), plan.fps, alpha=alpha, background=bg)
    return filter_frame(frame, filters, pts=k - piece.start, fps=plan.fps)


def _on_canvas(item: VideoItem, piece: Piece, k: int, plan: Plan, *, base: bool) -> av.VideoFrame:
    """The clip on a canvas-sized frame: over the background, or over transparency.

    As `vnb.plan.compositing.Blend.on_canvas` says (padding and overlaying on a frame of the
    fill are the same here: one ``overlay`` at the clip's origin).
    """
    size = (plan.width, plan.height)
    blend = blend_of(item)
    picture = _picture(item, piece, k, plan, alpha=blend.picture_alpha(base=base))
    if blend.on_canvas(base=base) == "itself":
        return picture
    under = (
        _solid(plan.background, size, "yuv420p") if base else _solid("#00000000", size, "yuva420p")
    )
    fmt = "yuv420" if base else "auto"
    return overlay(under, picture, *_origin(item, plan.fps), fmt=fmt, pts=k, fps=plan.fps)


def _origin(item: VideoItem, fps: Fraction) -> tuple[object, object]:
    """Where the clip's picture goes: pixels, or the render's formulas of the timeline frame."""
    if item.motion is None:
        return clip_origin(item)
    return motion_origin(item.motion, fps=fps, offset=-item.start)


def _track_picture(
    track: VideoTrackPlan, piece: Piece, k: int, plan: Plan, *, base: bool
) -> av.VideoFrame:
    assert piece.item is not None  # noqa: S101 - clip and cross pieces name their items
    a = _on_canvas(track.item(piece.item), piece, k, plan, base=base)
    if piece.kind == "clip":
        return a
    assert piece.other is not None and piece.transition is not None  # noqa: S101
    b = _on_canvas(track.item(piece.other), piece, k, plan, base=base)
    return xfade(a, b, piece.transition, k - piece.start, piece.end - piece.start, alpha=not base)


def _text(item: TextItem, k: int, plan: Plan) -> tuple[av.VideoFrame, object, object]:
    from vnb.text import rasterize_text, text_style  # noqa: PLC0415

    try:
        rgba = rasterize_text(item.text, text_style(item, plan.width))
    except ValueError as exc:  # too large to draw: name it, as the render does
        msg = f"title or subtitle {item.id!r}: {exc}"
        raise ProjectError(msg) from exc
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgba), format="rgba")
    size, canvas = (rgba.shape[1], rgba.shape[0]), (plan.width, plan.height)
    try:
        motion = text_motion(item, size, canvas)
    except ValueError as exc:
        raise ProjectError(str(exc)) from exc
    if motion is not None:
        filters = text_motion_filters(item, motion, plan.fps)
        frame = filter_frame(frame, filters, pts=k - item.start, fps=plan.fps)
        return frame, *motion_origin(motion, fps=plan.fps, offset=-item.start)
    frame = filter_frame(frame, text_filters(item, plan.fps), pts=k - item.start, fps=plan.fps)
    x, y = text_origin(item.position, item.margin, size, canvas)
    return frame, x, y


def _decode_ahead(plan: Plan, k: int) -> None:
    """Decode, in parallel, the source frames of the layers visible at ``k``.

    Each source has its own decoder (`reader_for`), which keeps the frame it decoded last; the
    layers are then composed one after another from those frames. Only distinct sources are
    decoded side by side (one decoder cannot be), and only when there are several.
    """
    wanted: dict[str, int] = {}
    for layer in plan.layers:
        if isinstance(layer, TextTrackPlan):
            continue
        piece = piece_at(layer.pieces, k)
        if piece is None or piece.kind == "gap":
            continue
        for clip_id in (piece.item, piece.other):
            item = layer.item(clip_id) if clip_id is not None else None
            if item is not None and item.source is not None and not item.still:
                index = shown_frame_index(item, (piece.start, piece.end), k, plan.fps)
                wanted.setdefault(item.source, index)
    if len(wanted) < 2:
        return
    jobs = [_DECODERS.submit(reader_for(src).frame, index) for src, index in wanted.items()]
    for job in jobs:
        job.exception()  # errors surface again, with their context, when the layer is composed


def compose_frame(plan: Plan, k: int) -> av.VideoFrame:
    """The composed frame ``k`` of ``plan`` as a 4:2:0 `av.VideoFrame` (the render's format)."""
    _decode_ahead(plan, k)
    canvas = _solid(plan.background, (plan.width, plan.height), "yuv420p")
    base = base_layer(plan)
    for layer in plan.layers:
        if isinstance(layer, TextTrackPlan):
            for text in layer.items:
                if text.start <= k < text.end:
                    canvas = overlay(canvas, *_text(text, k, plan), pts=k, fps=plan.fps)
            continue
        piece = piece_at(layer.pieces, k)
        if piece is None or piece.kind == "gap":
            continue
        if layer is base:
            canvas = _track_picture(layer, piece, k, plan, base=True)
        elif _alone(layer, k) and piece.item is not None:
            clip = layer.item(piece.item)
            picture = _picture(clip, piece, k, plan, alpha=blend_of(clip).alpha)
            canvas = overlay(canvas, picture, *_origin(clip, plan.fps), pts=k, fps=plan.fps)
        else:
            canvas = overlay(canvas, _track_picture(layer, piece, k, plan, base=False), 0, 0)
    return canvas


def _alone(track: VideoTrackPlan, k: int) -> bool:
    """The piece at ``k`` is a clip the render overlays by itself (`vnb.plan.compositing.Run`)."""
    run = run_at(track, k)
    return run is not None and run.alone


def compose(plan: Plan, k: int) -> np.ndarray:
    """The composed frame ``k`` of ``plan`` (H×W×3 uint8 RGB at the project's size)."""
    return compose_frame(plan, k).to_ndarray(format="rgb24")


def frame_key_parts(plan: Plan, k: int) -> tuple[object, ...]:
    """What frame ``k`` depends on, for its cache key: only the layers visible at ``k``."""
    from vnb.cache import source_identity  # noqa: PLC0415

    parts: list[object] = [plan.width, plan.height, plan.fps, plan.background]
    for layer in plan.layers:
        if isinstance(layer, TextTrackPlan):
            parts += [(t, k - t.start) for t in layer.items if t.start <= k < t.end]
            continue
        piece = piece_at(layer.pieces, k)
        if piece is None or piece.kind == "gap":
            continue
        items = [layer.item(i) for i in (piece.item, piece.other) if i is not None]
        ids: list[tuple[object, ...]] = [
            source_identity(i.source) for i in items if i.source is not None
        ]
        ids += [chain_identity(i) for i in items if has_custom(i)]  # plugin hashes
        parts.append(
            (layer.index, piece, k - piece.start, tuple(items), tuple(ids), _alone(layer, k))
        )
    return tuple(parts)
