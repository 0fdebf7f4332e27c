"""Rasterise titles and subtitles with Pillow into straight-alpha RGBA images.

The render overlays these images as an ffmpeg input and the preview overlays them in process,
so both show the same pixels and no user text ever enters a filter graph.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from PIL import Image, ImageColor, ImageDraw, ImageFont

from vnb.cache.memory import LRU
from vnb.errors import ArgumentError, ProjectError
from vnb.text.fonts import find_font

if TYPE_CHECKING:
    from vnb.plan import TextItem

__all__ = ["TextStyle", "rasterize_text", "text_style"]

MAX_TEXT_CHARS = 10_000
"""Longest text :func:`rasterize_text` accepts."""

MIN_SIZE, MAX_SIZE = 4, 1000
_MAX_SIDE = 32_768
_MAX_PIXELS = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class TextStyle:
    r"""How text is drawn. Hashable, so rendered images can be cached by (text, style).

    Attributes:
        font: Font family or font file, resolved with :func:`vnb.text.fonts.find_font`;
            ``None`` is the shipped DejaVu Sans.
        size: Font size in pixels (4..1000).
        color: Text colour: a CSS name or ``#rgb``/``#rrggbb``/``#rrggbbaa``.
        bold: Use the bold face.
        align: Horizontal alignment of the lines within the text block.
        box: Draw a filled box behind the text.
        box_color: Colour of the box.
        box_padding: Box margin around the text in pixels.
        outline: Outline (stroke) width in pixels; 0 for none.
        outline_color: Colour of the outline.
        line_spacing: Distance between baselines as a multiple of ``size``.
        max_width: Wrap words so that no line of the text block is wider than this many
            pixels (box padding not included); ``None`` wraps only at ``\n``.
    """

    font: str | None = None
    size: int = 48
    color: str = "white"
    bold: bool = False
    align: Literal["left", "center", "right"] = "center"
    box: bool = False
    box_color: str = "#000000a0"
    box_padding: int = 12
    outline: int = 0
    outline_color: str = "black"
    line_spacing: float = 1.2
    max_width: int | None = None


def _rgba(color: str, what: str) -> tuple[int, int, int, int]:
    try:
        rgb = ImageColor.getrgb(color)
    except (ValueError, AttributeError, TypeError) as exc:
        msg = f"invalid {what} {color!r}"
        raise ArgumentError(msg) from exc
    if len(rgb) == 3:
        return (*rgb, 255)
    return rgb


def _check(text: str, style: TextStyle) -> None:
    if len(text) > MAX_TEXT_CHARS:
        msg = f"text is {len(text)} characters long; at most {MAX_TEXT_CHARS} are allowed"
        raise ArgumentError(msg)
    if not MIN_SIZE <= style.size <= MAX_SIZE:
        msg = f"font size must be in {MIN_SIZE}..{MAX_SIZE}, got {style.size}"
        raise ArgumentError(msg)
    if style.align not in ("left", "center", "right"):
        msg = f"align must be 'left', 'center' or 'right', got {style.align!r}"
        raise ArgumentError(msg)
    if style.outline < 0 or style.box_padding < 0:
        msg = "outline and box_padding must be >= 0"
        raise ArgumentError(msg)
    if not (math.isfinite(style.line_spacing) and style.line_spacing > 0):
        msg = f"line_spacing must be > 0, got {style.line_spacing}"
        raise ArgumentError(msg)
    if style.max_width is not None and style.max_width < 1:
        msg = f"max_width must be >= 1, got {style.max_width}"
        raise ArgumentError(msg)


@functools.lru_cache(maxsize=32)
def _load_font(font: str | None, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    path = find_font(font, bold=bold)
    try:
        return ImageFont.truetype(str(path), size)
    except (OSError, ValueError) as exc:
        msg = f"font file {font!r} is not a font Pillow can open ({exc})"
        raise ProjectError(msg) from None


def _break_word(word: str, fits: Callable[[str], bool]) -> list[str]:
    pieces: list[str] = []
    current = ""
    for ch in word:
        if current and not fits(current + ch):
            pieces.append(current)
            current = ch
        else:
            current += ch
    pieces.append(current)
    return pieces


def _wrap(line: str, font: ImageFont.FreeTypeFont, limit: float) -> list[str]:
    def fits(s: str) -> bool:
        return font.getlength(s) <= limit

    if fits(line):
        return [line]
    out: list[str] = []
    current: str | None = None
    for word in line.split(" "):
        candidate = word if current is None else f"{current} {word}"
        if fits(candidate):
            current = candidate
            continue
        if current is not None:
            out.append(current)
        pieces = [word] if fits(word) else _break_word(word, fits)
        out.extend(pieces[:-1])
        current = pieces[-1]
    if current is not None:
        out.append(current)
    return out


def _layout(text: str, style: TextStyle, font: ImageFont.FreeTypeFont) -> list[str]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if style.max_width is None:
        return lines
    limit = style.max_width - 2 * style.outline
    return [part for line in lines for part in _wrap(line, font, limit)]


def _render(text: str, style: TextStyle) -> np.ndarray:
    color = _rgba(style.color, "color")
    outline_color = _rgba(style.outline_color, "outline_color")
    box_color = _rgba(style.box_color, "box_color")
    font = _load_font(style.font, style.bold, style.size)
    lines = _layout(text, style, font)
    ascent, descent = font.getmetrics()
    pitch = style.size * style.line_spacing
    stroke = style.outline
    widths = [font.getlength(line) for line in lines]
    block_w = max(widths)

    # Pen positions (left end of the baseline) in block coordinates, then the union of the
    # metric box and the ink boxes, so nothing is clipped and baselines stay font-defined.
    pens: list[tuple[float, float]] = []
    left, top = float(-stroke), float(-stroke)
    right, bottom = block_w + stroke, ascent + descent + (len(lines) - 1) * pitch + stroke
    for i, (line, width) in enumerate(zip(lines, widths, strict=True)):
        shift = {"left": 0.0, "center": (block_w - width) / 2, "right": block_w - width}
        x, y = shift[style.align], ascent + i * pitch
        pens.append((x, y))
        if line:
            x0, y0, x1, y1 = font.getbbox(line, anchor="ls", stroke_width=stroke)
            left, top = min(left, x + x0), min(top, y + y0)
            right, bottom = max(right, x + x1), max(bottom, y + y1)
    pad = style.box_padding if style.box else 0
    ox, oy = pad - math.floor(left), pad - math.floor(top)
    width = max(1, math.ceil(right) - math.floor(left) + 2 * pad)
    height = max(1, math.ceil(bottom) - math.floor(top) + 2 * pad)
    if max(width, height) > _MAX_SIDE or width * height > _MAX_PIXELS:
        msg = f"text image would be {width}×{height} pixels; reduce the size or the text"
        raise ArgumentError(msg)

    def mask(with_stroke: bool) -> Image.Image:
        m = Image.new("L", (width, height), 0)
        draw = ImageDraw.Draw(m)
        sw = stroke if with_stroke else 0
        for line, (x, y) in zip(lines, pens, strict=True):
            if line:
                draw.text((ox + x, oy + y), line, fill=255, font=font, anchor="ls",
                          stroke_width=sw, stroke_fill=255)  # fmt: skip
        return m

    def layer(rgba: tuple[int, int, int, int], alpha: Image.Image) -> Image.Image:
        solid = Image.new("RGBA", (width, height), (*rgba[:3], 0))
        if rgba[3] != 255:
            alpha = alpha.point(lambda v: (v * rgba[3] + 127) // 255)
        solid.putalpha(alpha)
        return solid

    canvas = Image.new("RGBA", (width, height), box_color if style.box else (0, 0, 0, 0))
    if stroke > 0:
        canvas = Image.alpha_composite(canvas, layer(outline_color, mask(True)))
    canvas = Image.alpha_composite(canvas, layer(color, mask(False)))
    return np.asarray(canvas, dtype=np.uint8)


CACHE_BYTES = 256 * 1024 * 1024
"""Rasterised images kept for reuse, in bytes (the least recently used go first)."""

_CACHE: LRU[tuple[str, TextStyle], np.ndarray] = LRU(
    4096, max_weight=CACHE_BYTES, weigh=lambda a: a.nbytes
)


def _cached(text: str, style: TextStyle) -> np.ndarray:
    """The image of ``text``, from the cache when it is there.

    At most `CACHE_BYTES` of images are kept: a count (128) kept large titles whole, gigabytes.
    """
    key = (text, style)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    if not text:
        out = np.zeros((1, 1, 4), dtype=np.uint8)
    else:
        out = np.array(_render(text, style), dtype=np.uint8, copy=True)
    out.setflags(write=False)
    _CACHE.max_weight = CACHE_BYTES  # read at each use: a test (or a user) may lower it
    _CACHE.put(key, out)
    return out


def rasterize_text(text: str, style: TextStyle) -> np.ndarray:
    r"""Draw text into a tight RGBA image.

    Lines break at ``\n`` (and at word boundaries when ``style.max_width`` is set). Characters
    the font lacks are drawn as its missing-glyph box; emoji draw monochrome or as that box.
    The image spans the font's ascent to descent of every line plus any ink beyond, and the
    box padding when ``style.box`` is set.

    Args:
        text: Any Unicode text, at most 10,000 characters.
        style: How to draw it.

    Returns:
        A read-only ``H×W×4`` ``uint8`` array with straight (not premultiplied) alpha; the
        same text and style always give an identical array (results are cached). Empty text
        gives a 1×1 fully transparent image.

    Raises:
        ValueError: If the text is too long, the size is outside 4..1000, a colour or other
            style field is invalid, or the image would be unreasonably large.
        ProjectError: If ``style.font`` names a font file that does not exist.
    """
    _check(text, style)
    return _cached(text, style)


def text_style(item: TextItem, canvas_width: int) -> TextStyle:
    """The raster style of a title or cue (shared by render and preview)."""
    return TextStyle(
        font=item.font,
        size=item.size,
        color=item.color,
        bold=item.bold,
        box=item.box,
        box_color=item.box_color,
        outline=item.outline,
        outline_color=item.outline_color,
        max_width=max(16, canvas_width - 2 * item.margin),
    )
