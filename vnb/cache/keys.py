"""Cache keys derived from content: what a cached value depends on, hashed canonically."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path, PurePath
from typing import Any

__all__ = ["make_key", "source_identity"]

_KEY_VERSION = b"vnb.cache.key/1\x00"


def make_key(*parts: object) -> str:
    """Return the key of a value that depends on ``parts``: a SHA-256 hex digest.

    The encoding is canonical and the same in every process and every run: no ``hash()``,
    no ``id()``, no ``repr`` of floats. Types are part of it, so ``1``, ``1.0``, ``True`` and
    ``"1"`` give different keys, and so do a tuple and a list.

    Args:
        *parts: Values of these types, nested freely: ``str``, ``int``, ``float``, ``bool``,
            ``None``, ``bytes``, ``bytearray``, ``Fraction``, paths, tuples, lists, dicts
            (their order does not matter) and frozen dataclasses (their fields by name, and
            the class's qualified name).

    Returns:
        64 hexadecimal characters.

    Raises:
        TypeError: A part (or something inside one) is of another type.
    """
    digest = hashlib.sha256(_KEY_VERSION)
    digest.update(_encode(parts))
    return digest.hexdigest()


def _encode(value: object) -> bytes:
    """Return the canonical, self-delimiting encoding of ``value`` (see :func:`make_key`)."""
    if value is None:
        return b"N"
    for kind, encode in _ENCODERS:  # bool before int: True is an int too
        if isinstance(value, kind):
            return encode(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _encode_dataclass(value)
    msg = f"cannot make a cache key of a {type(value).__qualname__}: {value!r:.80}"
    raise TypeError(msg)


def _encode_str(value: str) -> bytes:
    data = value.encode("utf-8", "surrogatepass")
    return b"s%d:" % len(data) + data


def _encode_sequence(value: tuple[object, ...] | list[object]) -> bytes:
    tag = b"t" if isinstance(value, tuple) else b"l"
    return tag + b"%d[" % len(value) + b"".join(_encode(v) for v in value) + b"]"


def _encode_dict(value: dict[object, object]) -> bytes:
    items = sorted((_encode(k), _encode(v)) for k, v in value.items())
    return b"d%d{" % len(items) + b"".join(k + v for k, v in items) + b"}"


def _encode_dataclass(value: Any) -> bytes:
    params = getattr(type(value), "__dataclass_params__", None)
    if params is None or not params.frozen:
        msg = f"cannot make a cache key of a mutable dataclass: {type(value).__qualname__}"
        raise TypeError(msg)
    cls = type(value)
    fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return b"D" + _encode(f"{cls.__module__}.{cls.__qualname__}") + _encode(fields)


_ENCODERS: tuple[tuple[type | tuple[type, ...], Callable[[Any], bytes]], ...] = (
    (bool, lambda v: b"T" if v else b"F"),
    (int, lambda v: b"i%d;" % v),
    (float, lambda v: b"f" + float(v).hex().encode() + b";"),
    (str, _encode_str),
    ((bytes, bytearray), lambda v: b"b%d:" % len(v) + bytes(v)),
    (Fraction, lambda v: b"q%d/%d;" % (v.numerator, v.denominator)),
    (PurePath, lambda v: b"p" + _encode(str(v))),
    ((tuple, list), _encode_sequence),
    (dict, _encode_dict),
)
"""How each kind of value is encoded, tried in order (a subclass encodes as its base)."""


def source_identity(path: str | os.PathLike[str]) -> tuple[str, int, int]:
    """Return how a media file appears in keys: ``(absolute path, size, mtime_ns)``.

    Rewriting or touching the file changes its identity, so what was cached from it misses.

    Args:
        path: The file, absolute or relative to the current folder.

    Raises:
        MediaNotFoundError: The file does not exist or cannot be examined.
    """
    resolved = Path(path).expanduser().resolve()
    try:
        st = resolved.stat()
    except OSError as err:
        from vnb.errors import MediaNotFoundError  # noqa: PLC0415

        msg = f"{path}: cannot examine the file ({err.strerror or err})"
        raise MediaNotFoundError(msg) from err
    return (str(resolved), st.st_size, st.st_mtime_ns)
