"""Subtitle files (SRT, ASS/SSA, WebVTT) read into plain-text cues with pysubs2.

Styling is dropped on purpose: cues are rasterised with a vnb :class:`~vnb.text.TextStyle`
like titles, so the preview and the render draw them identically.
"""

from __future__ import annotations

import html
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pysubs2
from pysubs2.formats import autodetect_format

from vnb.errors import FileAccessError, ProjectError
from vnb.fileio import read_regular_file

__all__ = ["Cue", "load_subtitles"]

_FORMATS = {"srt": "srt", "ass": "ass", "ssa": "ssa", "vtt": "vtt", "webvtt": "vtt"}
_EXTENSIONS = {".srt": "srt", ".ass": "ass", ".ssa": "ssa", ".vtt": "vtt"}
_MAX_BYTES = 64 * 1024 * 1024

_OVERRIDE = re.compile(r"\{[^}]*\}")
_DRAWING = re.compile(r"\\p(\d+)")
_SRT_TAG = re.compile(r"</?(?:i|b|u|s|font)(?:\s[^<>]*)?>", re.IGNORECASE)
_VTT_TAG = re.compile(r"<[^<>\n]*>")
_VTT_BLANKS = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True, slots=True)
class Cue:
    r"""One subtitle: plain text shown from ``start`` to ``end``.

    Attributes:
        start: Start time in seconds.
        end: End time in seconds (> ``start``).
        text: Plain text; lines separated by ``\n``, no markup.
    """

    start: float
    end: float
    text: str


def _ass_plain(text: str) -> str:
    r"""Drop override blocks and drawings; turn ``\N``/``\n`` into newlines, ``\h`` to NBSP."""
    out: list[str] = []
    drawing = False
    pos = 0
    for match in _OVERRIDE.finditer(text):
        if not drawing:
            out.append(text[pos : match.start()])
        for level in _DRAWING.findall(match.group()):
            drawing = int(level) > 0
        pos = match.end()
    if not drawing:
        out.append(text[pos:])
    plain = "".join(out)
    return plain.replace("\\h", "\u00a0").replace("\\N", "\n").replace("\\n", "\n")


def _clean_vtt(text: str) -> str:
    """Keep only the cue blocks of a WebVTT file, without identifiers, NOTE/STYLE/REGION blocks.

    pysubs2 reads WebVTT with its SRT parser, which would glue a following cue identifier or
    NOTE block onto the previous cue's text.
    """
    blocks = _VTT_BLANKS.split(text.replace("\r\n", "\n").replace("\r", "\n"))
    cues: list[str] = []
    for block in blocks:
        lines = block.strip("\n").split("\n")
        timing = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing is not None:
            cues.append("\n".join(lines[timing:]))
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"


def _plain(event: pysubs2.SSAEvent, fmt: str) -> str:
    text = _ass_plain(event.text)
    if fmt == "srt":
        text = _SRT_TAG.sub("", text)
    elif fmt == "vtt":
        text = html.unescape(_VTT_TAG.sub("", text))
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def _parse(text: str, fmt: str | None, file: str | None) -> list[Cue]:
    if fmt is None:
        try:
            detected = autodetect_format(text)
        except Exception as exc:
            msg = f"not a subtitle file vnb can read (SRT, ASS/SSA, WebVTT): {exc}"
            raise ProjectError(msg, file=file) from exc
        fmt = _FORMATS.get(str(detected))
        if fmt is None:
            msg = f"unsupported subtitle format {detected!r}; use SRT, ASS/SSA or WebVTT"
            raise ProjectError(msg, file=file)
    blank = not text.strip()
    if fmt == "vtt":
        if not blank and not text.lstrip("\ufeff").startswith("WEBVTT"):
            msg = "a WebVTT file must start with 'WEBVTT'"
            raise ProjectError(msg, file=file)
        blank = "-->" not in text
        text = _clean_vtt(text)
    try:
        with warnings.catch_warnings():  # pysubs2 warns about fields it replaces by defaults
            warnings.simplefilter("ignore", RuntimeWarning)
            subs = pysubs2.SSAFile.from_string(text, format_=fmt)
    except Exception as exc:
        msg = f"cannot parse {fmt.upper()} subtitles: {exc}"
        raise ProjectError(msg, file=file) from exc
    if not subs.events and not blank:
        msg = f"no subtitle cues found in {fmt.upper()} text (malformed file?)"
        raise ProjectError(msg, file=file)
    cues = []
    for event in subs.events:
        if event.is_comment or event.end <= event.start:
            continue
        plain = _plain(event, fmt)
        if plain:
            cues.append(Cue(event.start / 1000, event.end / 1000, plain))
    cues.sort(key=lambda c: (c.start, c.end))
    return cues


def parse_subtitles(text: str, format: str = "srt") -> list[Cue]:
    """Parse subtitle text into plain-text cues.

    Args:
        text: The subtitle document.
        format: ``"srt"``, ``"ass"``, ``"ssa"``, ``"vtt"`` (or ``"webvtt"``).

    Returns:
        Cues sorted by start then end time; comments, drawings, empty and zero-length cues
        are dropped.

    Raises:
        ProjectError: For an unknown format, or text that cannot be parsed or has no cues.
    """
    fmt = _FORMATS.get(format.lower())
    if fmt is None:
        msg = f"unknown subtitle format {format!r}; use one of {sorted(_FORMATS)}"
        raise ProjectError(msg)
    return _parse(text, fmt, None)


def _decode(data: bytes, file: str) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    msg = "subtitle file is neither UTF-8 nor Windows-1252 text"
    raise ProjectError(msg, file=file)


def load_subtitles(path: str | os.PathLike[str]) -> list[Cue]:
    """Read an SRT, ASS/SSA or WebVTT file into plain-text cues.

    The format comes from the extension (``.srt``, ``.ass``, ``.ssa``, ``.vtt``), else from
    the content. Text is read as UTF-8 (with or without BOM), falling back to Windows-1252.

    Args:
        path: The subtitle file.

    Returns:
        Cues sorted by start then end time, as :func:`parse_subtitles` returns them.

    Raises:
        ProjectError: Naming the file and the reason, if it cannot be read or parsed.
    """
    p = Path(path)
    name = str(p)
    try:
        data = read_regular_file(p, max_bytes=_MAX_BYTES, what="subtitle file")
    except FileAccessError as exc:
        msg = f"subtitle file: {exc.reason}"
        raise ProjectError(msg, file=name) from None
    return _parse(_decode(data, name), _EXTENSIONS.get(p.suffix.lower()), name)
