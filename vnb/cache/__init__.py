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

The cache also owns folders of media files beside the store (:func:`folder`: proxies and
pre-rendered intermediates), bounded together by their own budget (least recently used files
go first) and emptied by :func:`clear`. vnb never renames, replaces or deletes what it did not
make: a ``VNB_CACHE_DIR`` that is a file, a device or a FIFO is left alone and the process
caches in memory (one warning; :func:`check` raises :class:`~vnb.errors.CacheError`); a
damaged store in a folder vnb made is rebuilt in place, deleting only the store's own files.

Settings: ``VNB_CACHE_DIR`` (the folder), ``VNB_CACHE_SIZE`` (the bound in bytes, with an
optional ``K``/``M``/``G`` suffix), ``VNB_CACHE_FILES_SIZE`` (the media files' bound, same
syntax), or :func:`configure`.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vnb.cache import folders
from vnb.cache.keys import make_key, source_identity
from vnb.cache.memory import MemoryStore
from vnb.cache.values import get_array, get_json, put_array, put_json
from vnb.errors import ArgumentError

if TYPE_CHECKING:
    import diskcache

__all__ = [
    "RENDERS",
    "check",
    "clear",
    "configure",
    "discard",
    "folder",
    "get_array",
    "get_json",
    "make_key",
    "put_array",
    "put_json",
    "source_identity",
    "stats",
    "sweep",
    "touch",
]

_log = logging.getLogger(__name__)

DEFAULT_SIZE_LIMIT = 2 * 1024**3
"""The default bound on the cache's volume: 2 GiB."""
DEFAULT_FILES_LIMIT = 4 * 1024**3
"""The default bound on the cache's media files (proxies, pre-renders): 4 GiB."""
RENDERS = "render"
"""The tag of the render cache's records: in the store, under its bound, counted by stats()."""

