"""Layouts and animation presets: functions that lay clips out and set their keyframes.

Multi-camera layouts (`side_by_side`, `grid`, `picture_in_picture`) add one video track per
camera above the project's existing tracks and return the clips they made; they are ordinary
clips with a `Transform`, so they can be edited like any other.

Animation presets write keyframes (`Clip.animate`) and return the item they animated:
`ken_burns` pans and zooms a clip's picture from one region of its source to another;
`slide_in`, `pop` and `fade` bring a title or an overlay in. Each sets the keys of its own
paths only, so presets and hand-made keys on other paths compose.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any, Literal

from vnb.easing import Easing, spring
from vnb.errors import ProjectError
from vnb.plan.compile import place
from vnb.plan.timeline import clip_frames
from vnb.schema import Clip, Project, Title, Transform

__all__ = [
    "fade",
    "grid",
    "ken_burns",
    "picture_in_picture",
    "pop",
    "side_by_side",
    "slide_in",
]

Source = str | os.PathLike[str]


def _cell(
    project: Project, source: Source, box: tuple[float, float, float, float], **clip: Any
) -> Clip:
    """A clip filling the box ``(x, y, w, h)`` (fractions of the canvas), picture cropped to fit."""
    x, y, w, h = box
    track = project.add_track("video", f"camera {len(project.tracks) + 1}")
    info = project.probe(source)
    if info.video is None:
        msg = f"{source}: has no picture"
        raise ProjectError(msg)
    sw, sh = info.video.width, info.video.height
    if info.video.rotation % 180 == 90:
        sw, sh = sh, sw
    cell_w, cell_h = w * project.width, h * project.height
    # fill the cell: crop the source to the cell's aspect, then fit it (fit == fill there)
    src_aspect, cell_aspect = sw / sh, cell_w / cell_h
    crop = {}
    if src_aspect > cell_aspect:
        cut = (1 - cell_aspect / src_aspect) / 2
        crop = {"left": cut, "right": cut}
    elif src_aspect < cell_aspect:
        cut = (1 - src_aspect / cell_aspect) / 2
        crop = {"top": cut, "bottom": cut}
    fitted_w = min(project.width, project.height * cell_aspect)  # the cropped picture, fitted
    scale = cell_w / fitted_w
    transform = {
        "x": (x + w / 2 - 0.5) * project.width,
        "y": (y + h / 2 - 0.5) * project.height,
        "scale": scale,
        "crop": crop,
    }
    return track.add_clip(source, transform=transform, **clip)


def side_by_side(
    project: Project,
    left: Source,
    right: Source,
    *,
    start: float = 0.0,
    duration: float | None = None,
) -> list[Clip]:
    """Two cameras, each filling one half of the canvas."""
    common = {"start": start, "duration": duration}
    return [
        _cell(project, left, (0.0, 0.0, 0.5, 1.0), **common),
        _cell(project, right, (0.5, 0.0, 0.5, 1.0), **common),
    ]


def grid(
    project: Project,
    sources: Sequence[Source],
    *,
    start: float = 0.0,
    duration: float | None = None,
) -> list[Clip]:
    """Up to four cameras in a 2×2 grid (left to right, top to bottom)."""
    if not 1 <= len(sources) <= 4:
        msg = f"grid: 1 to 4 sources, not {len(sources)}"
        raise ProjectError(msg)
    boxes = [(0.0, 0.0), (0.5, 0.0), (0.0, 0.5), (0.5, 0.5)]
    return [
        _cell(project, s, (bx, by, 0.5, 0.5), start=start, duration=duration)
        for s, (bx, by) in zip(sources, boxes, strict=False)
    ]


def picture_in_picture(
    project: Project,
    main: Source,
    inset: Source,
    *,
    corner: Literal["top-left", "top-right", "bottom-left", "bottom-right"] = "bottom-right",
    size: float = 0.3,
    margin: float = 0.04,
    start: float = 0.0,
    duration: float | None = None,
) -> list[Clip]:
    """A main camera filling the canvas and an inset in a corner (``size`` of the width)."""
    if not 0.05 <= size <= 0.9:
        msg = f"picture_in_picture: size must be between 0.05 and 0.9, not {size}"
        raise ProjectError(msg)
    w = size
    h = size
    x = margin if "left" in corner else 1 - margin - w
    y = margin if corner.startswith("top") else 1 - margin - h
    base = _cell(project, main, (0.0, 0.0, 1.0, 1.0), start=start, duration=duration)
    top = _cell(project, inset, (x, y, w, h), start=start, duration=duration)
    return [base, top]


# -- animation presets -------------------------------------------------------------------

Rect = tuple[float, float, float, float]
"""A region ``(x, y, w, h)`` of a source picture: pixels, or fractions when all are <= 1."""
Item = Clip | Title
Side = Literal["left", "right", "top", "bottom"]
POP_SPRING = spring(stiffness=600, damping=25, mass=1)
"""`pop`'s easing: overshoots by about 15 % and settles within 0.4 s."""
POP_FROM = 0.01
"""`pop` starts at this fraction of the item's scale (a scale must stay above 0)."""


