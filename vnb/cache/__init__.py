"""The one on-disk cache of vnb: a bounded diskcache store whose keys are derived from content.

Everything vnb caches across runs (decoded frames, waveforms, analysis results…) goes through
this module. A key is the SHA-256 of a canonical encoding of what the value depends on — the
identity of the source file (path, size, mtime), times, parameters — so a changed input simply
misses and the stale entry ages out under the size bound (least-recently-used eviction).

Values are arrays (raw bytes behind a small JSON header naming dtype and shape) or JSON text;
never pickle. The store is shared by every process of the user: diskcache is safe across
threads and processes, and its hit/miss figures live in the database, so they add up.

A cache must never break a render or a preview. Every storage operation swallows and logs its
errors; a corrupt or unusable folder is rebuilt, and if even that fails the cache degrades to
a small in-memory store for the rest of the process.

Settings: ``VNB_CACHE_DIR`` (the folder), ``VNB_CACHE_SIZE`` (the bound in bytes, with an
optional ``K``/``M``/``G`` suffix), or :func:`configure`.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import struct
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vnb.cache.keys import make_key, source_identity
from vnb.cache.memory import MemoryStore

if TYPE_CHECKING:
    import diskcache
    import numpy as np

__all__ = [
    "DEFAULT_SIZE_LIMIT",
    "MemoryStore",
    "cache_dir",
    "clear",
    "configure",
    "get_array",
    "get_json",
    "make_key",
    "put_array",
    "put_json",
    "source_identity",
    "stats",
    "store",
]

_log = logging.getLogger(__name__)

DEFAULT_SIZE_LIMIT = 2 * 1024**3
"""The default bound on the cache's volume: 2 GiB."""

