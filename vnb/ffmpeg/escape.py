r"""Escaping of values for ffmpeg filter graphs — the only place in vnb that does it.

vnb never puts user text (titles, subtitles) into a filter graph; those are rasterised with
Pillow. What does go into graphs — numbers, expressions, colours, the odd file name — goes
through :func:`format_filter` / :func:`filter_arg`, which apply ffmpeg's two parsing levels in
reverse:

1. **Option value** (``av_get_token`` with terminator ``:`` inside a filter's option list):
   :func:`escape_option_value` backslash-escapes ``\ ' : =``. ``=`` is escaped too because a
   positional value containing ``=`` would otherwise be read as ``key=value`` (including the
   ffmpeg ≥ 7 ``/key=FILE`` form that loads an option value from a file).
2. **Filter graph** (``av_get_token`` with terminators ``[ ] , ;`` over the whole description):
   :func:`escape_graph` backslash-escapes ``\ ' [ ] , ;``.

Both levels strip unescaped leading and trailing whitespace (space, tab, CR, LF), so both
escape whitespace at the ends of the value. The result is the same whether the graph is given
with ``-vf``, ``-filter_complex`` or read from a script file (``-/filter_complex FILE``); the
tests check all three against the real binary.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Real

__all__ = [
    "format_options",
]

_WHITESPACE = " \t\r\n"  # FFmpeg's WHITESPACES in libavutil/avstring.c
_OPTION_SPECIAL = frozenset("\\':=")
_GRAPH_SPECIAL = frozenset("\\'[],;")
_NAME_RE = re.compile(r"[a-z0-9_]+")
_KEY_RE = re.compile(r"[A-Za-z0-9_]+")
_LABEL_RE = re.compile(r"[A-Za-z0-9_]+")


def _escape(text: str, special: frozenset[str]) -> str:
    if "\x00" in text:
        msg = "a filter graph value cannot contain a NUL character"
        raise ValueError(msg)
    n = len(text)
    lead = n - len(text.lstrip(_WHITESPACE))
    trail = len(text.rstrip(_WHITESPACE))
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in special or (ch in _WHITESPACE and (i < lead or i >= trail)):
            out.append("\\")
        out.append(ch)
    return "".join(out)


def escape_option_value(value: str) -> str:
    r"""Escape a value for the first level: one option value inside a filter's option list.

    Args:
        value: The literal value the filter should receive.

    Returns:
        ``value`` with ``\``, ``'``, ``:``, ``=`` and leading/trailing whitespace
        backslash-escaped.

    Raises:
        ValueError: If ``value`` contains a NUL character.
    """
    return _escape(value, _OPTION_SPECIAL)


def escape_graph(text: str) -> str:
    r"""Escape text for the second level: the filter graph description parser.

    Args:
        text: A filter's option string (already escaped with :func:`escape_option_value`).

    Returns:
        ``text`` with ``\``, ``'``, ``[``, ``]``, ``,``, ``;`` and leading/trailing whitespace
        backslash-escaped.

    Raises:
        ValueError: If ``text`` contains a NUL character.
    """
    return _escape(text, _GRAPH_SPECIAL)


def _format_float(value: float) -> str:
    if not math.isfinite(value):
        msg = f"a filter argument must be a finite number, got {value!r}"
        raise ValueError(msg)
    # repr gives the shortest round-tripping digits; Decimal's "f" format drops the exponent.
    return format(Decimal(repr(float(value))), "f")


def filter_arg(value: object) -> str:
    """Format one value as it must appear after ``key=`` in a filter description.

    Args:
        value: ``bool`` (``"1"``/``"0"``), an integer or :class:`~fractions.Fraction`
            (``str``), a float or other real number (plain decimal notation, never an
            exponent), a :class:`~decimal.Decimal`, or a string (escaped for both levels).

    Returns:
        The text to splice into the filter description.

    Raises:
        ValueError: For NaN or infinite numbers, and strings containing NUL.
        TypeError: For any other type.
    """
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            msg = f"a filter argument must be a finite number, got {value!r}"
            raise ValueError(msg)
        return format(value, "f")
    if isinstance(value, Real):
        return _format_float(float(value))
    if isinstance(value, str):
        return escape_graph(escape_option_value(value))
    msg = f"cannot use a {type(value).__name__} as a filter argument"
    raise TypeError(msg)


def _check_name(name: str, what: str, pattern: re.Pattern[str] = _NAME_RE) -> str:
    if not isinstance(name, str) or not pattern.fullmatch(name):
        msg = f"invalid {what} {name!r}: must match ^{pattern.pattern}$"
        raise ValueError(msg)
    return name


def format_filter(name: str, args: Mapping[str, object] | Sequence[object] = ()) -> str:
    """Build one filter description, ``name=k1=v1:k2=v2`` or ``name=v1:v2``.

    Args:
        name: Filter name; must match ``^[a-z0-9_]+$``.
        args: Named options (a mapping; keys must match ``^[A-Za-z0-9_]+$``) or positional
            values (a sequence). Every value goes through :func:`filter_arg`.

    Returns:
        The filter description, safe to join into a graph with ``,`` and ``;``.

    Raises:
        ValueError: For an invalid name or key, or a value :func:`filter_arg` rejects.
        TypeError: If ``args`` is a string or a value has an unsupported type.
    """
    _check_name(name, "filter name")
    if isinstance(args, str | bytes):
        msg = "filter args must be a mapping or a sequence of values, not a string"
        raise TypeError(msg)
    if isinstance(args, Mapping):
        parts = [
            f"{_check_name(k, 'option name', _KEY_RE)}={filter_arg(v)}" for k, v in args.items()
        ]
    else:
        parts = [filter_arg(v) for v in args]
    return f"{name}={':'.join(parts)}" if parts else name


def escape_label(label: str) -> str:
    """Validate a link label (the text between ``[`` and ``]``) and return it unchanged.

    Args:
        label: A label vnb generated, e.g. ``v0`` or ``title_3``.

    Returns:
        ``label`` itself (without brackets).

    Raises:
        ValueError: If ``label`` is empty or has characters other than ``[A-Za-z0-9_]``.
    """
    if not isinstance(label, str) or not _LABEL_RE.fullmatch(label):
        msg = f"invalid link label {label!r}: only [A-Za-z0-9_] allowed"
        raise ValueError(msg)
    return label


def format_options(args: Mapping[str, object]) -> str:
    """Options for one filter as PyAV's ``Graph.add(name, args)`` takes them: ``k1=v1:k2=v2``.

    Only the option level is escaped: PyAV hands the string to the filter itself, not to the
    filter-graph parser.
    """
    parts = []
    for k, v in args.items():
        value = escape_option_value(v) if isinstance(v, str) else filter_arg(v)
        parts.append(f"{_check_name(k, 'option name', _KEY_RE)}={value}")
    return ":".join(parts)