def _where(item: Item) -> str:
    return item._path()


def _project(item: Item) -> Project | None:
    """The project ``item`` belongs to (None when it is in none)."""
    node: Any = item._parent
    while node is not None and not isinstance(node, Project):
        node = node._parent
    return node


def _canvas(item: Item, canvas: tuple[int, int] | None) -> tuple[int, int]:
    if canvas is not None:
        return int(canvas[0]), int(canvas[1])
    project = _project(item)
    if project is None:
        msg = f"{_where(item)}: not in a project; add it to a track or give canvas=(w, h)"
        raise ProjectError(msg)
    return project.width, project.height


def _source_size(
    clip: Clip, canvas: tuple[int, int], source_size: tuple[int, int] | None
) -> tuple[int, int]:
    """The clip's picture size as displayed (rotation applied): given, probed or the canvas."""
    if source_size is not None:
        return int(source_size[0]), int(source_size[1])
    if clip.source is None:
        return canvas  # a colour clip is canvas-sized
    project = _project(clip)
    if project is None:
        msg = f"{_where(clip)}: not in a project; add it to a track or give source_size=(w, h)"
        raise ProjectError(msg)
    video = project.probe(clip.source).video
    if video is None:
        msg = f"{_where(clip)}: {clip.source} has no picture"
        raise ProjectError(msg)
    if video.rotation % 180 == 90:
        return video.height, video.width
    return video.width, video.height


def _rect(clip: Clip, name: str, rect: Rect, size: tuple[int, int]) -> Rect:
    """``rect`` in source pixels (fractions when all four values are <= 1)."""
    try:
        x, y, w, h = (float(v) for v in rect)
    except (TypeError, ValueError):
        msg = f"{_where(clip)}: ken_burns {name} must be (x, y, w, h), not {rect!r}"
        raise ProjectError(msg) from None
    if not all(math.isfinite(v) for v in (x, y, w, h)) or w <= 0 or h <= 0:
        msg = f"{_where(clip)}: ken_burns {name} {rect!r}: finite numbers, w and h above 0"
        raise ProjectError(msg)
    if max(abs(x), abs(y), w, h) <= 1:
        sw, sh = size
        return x * sw, y * sh, w * sw, h * sh
    return x, y, w, h


def _last_frame_time(clip: Clip) -> float:
    """Clip seconds of the clip's last frame (its duration when it is in no project)."""
    project = _project(clip)
    if project is None:
        return clip.duration
    first, end = clip_frames(clip, project.fps)
    return float(max(0, end - first - 1) / project.fps)


