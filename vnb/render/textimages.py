"""The render's text images: each title cut to what shows, long runs of cues as one strip.

A title is rasterised (`rasterize_text`, the preview's pixels) and only its part on the canvas
is written, so ffmpeg never holds a picture larger than the canvas. The fade-free items of a
text track that follow one another (subtitle cues) are not one input each — 20,000 cues were
20,000 ``-i`` arguments, too many for one command line — but one *strip*: a box-sized picture
per cue, pasted where the cue shows, listed with its timing in an ``ffconcat`` file that
ffmpeg reads as a single input (one picture decoded at a time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vnb.errors import ProjectError
from vnb.ffmpeg.chains import TEXT_PIXEL_BUDGET, TextImage, visible_text

if TYPE_CHECKING:
    from vnb.plan import Plan, TextItem

__all__ = ["text_images"]

STRIP_MIN = 8
"""Fade-free items of a track that follow one another become one strip from this many on."""


def _runs(items: tuple[TextItem, ...]) -> tuple[list[TextItem], list[list[TextItem]]]:
    """Items shown on their own, and runs of fade-free items that never overlap in time."""
    runs: list[list[TextItem]] = []
    alone: list[TextItem] = []
    for item in sorted(items, key=lambda t: (t.start, t.end)):
        if item.fade_in or item.fade_out or item.animation:
            alone.append(item)
            continue
        run = next((r for r in runs if r[-1].end <= item.start), None)
        if run is None:
            runs.append([item])
        else:
            run.append(item)
    for run in [r for r in runs if len(r) < STRIP_MIN]:
        alone += run
    return alone, [r for r in runs if len(r) >= STRIP_MIN]


def _micro(frame: int, plan: Plan) -> int:
    return round(frame * 1_000_000 * plan.fps.denominator / plan.fps.numerator)


def _strip(
    folder: Path,
    name: str,
    run: list[TextItem],
    shown: dict[str, tuple[np.ndarray, tuple[int, int]]],
    plan: Plan,
) -> TextImage:
    """Write the pictures and the ``ffconcat`` list of one run; its `TextImage`."""
    from PIL import Image  # noqa: PLC0415 - Pillow on use

    x0 = min(shown[t.id][1][0] for t in run)
    y0 = min(shown[t.id][1][1] for t in run)
    x1 = max(shown[t.id][1][0] + shown[t.id][0].shape[1] for t in run)
    y1 = max(shown[t.id][1][1] + shown[t.id][0].shape[0] for t in run)
    w, h = x1 - x0 + (x1 - x0) % 2, y1 - y0 + (y1 - y0) % 2
    files: dict[tuple[Any, ...], str] = {}

    def picture(key: tuple[Any, ...], draw: Callable[[np.ndarray], None]) -> str:
        if key not in files:
            box = np.zeros((h, w, 4), dtype=np.uint8)
            draw(box)
            files[key] = f"{name}_{len(files)}.png"
            Image.fromarray(box).save(folder / files[key])
        return files[key]

    def paste(item: TextItem) -> Callable[[np.ndarray], None]:
        rgba, (x, y) = shown[item.id]

        def draw(box: np.ndarray) -> None:
            box[y - y0 : y - y0 + rgba.shape[0], x - x0 : x - x0 + rgba.shape[1]] = rgba

        return draw

    blank = picture(("blank",), lambda _box: None)
    entries: list[tuple[str, int]] = []  # (file, first frame)
    at = 0
    for t in run:
        if t.start > at:
            entries.append((blank, at))
        key = (replace(t, id="", start=0, end=0), shown[t.id][1])  # same look, same place
        entries.append((picture(key, paste(t)), t.start))
        at = t.end
    entries.append((blank, at))
    lines = ["ffconcat version 1.0"]
    ends = [first for _, first in entries[1:]] + [at + 1]
    for (file, first), end in zip(entries, ends, strict=True):
        us = _micro(end, plan) - _micro(first, plan)  # whole microseconds: no drift
        lines += [f"file {file}", f"option framerate {plan.fps}", f"duration {us}us"]
    listing = folder / f"{name}.ffconcat"
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return TextImage(str(listing), w, h, (x0, y0), strip=True)


def text_images(
    plan: Plan, folder: Path, style: Callable[[TextItem, int], Any]
) -> dict[str, TextImage]:
    """Rasterise every title and cue of ``plan`` into ``folder``: its `TextImage` by item id.

    Args:
        plan: the compiled project.
        folder: where the pictures (and strip lists) go.
        style: the raster style of an item on a canvas of the given width.

    Raises:
        ProjectError: a text cannot be rasterised (named), or the pictures ffmpeg would hold
            cover more than `TEXT_PIXEL_BUDGET` pixels.
    """
    from PIL import Image  # noqa: PLC0415 - Pillow on use

    from vnb.plan import TextTrackPlan  # noqa: PLC0415
    from vnb.text.raster import rasterize_text  # noqa: PLC0415

    out: dict[str, TextImage] = {}
    canvas, total = (plan.width, plan.height), 0

    def count(pixels: int, item: TextItem) -> None:
        nonlocal total
        total += pixels
        if total > TEXT_PIXEL_BUDGET:
            msg = (
                f"title or subtitle {item.id!r}: the text images of this project would cover "
                f"more than {TEXT_PIXEL_BUDGET:,} pixels (the limit of one render); use fewer "
                "or smaller titles"
            )
            raise ProjectError(msg)

    for layer in plan.layers:
        if not isinstance(layer, TextTrackPlan):
            continue
        shown: dict[str, tuple[np.ndarray, tuple[int, int]]] = {}
        moving: dict[str, np.ndarray] = {}
        for item in layer.items:
            try:
                rgba = rasterize_text(item.text, style(item, plan.width))
            except ValueError as exc:
                msg = f"title or subtitle {item.id!r} (text track {layer.index}): {exc}"
                raise ProjectError(msg) from exc
            size = (rgba.shape[1], rgba.shape[0])
            if item.animation:  # a moving title: the whole image, placed per frame
                moving[item.id] = np.ascontiguousarray(rgba)
                continue
            (x0, y0, x1, y1), at = visible_text(item.position, item.margin, size, canvas)
            shown[item.id] = (np.ascontiguousarray(rgba[y0:y1, x0:x1]), at)
        alone, runs = _runs(layer.items)
        for n, item in enumerate(alone):
            rgba, at = shown.get(item.id) or (moving[item.id], None)  # type: ignore[assignment]
            count(rgba.shape[0] * rgba.shape[1], item)
            path = folder / f"text{layer.index}_{n}.png"
            Image.fromarray(rgba).save(path)  # H×W×4 uint8 is RGBA
            out[item.id] = TextImage(str(path), rgba.shape[1], rgba.shape[0], at)
        for n, run in enumerate(runs):
            strip = _strip(folder, f"strip{layer.index}_{n}", run, shown, plan)
            count(strip.width * strip.height, run[0])
            out |= dict.fromkeys((t.id for t in run), strip)
    return out
