"""The filter chains the render graph and the preview share: one definition of each.

A clip's picture (`picture_filters`), its fades, a title's image (`text_filters`), and where
pictures sit on the canvas (`clip_origin`, `text_origin`). The render puts these chains in its
graph; the preview runs them with PyAV's libavfilter on single frames — so the two agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from vnb.ffmpeg.graph import Filter, make_filter
from vnb.ffmpeg.motion import motion_filters
from vnb.ffmpeg.params import effect_chain
from vnb.plan.model import TextItem, VideoItem
from vnb.plan.motion import Motion, motion_of

__all__ = [
    "TEXT_PIXEL_BUDGET",
    "TextImage",
    "clip_origin",
    "hold_offset",
    "picture_filters",
    "resampled",
    "rotated_box",
    "seek_lead",
    "text_filters",
    "text_motion",
    "text_motion_filters",
    "text_origin",
    "visible_text",
]


GUARD = Fraction(1, 4)
"""Input seeks start this fraction of a source frame early, so that a frame whose timestamp
was rounded down by its container is still the first one kept."""

HOLD_TOLERANCE = 0.001
"""Seconds: a resampled clip's source frame that starts this little after an output instant is
taken as holding it (container timestamps are rounded, e.g. to milliseconds)."""


def resampled(item: VideoItem, fps: Fraction) -> bool:
    """Whether frames are picked by time rather than one for one.

    So it is when the source's frame rate is not the timeline's, or the clip plays faster or
    slower.
    """
    return item.speed != 1 or (item.source_fps is not None and item.source_fps != fps)


def seek_lead(item: VideoItem, fps: Fraction) -> Fraction:
    """How many source frames before the wanted time an input seek starts.

    One frame more for a resampled clip: the frame shown at the piece's first instant is the
    one that *holds* it, which may start up to a frame before it.
    """
    return GUARD + 1 if resampled(item, fps) else GUARD


def hold_offset(item: VideoItem, fps: Fraction, t0: float) -> float:
    """Seconds from the first source frame a resampled piece's seek keeps to its start ``t0``.

    On the output clock (so divided by the speed), plus `HOLD_TOLERANCE`.

    The render subtracts it in ``setpts`` and the ``fps`` filter rounds up (``round=up``,
    ``start_time=0``), so output frame ``j`` shows the last source frame that starts at or
    before the instant ``j``; the preview does the same arithmetic. The first kept frame is
    placed on the source's nominal frame grid (frame ``i`` at ``i / source_fps``).
    """
    src = item.source_fps or fps
    ss = max(0.0, t0 - float(seek_lead(item, fps) / src))
    first = max(0, math.ceil(ss * src - Fraction(1, 1_000_000)))
    return (t0 - float(first / src)) / item.speed + HOLD_TOLERANCE


def resample_setpts(item: VideoItem, fps: Fraction, t0: float) -> str:
    """The ``setpts`` expression of a clip's piece that starts at source time ``t0``."""
    base = "PTS-STARTPTS" if item.speed == 1 else f"(PTS-STARTPTS)/{item.speed!r}"
    if not resampled(item, fps):
        return base
    return f"{base}-{hold_offset(item, fps, t0)!r}/TB"


@dataclass(frozen=True, slots=True)
class TextImage:
    """A rasterised title: the PNG the render overlays, and its size."""

    path: str
    width: int
    height: int
    at: tuple[int, int] | None = None
    """Top-left on the canvas when the image is only the part of the title that shows
    (`visible_text`); None: place the whole image with `text_origin`."""
    strip: bool = False
    """``path`` is an ``ffconcat`` list of box-sized pictures, each shown at its item's
    frames (nothing between): one input for a whole run of cues (`vnb.render.textimages`)."""


TEXT_PIXEL_BUDGET = 160_000_000
"""Pixels of title and subtitle images (as shown on the canvas) one render may hold: about
77 full 1080p canvases. ffmpeg keeps one decoded copy of each, 2.5 bytes a pixel."""


