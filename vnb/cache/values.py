"""Values of the cache: arrays (raw bytes behind a JSON header) and JSON text; never pickle."""

from __future__ import annotations

import io
import json
import logging
import struct
from typing import TYPE_CHECKING, Any

import vnb.cache as _cache

if TYPE_CHECKING:
    import numpy as np

__all__ = ["get_array", "get_json", "put_array", "put_json"]

_log = logging.getLogger("vnb.cache")

_ARRAY_MAGIC = b"VNBA\x01"
_ARRAY_HEAD = struct.Struct("<5sI")  # magic, length of the JSON header that follows
_MAX_HEADER = 1 << 20


def put_array(key: str, array: np.ndarray) -> None:
    """Store an array under ``key``: raw bytes behind a header of dtype and shape, no pickle.

    An array larger than the cache's bound is not stored. Storage errors are logged, not
    raised.

    Args:
        key: Usually from :func:`make_key`.
        array: Any array without Python objects in it (structured dtypes are fine).

    Raises:
        TypeError: The array holds Python objects (``dtype=object``) or is not an array.
    """
    import numpy as np  # noqa: PLC0415
    from numpy.lib.format import dtype_to_descr  # noqa: PLC0415

    if not isinstance(array, np.ndarray):
        msg = f"put_array takes a numpy array, not {type(array).__qualname__}"
        raise TypeError(msg)
    if array.dtype.hasobject:
        msg = f"cannot cache an array of Python objects (dtype {array.dtype})"
        raise TypeError(msg)
    contiguous = array if array.flags.c_contiguous else array.copy(order="C")
    header = json.dumps(
        {"descr": dtype_to_descr(contiguous.dtype), "shape": list(contiguous.shape)},
        separators=(",", ":"),
    ).encode()
    raw = contiguous.reshape(-1).view(np.uint8).data if contiguous.size else b""
    data = b"".join((_ARRAY_HEAD.pack(_ARRAY_MAGIC, len(header)), header, raw))
    _put(key, data)


def get_array(key: str) -> np.ndarray | None:
    """Return the array stored under ``key`` (a fresh, writable copy), or None.

    An entry that is not a well-formed array (short, corrupt, or of another kind) is deleted
    and counted as a miss.
    """
    cache = _cache.store()
    try:
        value = cache.get(key, read=True)
    except Exception as err:
        _cache._failed(cache, "read", err)
        return None
    if value is None:
        return None
    try:
        array = _decode_array(value)
    except Exception as err:
        array = None
        reason = f"{type(err).__name__}: {err}"
    else:
        reason = ""
    finally:
        if isinstance(value, io.IOBase):
            value.close()
    if array is None:
        _cache._discard(cache, key, reason)
    return array


def _decode_array(value: Any) -> np.ndarray:
    """Decode what :func:`put_array` stored, from bytes or an open file; raise if malformed."""
    import numpy as np  # noqa: PLC0415
    from numpy.lib.format import descr_to_dtype  # noqa: PLC0415

    if isinstance(value, bytes):
        value = io.BytesIO(value)
    elif not isinstance(value, io.IOBase):
        msg = f"a {type(value).__name__} entry"
        raise TypeError(msg)
    read = value.read
    head = read(_ARRAY_HEAD.size)
    if len(head) != _ARRAY_HEAD.size:
        msg = "too short"
        raise ValueError(msg)
    magic, size = _ARRAY_HEAD.unpack(head)
    if magic != _ARRAY_MAGIC or size > _MAX_HEADER:
        msg = "not an array entry"
        raise ValueError(msg)
    header = json.loads(read(size))
    dtype = descr_to_dtype(header["descr"])
    shape = tuple(header["shape"])
    if dtype.hasobject or not all(isinstance(n, int) and n >= 0 for n in shape):
        msg = f"bad header {header!r:.200}"
        raise ValueError(msg)
    array = np.empty(shape, dtype=dtype)
    if array.nbytes:
        got = value.readinto(array.reshape(-1).view(np.uint8).data)
        if got != array.nbytes:
            msg = f"{got} bytes of data, expected {array.nbytes}"
            raise ValueError(msg)
    if read(1):
        msg = "trailing bytes"
        raise ValueError(msg)
    return array


def put_json(key: str, value: Any, *, tag: str | None = None) -> None:
    """Store a JSON-compatible value under ``key`` as JSON text (no pickle).

    Storage errors are logged, not raised. ``tag`` names the kind of entry, so the cache's
    figures can count them (`vnb.cache.RENDERS`: the render cache's records).

    Raises:
        TypeError: ``value`` cannot be written as JSON.
        ValueError: ``value`` holds NaN or infinity, or refers to itself.
    """
    text = json.dumps(value, allow_nan=False, separators=(",", ":"))
    _put(key, text, tag)


def get_json(key: str) -> Any | None:
    """Return the value stored by :func:`put_json` under ``key``, or None.

    A stored JSON ``null`` also reads as None. An entry that is not JSON text is deleted and
    counted as a miss.
    """
    cache = _cache.store()
    try:
        value = cache.get(key)
    except Exception as err:
        _cache._failed(cache, "read", err)
        return None
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            msg = f"a {type(value).__name__} entry"
            raise TypeError(msg)
        return json.loads(value)
    except (TypeError, ValueError) as err:
        _cache._discard(cache, key, f"{type(err).__name__}: {err}")
        return None


def _put(key: str, data: bytes | str, tag: str | None = None) -> None:
    """Store ``data`` under ``key`` unless it exceeds the bound; log a failure."""
    if not isinstance(key, str):
        msg = f"cache keys are strings (see make_key), not {type(key).__qualname__}"
        raise TypeError(msg)
    cache = _cache.store()
    if len(data) > cache.size_limit:
        _log.debug("not caching %d bytes: more than the cache's bound", len(data))
        return
    try:
        cache.set(key, data, tag=tag)
    except Exception as err:
        _cache._failed(cache, "write", err)