_TIMEOUT = 10.0  # seconds to wait for another process's lock before giving up (a miss)
_MEMORY_LIMIT = 256 * 1024**2  # the in-memory fallback never holds more than this
_SIZE_RE = re.compile(r"^\s*(\d+)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)

_lock = threading.RLock()
_store: diskcache.Cache | MemoryStore | None = None
_directory_override: Path | None = None
_size_override: int | None = None
_files_override: int | None = None
_problem: str | None = None  # why the configured folder cannot be used (memory fallback)
_scratch: Path | None = None  # media files' folder while the cache is in memory
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


def _env_size(name: str, default: int) -> int:
    """Return the size in bytes the environment variable ``name`` gives, else ``default``."""
    env = os.environ.get(name, "").strip()
    if not env:
        return default
    match = _SIZE_RE.match(env)
    if match is None:
        _log.warning("%s=%r is not a size in bytes; using the default", name, env)
        return default
    power = "kmgt".index(match[2].lower()) + 1 if match[2] else 0
    return int(match[1]) * 1024**power


def _size_limit() -> int:
    """Return the bound in effect: :func:`configure`'s, else ``VNB_CACHE_SIZE``, else 2 GiB."""
    if _size_override is not None:
        return _size_override
    return _env_size("VNB_CACHE_SIZE", DEFAULT_SIZE_LIMIT)


def _files_limit() -> int:
    """Return the media files' bound: :func:`configure`'s, else ``VNB_CACHE_FILES_SIZE``.

    ``VNB_PRERENDER_SIZE`` (its former name, for pre-renders only) is still read; else 4 GiB.
    """
    if _files_override is not None:
        return _files_override
    legacy = _env_size("VNB_PRERENDER_SIZE", DEFAULT_FILES_LIMIT)
    return _env_size("VNB_CACHE_FILES_SIZE", legacy)


def _positive(name: str, value: int | None) -> int | None:
    if value is not None and (isinstance(value, bool) or int(value) <= 0):
        msg = f"{name} must be a positive number of bytes, not {value!r}"
        raise ArgumentError(msg)
    return None if value is None else int(value)


def configure(
    directory: str | os.PathLike[str] | None = None,
    size_limit: int | None = None,
    files_limit: int | None = None,
) -> None:
    """Use another folder or size bound from now on; with no arguments, the defaults again.

    The store in use is closed; the next operation opens the new one. Entries already in the
    old folder stay there.

    Args:
        directory: The cache folder; ``None`` for ``VNB_CACHE_DIR`` or the platform default.
        size_limit: The bound on the cache's volume in bytes; ``None`` for ``VNB_CACHE_SIZE``
            or :data:`DEFAULT_SIZE_LIMIT`.
        files_limit: The bound on its media files (proxies, pre-renders) in bytes; ``None``
            for ``VNB_CACHE_FILES_SIZE`` or :data:`DEFAULT_FILES_LIMIT`.

    Raises:
        ValueError: ``size_limit`` or ``files_limit`` is not a positive number of bytes.
    """
    global _directory_override, _size_override, _files_override  # noqa: PLW0603
    size = _positive("size_limit", size_limit)
    files = _positive("files_limit", files_limit)
    with _lock:
        _close_store()
        _directory_override = None if directory is None else Path(directory).expanduser()
        _size_override, _files_override = size, files


# --------------------------------------------------------------------------- the store


def store() -> diskcache.Cache | MemoryStore:
    """Return the process-wide store, opening it on first use.

    Safe to share between threads; several processes may open the same folder. A damaged
    store in a folder vnb made is rebuilt in place; a folder that cannot be used (not a
    folder, not writable, damaged but not vnb's) is left as it is and a :class:`MemoryStore`
    stands in until :func:`configure` is called (one warning). Never raises.

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
    """Close and forget the store in use (under ``_lock``); the next one may use the folder."""
    global _problem  # noqa: PLW0603
    current = _store
    _set_store(None)
    _problem = None
    if current is not None:
        try:
            current.close()
        except Exception:
            _log.debug("closing the cache failed", exc_info=True)


def _open() -> diskcache.Cache | MemoryStore:
    """Open the configured folder, rebuilding a damaged store of vnb's once; else memory."""
    directory, limit = cache_dir(), _size_limit()
    try:
        import diskcache  # noqa: PLC0415
    except ImportError as err:
        _log.warning("diskcache is unavailable (%s); caching in memory only", err)
        return MemoryStore(min(limit, _MEMORY_LIMIT))
    reason = folders.not_a_folder(directory)
    if reason is not None:  # a file, a device, a FIFO…: never touched
        return _fallback(directory, f"it is {reason}")
    try:
        return _ready(_open_disk(diskcache, directory, limit))
    except Exception as err:
        return _reopen(diskcache, directory, limit, err)


def _reopen(
    diskcache: Any, directory: Path, limit: int, err: Exception
) -> diskcache.Cache | MemoryStore:
    """After ``err`` opening the folder: rebuild a damaged store of vnb's once; else memory."""
    if _busy(err):  # healthy but locked by another process: never wipe it
        _log.warning("the cache at %s is busy (%s); caching in memory", directory, err)
        return MemoryStore(min(limit, _MEMORY_LIMIT))
    if not directory.is_dir():
        return _fallback(directory, f"it cannot be made ({err})")
    if not folders.is_ours(directory):
        return _fallback(directory, f"{err}; the folder is not one vnb made, so it stays as is")
    _log.warning(
        "the cache at %s is damaged (%s); rebuilding it in place (only its own files)",
        directory,
        err,
    )
    try:
        folders.remove_store(directory)
        return _ready(_open_disk(diskcache, directory, limit))
    except Exception as again:
        return _fallback(directory, f"it cannot be rebuilt ({again})")


def _ready(cache: diskcache.Cache) -> diskcache.Cache:
    """Mark a freshly opened folder as vnb's (when it holds nothing else) and return it."""
    folders.claim(Path(cache.directory))
    return cache


def _fallback(directory: Path, reason: str) -> MemoryStore:
    """Remember why ``directory`` is unusable, warn once, and return an in-memory store."""
    global _problem  # noqa: PLW0603
    _problem = f"the cache folder {directory} cannot be used: {reason}"
    _log.warning("%s; caching in memory for this process (set VNB_CACHE_DIR to a folder)", _problem)
    return MemoryStore(min(_size_limit(), _MEMORY_LIMIT))


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
    directory = Path(cache.directory)
    with _lock:
        if _store is not cache:
            return
        _close_store()
        if corrupt:
            _log.warning("the cache at %s is damaged; rebuilding it in place", directory)
            try:
                folders.remove_store(directory)
            except Exception as wipe_err:
                _log.warning("cannot rebuild the cache at %s: %s", directory, wipe_err)


def check() -> None:
    """Raise if the configured folder cannot hold the cache (the process caches in memory).

    Raises:
        CacheError: The folder is not a folder (a file, a device, a FIFO…), cannot be made or
            written, or holds a damaged store that is not vnb's; the message names it.
    """
    store()
    problem = _problem
    if problem is not None:
        from vnb.errors import CacheError  # noqa: PLC0415

        raise CacheError(problem)


def _root() -> Path:
    """The folder the media folders are in: the cache's, or a scratch one while in memory."""
    global _scratch  # noqa: PLW0603
    if not isinstance(store(), MemoryStore):
        return cache_dir()
    with _lock:
        if _scratch is None:
            _scratch = Path(tempfile.mkdtemp(prefix="vnb-cache-"))
            owner = os.getpid()
            scratch = _scratch

            def remove() -> None:
                if os.getpid() == owner:  # not in a forked child
                    shutil.rmtree(scratch, ignore_errors=True)

            atexit.register(remove)
        return _scratch


def folder(name: str) -> Path:
    """Return the cache's folder of media files ``name`` (``"proxies"`` or ``"prerender"``).

    It is ``cache_dir() / name``, or, while the cache is in memory (its folder cannot be used),
    a folder in the system's temporary folder that is deleted when the process ends. It may
    not exist yet. Files in it are named by content keys (64 hex digits and a suffix); they
    are bounded by :func:`sweep` and deleted by :func:`clear`.

    Raises:
        ValueError: ``name`` is not one of the cache's media folders.
    """
    if name not in folders.SUBFOLDERS:
        msg = f"the cache has no folder {name!r}; it has {', '.join(folders.SUBFOLDERS)}"
        raise ArgumentError(msg)
    return _root() / name


def touch(path: str | os.PathLike[str]) -> None:
    """Record that a media file of the cache was just used (least recently used goes first)."""
    with contextlib.suppress(OSError):
        if Path(path).stat().st_mtime < time.time() - 60:  # at most once a minute per file
            os.utime(path)


def sweep(keep: frozenset[Path] | set[Path] = frozenset()) -> int:
    """Delete the least recently used media files beyond their bound; return bytes freed.

    Args:
        keep: Files in use now, never deleted.
    """
    try:
        return folders.sweep(_root(), _files_limit(), keep)
    except OSError as err:
        _log.warning("sweeping the cache's files failed: %s", err)
        return 0


def _forget_after_fork() -> None:
    """In a forked child, never reuse the parent's sqlite connection: open afresh."""
    if _store is not None:
        _orphans.append(_store)
    _set_store(None)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def discard(key: str, reason: str) -> None:
    """Delete the malformed entry under ``key`` (its hit counts as a miss); log ``reason``."""
    _discard(store(), key, reason)


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
        ``hits``, ``misses``, ``hit_ratio`` (0.0 before any lookup), ``bytes`` (the entries'
        volume on disk), ``entries``, ``directory`` (the configured folder), ``size_limit``,
        ``backend`` (``"disk"``, or ``"memory"`` when the folder could not be used), ``problem``
        (why, or None), and the media files: ``files``, ``files_bytes``, ``files_limit`` and
        ``folders`` (``{"proxies": {"files": n, "bytes": b}, "prerender": {...}}``), and
        ``renders``: the render cache's records among the entries (outputs a later identical
        render copies; the outputs are the user's files, not the cache's).
    """
    cache = store()
    per_folder = folders.file_figures(_root())
    figures: dict[str, Any] = {
        **dict.fromkeys(("hits", "misses", "bytes", "entries", "renders"), 0),
        "hit_ratio": 0.0,
        "directory": str(cache_dir()),
        "size_limit": cache.size_limit,
        "backend": "memory" if isinstance(cache, MemoryStore) else "disk",
        "problem": _problem,
        "files": sum(f["files"] for f in per_folder.values()),
        "files_bytes": sum(f["bytes"] for f in per_folder.values()),
        "files_limit": _files_limit(),
        "folders": per_folder,
    }
    try:
        hits, misses = cache.stats(enable=True)
        figures.update(hits=hits, misses=misses, bytes=cache.volume(), entries=len(cache))
        figures["renders"] = _count(cache, RENDERS)
    except Exception as err:
        _failed(cache, "stats", err)
    total = figures["hits"] + figures["misses"]
    figures["hit_ratio"] = figures["hits"] / total if total else 0.0
    return figures


def _count(cache: diskcache.Cache | MemoryStore, tag: str) -> int:
    """How many entries of the store carry ``tag`` (diskcache has no public count by tag)."""
    if isinstance(cache, MemoryStore):
        return cache.count(tag)
    return int(cache._sql("SELECT COUNT(*) FROM Cache WHERE tag = ?", (tag,)).fetchone()[0])


def clear() -> int:
    """Empty the cache, its media folders too, and zero its hit and miss counts.

    For every process using it. Files being written now (temporary ``.part`` files) stay.

    Returns:
        The bytes of media files deleted.
    """
    cache = store()
    try:
        cache.clear()
        cache.stats(enable=True, reset=True)
    except Exception as err:
        _failed(cache, "clear", err)
    return folders.clear_files(_root())