def visible_text(
    position: str, margin: int, size: tuple[int, int], canvas: tuple[int, int]
) -> tuple[tuple[int, int, int, int], tuple[int, int]]:
    """The part of a text image that falls on the canvas, and where that part goes.

    Returns ``((x0, y0, x1, y1), (x, y))``: the box to keep, in image pixels (even offsets,
    so 4:2:0 chroma lines up as for the whole image), and its top-left on the canvas. An
    image entirely off the canvas keeps a 2×2 corner. The pixels shown are those the whole
    image shows (the preview overlays the whole image; the canvas clips it).
    """
    w, h = size
    cw, ch = canvas
    x, y = text_origin(position, margin, size, canvas)
    x0, y0 = min(max(0, -x), max(0, w - 2)), min(max(0, -y), max(0, h - 2))
    x0, y0 = x0 - x0 % 2, y0 - y0 % 2
    x1, y1 = max(x0 + 1, min(w, cw - x)), max(y0 + 1, min(h, ch - y))
    return (x0, y0, x1, y1), (x + x0, y + y0)


def text_origin(
    position: str, margin: int, size: tuple[int, int], canvas: tuple[int, int]
) -> tuple[int, int]:
    """Top-left of a text image of ``size`` placed at ``position`` on ``canvas``."""
    w, h = size
    cw, ch = canvas
    x = (cw - w) // 2
    y = (ch - h) // 2
    if "left" in position:
        x = margin
    if "right" in position:
        x = cw - w - margin
    if position.startswith("top"):
        y = margin
    if position.startswith("bottom"):
        y = ch - h - margin
    return _even(x), _even(y)


def _even(x: int) -> int:
    """Overlay and pad put 4:2:0 pictures at even positions: say so, so the preview agrees."""
    return x - (x % 2)


