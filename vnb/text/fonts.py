"""Font lookup for rasterised text: the shipped DejaVu fonts, font files, or fontconfig."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

from vnb.errors import FileAccessError, ProjectError
from vnb.fileio import check_regular_file

__all__ = [
    "check_font",
    "find_font",
    "font_in_folder",
    "looks_like_font_file",
]

SHIPPED_FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
"""Folder of the fonts vnb ships (DejaVu Sans regular and bold)."""

_DEFAULT_NAMES = frozenset({"dejavu sans", "dejavusans", "sans", "sans-serif", "sans serif"})
_FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
_FC_TIMEOUT = 5.0


def _shipped(bold: bool) -> Path:
    return SHIPPED_FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")


def _key(family: str) -> str:
    return "".join(family.split()).casefold()


def _fc_escape(name: str) -> str:
    # fontconfig pattern syntax: '-' starts the size, ':' the properties, ',' separates families.
    return "".join("\\" + ch if ch in "\\-:," else ch for ch in name)


def _fc_match(name: str, bold: bool) -> Path | None:
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    pattern = _fc_escape(name) + (":weight=bold" if bold else "")
    try:
        proc = subprocess.run(
            [exe, "--format=%{file}\n%{family}", "--", pattern],
            capture_output=True,
            timeout=_FC_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    found, _, families = proc.stdout.decode(errors="replace").partition("\n")
    # fontconfig substitutes its default for unknown families; prefer the shipped font then,
    # so an unknown name renders the same on every machine.
    if _key(name) not in {_key(f) for f in families.split(",")}:
        return None
    path = Path(found.strip())
    return path if path.is_file() and path.suffix.lower() in _FONT_SUFFIXES else None


@functools.lru_cache(maxsize=128)
def find_font(font: str | None = None, *, bold: bool = False) -> Path:
    """Resolve a font name or file to a font file Pillow can open.

    Args:
        font: ``None`` or ``"DejaVu Sans"``/``"sans"``/``"sans-serif"`` for the font vnb ships;
            a path to a ``.ttf``/``.otf``/``.ttc`` file; or a family name, which is looked up
            with fontconfig (``fc-match``) when available. Families fontconfig does not
            have (it would substitute another), and systems without fontconfig, fall back
            to the shipped font.
        bold: Ask for the bold face.

    Returns:
        The font file path.

    Raises:
        ProjectError: If ``font`` names a font file that does not exist.
    """
    if font is None or font.strip().lower() in _DEFAULT_NAMES:
        return _shipped(bold)
    path = Path(font).expanduser()
    if looks_like_font_file(font):
        try:
            check_regular_file(path, what="font file")
        except FileAccessError as err:
            msg = f"font file {font!r} not found" if not os.path.lexists(path) else str(err)
            raise ProjectError(msg) from None
        return path.resolve()
    return _fc_match(font, bold) or _shipped(bold)


def looks_like_font_file(font: str) -> bool:
    """Whether ``font`` names a file (a font suffix or a path separator), not a family."""
    return Path(font).suffix.lower() in _FONT_SUFFIXES or "/" in font or "\\" in font


def font_in_folder(font: str | None, folder: str | os.PathLike[str]) -> str | None:
    """A font as a project names it, with a relative font *file* made absolute in ``folder``.

    Family names (``"DejaVu Serif"``), None and absolute or ``~`` paths are returned as they
    are. Pure: the file system is not touched.
    """
    if font is None or not looks_like_font_file(font) or font.startswith("~"):
        return font
    return font if Path(font).is_absolute() else str(Path(folder) / font)


@functools.lru_cache(maxsize=128)
def check_font(font: str | None, *, bold: bool = False) -> Path:
    """Resolve ``font`` (see `find_font`) and check Pillow can open it as a font.

    Raises:
        ProjectError: the file is missing, not a regular file, or not a font (the message
            names the font).
    """
    from PIL import ImageFont  # noqa: PLC0415 - Pillow on use

    path = find_font(font, bold=bold)
    try:
        ImageFont.truetype(str(path), 12)
    except (OSError, ValueError) as exc:
        msg = f"font file {font!r} is not a font Pillow can open ({exc})"
        raise ProjectError(msg) from None
    return path
