"""Filter-graph values: inputs, chains of filters between labels, and their text form.

Filters hold raw option values; :mod:`vnb.ffmpeg.escape` escapes them when the graph is written
as text, so nothing else in vnb escapes anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vnb.ffmpeg.escape import escape_label, format_filter

__all__ = ["REQUIRED_FILTERS", "Chain", "Filter", "Graph", "Input"]

REQUIRED_FILTERS = (
    "acrossfade", "afade", "aformat", "amix", "anullsrc", "apad", "aresample", "asetpts",
    "asplit", "atempo", "atrim", "avgblur", "chromakey", "color", "colorchannelmixer", "concat",
    "crop", "fade", "format", "fps", "gblur", "hue", "loop", "lutyuv", "overlay", "pad",
    "palettegen", "paletteuse", "pan", "rotate", "scale", "setpts", "setsar", "split", "tpad",
    "trim", "unsharp", "vignette", "volume", "xfade",
)  # fmt: skip
"""Every filter vnb's render graphs use (the built-in effects' too): ``vnb doctor`` checks that
the ffmpeg it found has each, and a test builds graphs with every effect, transition, export
form and audio path and checks that they use no other."""

Filter = tuple[str, tuple[tuple[str, object], ...]]
"""A filter name and its options (raw values), hashable."""


def make_filter(name: str, options: Mapping[str, object] | None = None) -> Filter:
    """A `Filter` from a name and an options mapping."""
    return (name, tuple((options or {}).items()))


def filter_text(f: Filter) -> str:
    """One filter as graph text, options escaped."""
    name, options = f
    return format_filter(name, dict(options))


@dataclass(frozen=True, slots=True)
class Input:
    """A file ffmpeg reads, with the options that go before its ``-i``."""

    path: str
    options: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    """Demuxers allowed beyond the media allowlist (``concat`` for a list vnb wrote)."""

    def argv(self) -> list[str]:
        """``[*options, "-i", "file:PATH"]``: the file protocol only, allowlisted demuxers."""
        from vnb.schema.media import ALLOWED_FORMATS  # noqa: PLC0415 - one allowlist for all

        formats = ",".join((*ALLOWED_FORMATS, *self.formats))
        allow = ["-protocol_whitelist", "file", "-format_whitelist", formats]
        return [*allow, *self.options, "-i", "file:" + self.path]


def _label(label: str) -> str:
    if ":" in label:  # an input stream such as "3:v"; generated here, never user text
        index, kind = label.split(":", 1)
        if not index.isdigit() or kind not in ("v", "a"):
            msg = f"bad stream label {label!r}"
            raise ValueError(msg)
        return f"[{label}]"
    return f"[{escape_label(label)}]"


@dataclass(frozen=True, slots=True)
class Chain:
    """Filters applied in order, from input labels to output labels."""

    inputs: tuple[str, ...]
    filters: tuple[Filter, ...]
    outputs: tuple[str, ...]

    def text(self) -> str:
        """``[in]f1=…,f2=…[out]``."""
        body = ",".join(filter_text(f) for f in self.filters) or "null"
        return "".join(map(_label, self.inputs)) + body + "".join(map(_label, self.outputs))


@dataclass(frozen=True, slots=True)
class Graph:
    """A whole ``-filter_complex`` graph with its inputs and its output labels."""

    inputs: tuple[Input, ...]
    chains: tuple[Chain, ...]
    video: str | None
    """The label of the finished picture, or None for audio-only output."""
    audio: str | None
    """The label of the finished sound, or None for silent output."""

    def filter_complex(self) -> str:
        """The graph as ffmpeg reads it, one chain per line."""
        return ";\n".join(c.text() for c in self.chains)
