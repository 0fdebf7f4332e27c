"""Text for titles and subtitles, rasterised with Pillow and never put into a filter graph.

:func:`rasterize_text` turns text and a :class:`TextStyle` into an RGBA image that the render
overlays as an ffmpeg input and the preview overlays in process; :func:`load_subtitles` reads
SRT, ASS/SSA and WebVTT files into plain-text :class:`Cue` objects; :func:`find_font` resolves
font names and files.
"""

from __future__ import annotations

from vnb.text.fonts import find_font
from vnb.text.raster import TextStyle, rasterize_text, text_style
from vnb.text.subtitles import Cue, load_subtitles

__all__ = [
    "Cue",
    "TextStyle",
    "find_font",
    "load_subtitles",
    "rasterize_text",
    "text_style",
]