def ken_burns(
    clip: Clip,
    start: Rect,
    end: Rect,
    easing: Easing = "ease_in_out",
    canvas: tuple[int, int] | None = None,
    *,
    source_size: tuple[int, int] | None = None,
) -> Clip:
    """Pan and zoom from the region ``start`` of the clip's source to the region ``end``.

    A region is ``(x, y, w, h)`` of the source picture as displayed (rotation metadata
    applied, before the clip's crop): in source pixels, or in fractions of the source's width
    (``x``, ``w``) and height (``y``, ``h``) when all four values are at most 1. At the clip's
    first frame the ``start`` region fills the canvas, at its last frame the ``end`` region:
    like ``fit="fill"``, the region's centre sits on the canvas centre and the region is scaled
    until it covers the canvas, so a region of another shape than the canvas loses its excess
    evenly on its long side. In between, ``transform.scale``, ``transform.x`` and
    ``transform.y`` follow ``easing`` (a point the two regions share stays put).

    Sets ``transform.fit`` to ``"fill"`` and the keys of those three paths (other keys stay);
    works for stills and video. ``canvas`` and ``source_size`` default to the project's size
    and the probed source. Returns the clip.

    Example:
        ```python
        photo = p.add_track("video").add_clip("photo.jpg", duration=5)
        vnb.templates.ken_burns(photo, start=(0, 0, 1, 1), end=(0.5, 0.2, 0.4, 0.4))
        ```

    Raises:
        ProjectError: a region is malformed or empty, the clip is rotated, the zoom needs a
            scale beyond 20, or the clip is in no project and no sizes are given.
    """
    if clip.transform.rotation != 0 or "transform.rotation" in clip.animations:
        msg = f"{_where(clip)}: ken_burns needs an unrotated clip (transform.rotation 0)"
        raise ProjectError(msg)
    cw, ch = _canvas(clip, canvas)
    size = _source_size(clip, (cw, ch), source_size)
    crop = clip.transform.crop.model_copy()  # a copy: a model adopts what it is given
    fitted = place(size, Transform(crop=crop, fit="fill"), (cw, ch))
    x0, y0, w0, h0 = fitted.crop or (0, 0, *size)
    fx, fy = fitted.width / w0, fitted.height / h0  # canvas pixels per source pixel at scale 1
    keys: dict[str, dict[float, float]] = {f"transform.{k}": {} for k in ("scale", "x", "y")}
    for t, name, rect in ((0.0, "start", start), (_last_frame_time(clip), "end", end)):
        x, y, w, h = _rect(clip, name, rect, size)
        scale = max(cw / (fx * w), ch / (fy * h))
        keys["transform.scale"][t] = scale
        keys["transform.x"][t] = (x0 + w0 / 2 - (x + w / 2)) * fx * scale
        keys["transform.y"][t] = (y0 + h0 / 2 - (y + h / 2)) * fy * scale
    before = dict(clip.animations)
    try:
        for path, path_keys in keys.items():
            clip.animate(path, path_keys, easing=easing)
    except ProjectError:
        clip.animations = before
        raise
    clip.transform.fit = "fill"
    return clip


def _check_item(item: object, what: str) -> Item:
    if not isinstance(item, Clip | Title):
        msg = f"{what}: animates a Clip or a Title, not {type(item).__name__}"
        raise ProjectError(msg)
    return item


def _check_seconds(item: Item, what: str, **spans: float) -> None:
    """Refuse negative or non-finite spans and spans longer than the item together."""
    for name, value in spans.items():
        if not math.isfinite(value) or value < 0:
            msg = f"{_where(item)}: {what} {name} must be 0 or more seconds, not {value!r}"
            raise ProjectError(msg)
    if sum(spans.values()) > item.duration + 1e-9:
        said = " + ".join(f"{k} {v:g} s" for k, v in spans.items())
        msg = f"{_where(item)}: {what} {said} is longer than the item ({item.duration:g} s)"
        raise ProjectError(msg)


def _paths(item: Item) -> tuple[str, str, str]:
    """The item's x, y and scale paths."""
    if isinstance(item, Clip):
        return "transform.x", "transform.y", "transform.scale"
    return "x", "y", "scale"


def _half_extent(item: Item, canvas: tuple[int, int], vertical: bool) -> float:
    """Half the item's width (or height) on the canvas at its largest scale; 0 for titles."""
    if not isinstance(item, Clip):
        return 0.0
    size = _source_size(item, canvas, None)
    fitted = place(size, item.transform.model_copy(update={"scale": 1.0}), canvas)
    scales = [item.transform.scale] + [k.value for k in item.keyframes("transform.scale")]
    w, h = fitted.width * max(scales), fitted.height * max(scales)
    if item.transform.rotation != 0 or "transform.rotation" in item.animations:
        return math.hypot(w, h) / 2
    return (h if vertical else w) / 2