_TIMEOUT = 10.0  # seconds to wait for another process's lock before giving up (a miss)
_MEMORY_LIMIT = 256 * 1024**2  # the in-memory fallback never holds more than this
_ARRAY_MAGIC = b"VNBA\x01"
_ARRAY_HEAD = struct.Struct("<5sI")  # magic, length of the JSON header that follows
_MAX_HEADER = 1 << 20
_SIZE_RE = re.compile(r"^\s*(\d+)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_CACHE_ENTRY_RE = re.compile(r"^(cache\.db.*|[0-9a-f]{2})$")

_lock = threading.RLock()
_store: diskcache.Cache | MemoryStore | None = None
_directory_override: Path | None = None
_size_override: int | None = None
_orphans: list[object] = []  # stores inherited over fork(): never touched, never closed


def cache_dir() -> Path:
    """Return the folder of the cache now in effect.

    The folder given to :func:`configure` if any, else ``VNB_CACHE_DIR``, else ``v1`` in the
    platform's user cache folder for vnb (e.g. ``~/.cache/vnb/v1`` on Linux).
    """
    if _directory_override is not None:
        return _directory_override
    env = os.environ.get("VNB_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir  # noqa: PLC0415

    return Path(user_cache_dir("vnb")) / "v1"


def _size_limit() -> int:
    """Return the bound in effect: :func:`configure`'s, else ``VNB_CACHE_SIZE``, else 2 GiB."""
    if _size_override is not None:
        return _size_override
    env = os.environ.get("VNB_CACHE_SIZE", "").strip()
    if not env:
        return DEFAULT_SIZE_LIMIT
    match = _SIZE_RE.match(env)
    if match is None:
        _log.warning("VNB_CACHE_SIZE=%r is not a size in bytes; using the default", env)
        return DEFAULT_SIZE_LIMIT
    power = "kmgt".index(match[2].lower()) + 1 if match[2] else 0
    return int(match[1]) * 1024**power


def configure(
    directory: str | os.PathLike[str] | None = None, size_limit: int | None = None
) -> None:
    """Use another folder or size bound from now on; with no arguments, the defaults again.

    The store in use is closed; the next operation opens the new one. Entries already in the
    old folder stay there.

    Args:
        directory: The cache folder; ``None`` for ``VNB_CACHE_DIR`` or the platform default.
        size_limit: The bound on the cache's volume in bytes; ``None`` for ``VNB_CACHE_SIZE``
            or :data:`DEFAULT_SIZE_LIMIT`.

    Raises:
        ValueError: ``size_limit`` is not a positive number of bytes.
    """
    global _directory_override, _size_override  # noqa: PLW0603
    if size_limit is not None and (isinstance(size_limit, bool) or int(size_limit) <= 0):
        msg = f"size_limit must be a positive number of bytes, not {size_limit!r}"
        raise ValueError(msg)
    with _lock:
        _close_store()
        _directory_override = None if directory is None else Path(directory).expanduser()
        _size_override = None if size_limit is None else int(size_limit)


# --------------------------------------------------------------------------- the store


def store() -> diskcache.Cache | MemoryStore:
    """Return the process-wide store, opening it on first use.

    Safe to share between threads; several processes may open the same folder. A folder that
    cannot be opened (corrupt database, not a folder, not writable) is rebuilt; if that fails
    too, a :class:`MemoryStore` stands in until :func:`configure` is called. Never raises.

    Returns:
        A :class:`diskcache.Cache`, or the in-memory fallback.
    """
    current = _store
    if current is not None:
        return current
    with _lock:
        current = _store
        if current is None:
            current = _open()
            _set_store(current)
        return current


def _set_store(value: diskcache.Cache | MemoryStore | None) -> None:
    global _store  # noqa: PLW0603
    _store = value


def _close_store() -> None:
    """Close and forget the store in use (under ``_lock``)."""
    current = _store
    _set_store(None)
    if current is not None:
        try:
            current.close()
        except Exception:
            _log.debug("closing the cache failed", exc_info=True)


def _open() -> diskcache.Cache | MemoryStore:
    """Open the configured folder, rebuilding it once if needed; else the memory fallback."""
    directory, limit = cache_dir(), _size_limit()
    try:
        import diskcache  # noqa: PLC0415
    except ImportError as err:
        _log.warning("diskcache is unavailable (%s); caching in memory only", err)
        return MemoryStore(min(limit, _MEMORY_LIMIT))
    try:
        return _open_disk(diskcache, directory, limit)
    except Exception as err:
        if _busy(err):  # healthy but locked by another process: never wipe it
            _log.warning("the cache at %s is busy (%s); caching in memory", directory, err)
            return MemoryStore(min(limit, _MEMORY_LIMIT))
        _log.warning("the cache at %s cannot be opened (%s); rebuilding it", directory, err)
    try:
        _wipe(directory)
        return _open_disk(diskcache, directory, limit)
    except Exception as err:
        _log.warning(
            "the cache at %s cannot be rebuilt (%s); caching in memory for this process",
            directory,
            err,
        )
        return MemoryStore(min(limit, _MEMORY_LIMIT))


def _open_disk(diskcache: Any, directory: Path, limit: int) -> diskcache.Cache:
    """Open (creating if needed) a diskcache folder with vnb's settings, and check it works."""
    cache = diskcache.Cache(
        str(directory),
        timeout=_TIMEOUT,
        size_limit=limit,
        eviction_policy="least-recently-used",
        statistics=1,
    )
    try:
        cache.stats(enable=True)
        len(cache)
        cache.volume()
    except BaseException:
        cache.close()
        raise
    return cache


def _busy(err: BaseException) -> bool:
    """Tell whether ``err`` only means another process holds the database's lock."""
    import sqlite3  # noqa: PLC0415

    if type(err).__name__ == "Timeout":  # diskcache.Timeout
        return True
    return isinstance(err, sqlite3.OperationalError) and (
        "locked" in str(err) or "busy" in str(err)
    )


def _wipe(directory: Path) -> None:
    """Make ``directory`` an empty folder, deleting only what a diskcache folder holds.

    A folder holding anything else is left alone (raises ``OSError``); a file (or a broken
    link) in its place is renamed aside, not deleted, in case it is the user's.
    """
    if directory.is_dir():
        entries = list(directory.iterdir())
        strangers = [p.name for p in entries if not _CACHE_ENTRY_RE.match(p.name)]
        if strangers:
            msg = f"{directory} holds files that are not the cache's: {strangers[:3]}"
            raise OSError(msg)
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    elif directory.exists() or directory.is_symlink():
        n = 1
        while (aside := directory.with_name(f"{directory.name}.corrupt-{n}")).exists():
            n += 1
        _log.warning("moving %s aside to %s", directory, aside)
        directory.rename(aside)
    directory.mkdir(parents=True, exist_ok=True)


def _failed(cache: diskcache.Cache | MemoryStore, what: str, err: BaseException) -> None:
    """Log a failed storage operation; drop the store if its folder is broken.

    A corrupt database or a vanished folder makes the next operation rebuild the store; a
    busy lock or a full disk only costs this one operation.
    """
    _log.warning("cache %s failed: %s: %s", what, type(err).__name__, err)
    if isinstance(cache, MemoryStore):
        return
    import sqlite3  # noqa: PLC0415

    corrupt = isinstance(err, sqlite3.DatabaseError) and not isinstance(
        err, sqlite3.OperationalError
    )
    try:
        gone = not (Path(cache.directory) / "cache.db").is_file()
    except OSError:
        gone = True
    if not (corrupt or gone):
        return
    with _lock:
        if _store is not cache:
            return
        _close_store()
        directory = Path(cache.directory)
        if corrupt:
            _log.warning("the cache at %s is corrupt; rebuilding it", directory)
            try:
                _wipe(directory)
            except Exception as wipe_err:
                _log.warning("cannot clear %s: %s", directory, wipe_err)


def _forget_after_fork() -> None:
    """In a forked child, never reuse the parent's sqlite connection: open afresh."""
    if _store is not None:
        _orphans.append(_store)
    _set_store(None)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


# --------------------------------------------------------------------------- keys


# --------------------------------------------------------------------------- values


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
    raw = contiguous.reshape(-1).view(np.uint8) if contiguous.size else b""
    data = b"".join((_ARRAY_HEAD.pack(_ARRAY_MAGIC, len(header)), header, raw))
    _put(key, data)


def get_array(key: str) -> np.ndarray | None:
    """Return the array stored under ``key`` (a fresh, writable copy), or None.

    An entry that is not a well-formed array (short, corrupt, or of another kind) is deleted
    and counted as a miss.
    """
    cache = store()
    try:
        value = cache.get(key, read=True)
    except Exception as err:
        _failed(cache, "read", err)
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
        _discard(cache, key, reason)
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
        got = value.readinto(memoryview(array.reshape(-1).view(np.uint8)))
        if got != array.nbytes:
            msg = f"{got} bytes of data, expected {array.nbytes}"
            raise ValueError(msg)
    if read(1):
        msg = "trailing bytes"
        raise ValueError(msg)
    return array


def put_json(key: str, value: Any) -> None:
    """Store a JSON-compatible value under ``key`` as JSON text (no pickle).

    Storage errors are logged, not raised.

    Raises:
        TypeError: ``value`` cannot be written as JSON.
        ValueError: ``value`` holds NaN or infinity, or refers to itself.
    """
    text = json.dumps(value, allow_nan=False, separators=(",", ":"))
    _put(key, text)


def get_json(key: str) -> Any | None:
    """Return the value stored by :func:`put_json` under ``key``, or None.

    A stored JSON ``null`` also reads as None. An entry that is not JSON text is deleted and
    counted as a miss.
    """
    cache = store()
    try:
        value = cache.get(key)
    except Exception as err:
        _failed(cache, "read", err)
        return None
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            msg = f"a {type(value).__name__} entry"
            raise TypeError(msg)
        return json.loads(value)
    except (TypeError, ValueError) as err:
        _discard(cache, key, f"{type(err).__name__}: {err}")
        return None


def _put(key: str, data: bytes | str) -> None:
    """Store ``data`` under ``key`` unless it exceeds the bound; log a failure."""
    if not isinstance(key, str):
        msg = f"cache keys are strings (see make_key), not {type(key).__qualname__}"
        raise TypeError(msg)
    cache = store()
    if len(data) > cache.size_limit:
        _log.debug("not caching %d bytes: more than the cache's bound", len(data))
        return
    try:
        cache.set(key, data)
    except Exception as err:
        _failed(cache, "write", err)


def _discard(cache: diskcache.Cache | MemoryStore, key: str, reason: str) -> None:
    """Delete a malformed entry and turn the hit diskcache counted into a miss."""
    _log.warning("dropping a malformed cache entry %s (%s)", key, reason)
    try:
        if isinstance(cache, MemoryStore):
            cache.drop_as_miss(key)
            return
        with cache.transact():
            cache.delete(key)
            cache.reset("hits", max(0, cache.reset("hits") - 1))
            cache.reset("misses", cache.reset("misses") + 1)
    except Exception as err:
        _failed(cache, "delete", err)


# --------------------------------------------------------------------------- figures


def stats() -> dict[str, Any]:
    """Return the cache's figures, summed over every process that used the folder.

    Returns:
        ``hits``, ``misses``, ``hit_ratio`` (0.0 before any lookup), ``bytes`` (the volume on
        disk), ``entries``, ``directory`` (the configured folder), ``size_limit`` and
        ``backend`` (``"disk"``, or ``"memory"`` when the folder could not be used).
    """
    cache = store()
    figures: dict[str, Any] = {
        "hits": 0,
        "misses": 0,
        "hit_ratio": 0.0,
        "bytes": 0,
        "entries": 0,
        "directory": str(cache_dir()),
        "size_limit": cache.size_limit,
        "backend": "memory" if isinstance(cache, MemoryStore) else "disk",
    }
    try:
        hits, misses = cache.stats(enable=True)
        figures.update(hits=hits, misses=misses, bytes=cache.volume(), entries=len(cache))
    except Exception as err:
        _failed(cache, "stats", err)
    total = figures["hits"] + figures["misses"]
    figures["hit_ratio"] = figures["hits"] / total if total else 0.0
    return figures


def clear() -> None:
    """Empty the cache and zero its hit and miss counts (for every process using it)."""
    cache = store()
    try:
        cache.clear()
        cache.stats(enable=True, reset=True)
    except Exception as err:
        _failed(cache, "clear", err)
