"""Multi-camera layouts: functions that lay clips out on tracks (side by side, grid, PiP).

Each adds one video track per camera above the project's existing tracks and returns the clips
it made; they are ordinary clips with a `Transform`, so they can be edited like any other.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Literal

from vnb.errors import ProjectError
from vnb.schema import Clip, Project

__all__ = ["grid", "picture_in_picture", "side_by_side"]

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