def slide_in(
    item: Item,
    from_: Side = "left",
    duration: float = 0.5,
    easing: Easing = "ease_out",
    *,
    distance: float | None = None,
) -> Item:
    """Slide a title or a clip in from a side of the canvas to its current place.

    Over its first ``duration`` seconds, the item's ``x`` (from ``"left"``/``"right"``) or
    ``y`` (from ``"top"``/``"bottom"``) goes from off-canvas — a clip's picture just outside
    the edge, a title one canvas width or height away — or from ``distance`` pixels away, to
    its current value. Replaces the keys of that path; other keys stay. Returns the item.

    Example:
        ```python
        vnb.templates.slide_in(p.add_title("Hello"), from_="bottom", duration=0.6)
        ```

    Raises:
        ProjectError: not a clip or title, an unknown side, a negative or too long duration.
    """
    item = _check_item(item, "slide_in")
    if from_ not in ("left", "right", "top", "bottom"):
        msg = f"{_where(item)}: slide_in from_ must be left, right, top or bottom, not {from_!r}"
        raise ProjectError(msg)
    _check_seconds(item, "slide_in", duration=duration)
    if duration == 0:
        msg = f"{_where(item)}: slide_in duration must be above 0 s"
        raise ProjectError(msg)
    vertical = from_ in ("top", "bottom")
    sign = -1.0 if from_ in ("left", "top") else 1.0
    path = _paths(item)[1 if vertical else 0]
    end = _static(item, path)
    if distance is not None:
        start = end + sign * float(distance)
    else:
        cw, ch = _canvas(item, None)
        side = ch if vertical else cw
        if isinstance(item, Title):
            start = end + sign * side
        else:
            start = sign * (side / 2 + _half_extent(item, (cw, ch), vertical))
    item.animate(path, {0.0: start, duration: end}, easing=easing)
    return item


def _static(item: Item, path: str) -> float:
    """The field value of ``path`` (what the item holds when not animated)."""
    where: Any = item
    *parents, name = path.split(".")
    for part in parents:
        where = getattr(where, part)
    return float(getattr(where, name))


def pop(item: Item, duration: float = 0.4, easing: Easing = POP_SPRING) -> Item:
    """Pop a title or a clip in: its scale grows from almost 0 to its own, with overshoot.

    Over the first ``duration`` seconds the scale goes from `POP_FROM` of its value to its
    value; the default easing is a spring (`POP_SPRING`) that overshoots and settles within
    0.4 s. Replaces the scale's keys; other keys stay. Returns the item.

    Raises:
        ProjectError: not a clip or title, a negative or too long duration.
    """
    item = _check_item(item, "pop")
    _check_seconds(item, "pop", duration=duration)
    if duration == 0:
        msg = f"{_where(item)}: pop duration must be above 0 s"
        raise ProjectError(msg)
    path = _paths(item)[2]
    scale = _static(item, path)
    item.animate(path, {0.0: scale * POP_FROM, duration: scale}, easing=easing)
    return item


def fade(
    item: Item, fade_in: float = 0.5, fade_out: float = 0.5, easing: Easing = "linear"
) -> Item:
    """Fade a title or a clip in and out with ``opacity`` keys (0 to its opacity and back).

    Unlike the ``fade_in``/``fade_out`` fields, keys compose with other animations (and
    fade only the picture, not the sound). A span of 0 leaves that end as it is; both 0
    remove nothing and add nothing. Replaces the opacity's keys. Returns the item.

    Raises:
        ProjectError: not a clip or title, a negative span, or spans longer than the item.
    """
    item = _check_item(item, "fade")
    _check_seconds(item, "fade", fade_in=fade_in, fade_out=fade_out)
    if fade_in == 0 and fade_out == 0:
        return item
    level = item.opacity
    keys: dict[float, float] = {}
    if fade_in > 0:
        keys |= {0.0: 0.0, fade_in: level}
    if fade_out > 0:
        keys |= {item.duration - fade_out: level, item.duration: 0.0}
    item.animate("opacity", keys, easing=easing)
    return item