def clip_origin(item: VideoItem) -> tuple[int, int]:
    """Top-left (even) of a clip's placed, possibly rotated, picture on the canvas."""
    p = item.placement
    if not p.rotation:
        return _even(p.x), _even(p.y)
    rw, rh = rotated_box(p.width, p.height, p.rotation)
    return _even(p.x + (p.width - rw) // 2), _even(p.y + (p.height - rh) // 2)


def rotated_box(width: int, height: int, degrees: float) -> tuple[int, int]:
    """Even size of the box that holds a ``width``×``height`` picture rotated by ``degrees``."""
    a = math.radians(degrees)
    w = abs(width * math.cos(a)) + abs(height * math.sin(a))
    h = abs(width * math.sin(a)) + abs(height * math.cos(a))
    return 2 * math.ceil(w / 2 - 1e-6), 2 * math.ceil(h / 2 - 1e-6)


def fitted_size(src: tuple[int, int], out: tuple[int, int], *, cover: bool) -> tuple[int, int]:
    """Even size of ``src`` scaled to fit inside ``out`` (or, ``cover``, to fill it)."""
    (sw, sh), (w, h) = src, out
    if (w * sh <= h * sw) != cover:  # the width decides
        x = sh * w / sw
        return w, (2 * math.ceil(x / 2) if cover else min(h, max(2, 2 * round(x / 2))))
    x = sw * h / sh
    return (2 * math.ceil(x / 2) if cover else min(w, max(2, 2 * round(x / 2)))), h


def seconds(x: float | Fraction) -> str:
    """Seconds as ffmpeg options take them (microsecond precision)."""
    return f"{float(x):.6f}"


def placing_filters(item: VideoItem) -> list[Filter]:
    """Crop and scale a source picture to the clip's placed size (the start of its chain)."""
    p = item.placement
    if item.source is None:
        return []
    filters: list[Filter] = []
    if p.crop is not None:
        cx, cy, cw, ch = p.crop
        filters.append(make_filter("crop", {"w": cw, "h": ch, "x": cx, "y": cy}))
    return [*filters, make_filter("scale", {"w": p.width, "h": p.height})]


def picture_filters(
    item: VideoItem,
    piece: tuple[int, int],
    fps: Fraction,
    *,
    alpha: bool,
    background: str,
    placed: bool = False,
) -> list[Filter]:
    """The filters that turn a clip's source picture into its placed picture.

    Crop, scale to the placed size, pixel format (with alpha when it will be blended), the
    clip's effects, opacity, rotation and fades — the one definition used by the render graph
    and, frame by frame, by the preview. Frames entering the chain are stamped with their
    index in ``piece`` (time base ``1/fps``), which is what the time-based fades read.

    Args:
        item: the clip.
        piece: the frames ``[k0, k1)`` of the clip this chain makes.
        fps: the project's frame rate.
        alpha: make 4:2:0 with alpha (for blending) rather than plain 4:2:0; fades then fade
            to transparency, otherwise to ``background``.
        background: ffmpeg colour of the canvas (rotation corners and fades of opaque pictures).
        placed: the frames were already cropped and scaled (`placing_filters`): the render
            does that once for all the cuts of an input rather than once per cut.
    """
    p = item.placement
    filters = [] if placed else placing_filters(item)
    filters += [
        make_filter("format", {"pix_fmts": "yuva420p" if alpha else "yuv420p"}),
        make_filter("setsar", {"sar": 1}),
    ]
    filters += effect_chain(item, fps=fps, offset=piece[0] - item.start, length=piece[1] - piece[0])
    if alpha and item.opacity < 1:
        filters.append(make_filter("lutyuv", {"a": f"val*{item.opacity!r}"}))
    if p.rotation:
        rw, rh = rotated_box(p.width, p.height, p.rotation)
        fill = "none" if alpha else background
        rotate = {"a": math.radians(p.rotation), "ow": rw, "oh": rh, "c": fill}
        filters.append(make_filter("rotate", rotate))
    if item.motion is not None:
        offset, frames = piece[0] - item.start, piece[1] - piece[0]
        filters += motion_filters(item.motion, fps=fps, offset=offset, frames=frames)
    return filters + fade_filters(item, piece, fps, alpha=alpha, background=background)


def text_filters(item: TextItem, fps: Fraction) -> list[Filter]:
    """The filters a title's image goes through before it is overlaid (render and preview)."""
    filters = [make_filter("format", {"pix_fmts": "yuva420p"})]
    n = item.end - item.start
    if item.fade_in:
        fade = {"t": "in", "st": 0, "d": seconds(item.fade_in / fps), "alpha": 1}
        filters.append(make_filter("fade", fade))
    if item.fade_out:
        start = seconds((n - item.fade_out) / fps)
        fade = {"t": "out", "st": start, "d": seconds(item.fade_out / fps), "alpha": 1}
        filters.append(make_filter("fade", fade))
    return filters


def text_motion(item: TextItem, size: tuple[int, int], canvas: tuple[int, int]) -> Motion | None:
    """How a title with offsets, a scale, an opacity or keys moves (None: it stands still).

    Its image (of ``size``, padded to even by `text_motion_filters`) is placed where
    ``position`` puts it, then offset by ``x``, ``y``.

    Raises:
        ValueError: the animated image would be too large (named).
    """
    if not item.animation:
        return None
    w, h = size[0] + size[0] % 2, size[1] + size[1] % 2
    x, y = text_origin(item.position, item.margin, (w, h), canvas)
    values = dict(item.animation) | {"rotation": 0.0}
    where = f"title or subtitle {item.id!r}"
    motion, _ = motion_of(values, base=(w, h), centre=(x + w / 2, y + h / 2), canvas=canvas,
                          where=where)  # fmt: skip
    return motion


def text_motion_filters(item: TextItem, motion: Motion, fps: Fraction) -> list[Filter]:
    """A title's fades, then its motion: at the preview's timeline frame ``at`` or per frame."""
    even = make_filter("pad", {"w": "ceil(iw/2)*2", "h": "ceil(ih/2)*2", "color": "black@0"})
    moving = motion_filters(motion, fps=fps, frames=item.end - item.start)
    return [*text_filters(item, fps), even, *moving]


def fade_filters(
    item: VideoItem, piece: tuple[int, int], fps: Fraction, *, alpha: bool, background: str
) -> list[Filter]:
    """Time-based ``fade`` filters for the part ``piece`` of a clip (empty when none applies).

    Time-based (``st``/``d``) rather than frame-counted, so the preview, which runs the chain
    on one frame at a time, gets the same factor from the frame's timestamp.
    """
    k0, k1 = piece
    out = []
    colour: dict[str, object] = {"alpha": 1} if alpha else {"c": background}
    if item.fade_in and k0 == item.start:
        out.append(
            make_filter("fade", {"t": "in", "st": 0, "d": seconds(item.fade_in / fps), **colour})
        )
    if item.fade_out and k1 == item.end:
        start = seconds((k1 - k0 - item.fade_out) / fps)
        out.append(
            make_filter(
                "fade", {"t": "out", "st": start, "d": seconds(item.fade_out / fps), **colour}
            )
        )
    return out
