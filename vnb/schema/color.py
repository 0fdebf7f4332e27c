"""Colours: CSS names and ``#rgb``/``#rrggbb``/``#rrggbbaa``, understood in one place."""

from __future__ import annotations

from functools import lru_cache

from PIL import ImageColor

__all__ = ["parse_color", "to_ffmpeg_color"]


@lru_cache(maxsize=256)
def parse_color(value: str) -> tuple[int, int, int, int]:
    """Return ``(r, g, b, a)`` in 0..255 for a colour name or hex string.

    Raises:
        ValueError: not a colour.
    """
    if not isinstance(value, str) or len(value) > 64 or not value.strip():
        msg = f"not a colour: {value!r}"
        raise ValueError(msg)
    try:
        rgba = ImageColor.getcolor(value.strip(), "RGBA")
    except ValueError:
        msg = f"not a colour: {value!r} (use a name like 'black' or '#rrggbb')"
        raise ValueError(msg) from None
    assert isinstance(rgba, tuple)  # noqa: S101 - getcolor with "RGBA" always returns a 4-tuple
    return (rgba[0], rgba[1], rgba[2], rgba[3])


def to_ffmpeg_color(value: str) -> str:
    """Return the colour as ffmpeg writes it: ``0xRRGGBB`` or ``0xRRGGBB@alpha``."""
    r, g, b, a = parse_color(value)
    text = f"0x{r:02X}{g:02X}{b:02X}"
    return text if a == 255 else f"{text}@{a / 255:.4f}"
