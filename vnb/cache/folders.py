"""What the cache owns on disk: its folder, the store's files, and the folders of media files.

The cache's folder holds the diskcache store (``cache.db`` and its value folders ``00``…``ff``),
the folders of cached media files (:data:`SUBFOLDERS`: proxies and pre-rendered intermediates)
and a marker file (:data:`MARKER`) the cache writes into a folder it made. vnb deletes only
what it recognises as its own: the store's files and, in its media folders, files named by a
content key. Anything else (a user's file, a device, a FIFO given as ``VNB_CACHE_DIR``) is never
renamed, replaced or deleted.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from pathlib import Path

__all__: list[str] = []  # internal: used only inside its own package

MARKER = ".vnb-cache"
"""The file the cache writes in a folder it made: the folder is vnb's to repair and clear."""
SUBFOLDERS = ("proxies", "prerender")
"""The cache's folders of media files: proxies and pre-rendered intermediates."""

_MARKER_TEXT = "This folder is vnb's cache. `vnb cache clear` empties it; deleting it is safe.\n"
_STORE_FILE = re.compile(r"^cache\.db(-wal|-shm|-journal)?$")
_VALUE_DIR = re.compile(r"^[0-9a-f]{2}$")
_VALUE_FILE = re.compile(r"^[0-9a-f]+\.val$")
# Media files are named by a content key (64 hex digits); temporary ones are hidden .part files.
_MEDIA_FILE = re.compile(r"^[0-9a-f]{64}\.[a-z0-9]{2,4}$")
_PART_FILE = re.compile(r"^\.[0-9a-f]{64}\..*\.part$")
_STALE_PART = 6 * 3600.0  # a temporary file untouched this long belongs to a dead process


def not_a_folder(directory: Path) -> str | None:
    """Say why ``directory`` cannot be the cache's folder because of what is there, or None.

    None when it is a folder (or a link to one) or does not exist yet (and is no link).
    """
    try:
        st = directory.stat()
    except FileNotFoundError:
        return "a link to nothing, not a folder" if directory.is_symlink() else None
    except OSError as err:
        return f"not reachable ({err.strerror or err})"
    if stat.S_ISDIR(st.st_mode):
        return None
    kinds = {
        stat.S_ISREG: "a file",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISFIFO: "a FIFO",
        stat.S_ISSOCK: "a socket",
    }
    kind = next((name for test, name in kinds.items() if test(st.st_mode)), "not a folder")
    return f"{kind}, not a folder"


def _layout_is_ours(name: str) -> bool:
    return bool(
        _STORE_FILE.match(name) or _VALUE_DIR.match(name) or name in SUBFOLDERS or name == MARKER
    )


def is_ours(directory: Path) -> bool:
    """Tell whether ``directory`` is a cache folder vnb made: its marker, or only vnb's layout."""
    if (directory / MARKER).is_file():
        return True
    try:
        return all(_layout_is_ours(p.name) for p in directory.iterdir())
    except OSError:
        return False


def claim(directory: Path) -> None:
    """Write the marker into ``directory`` if it holds nothing but vnb's cache (never raises)."""
    if (directory / MARKER).exists() or not is_ours(directory):
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW)
        with os.fdopen(fd, "w") as f:
            f.write(_MARKER_TEXT)


def remove_store(directory: Path) -> None:
    """Delete the diskcache store's own files in ``directory`` (to rebuild it in place).

    Only ``cache.db`` and its journals and the ``*.val`` files in the two-hex-digit folders
    go; media folders, the marker and anything else stay.

    Raises:
        OSError: ``directory`` is not a folder vnb made (see :func:`is_ours`), or a file
            could not be deleted.
    """
    if not_a_folder(directory) is not None or not is_ours(directory):
        msg = f"{directory} is not a folder vnb made for its cache; leaving it alone"
        raise OSError(msg)
    for entry in directory.iterdir():
        if _STORE_FILE.match(entry.name) and not entry.is_dir():
            entry.unlink(missing_ok=True)
        elif _VALUE_DIR.match(entry.name) and entry.is_dir() and not entry.is_symlink():
            _remove_values(entry)


def _remove_values(folder: Path) -> None:
    """Delete diskcache's value files under ``folder`` and the folders they leave empty."""
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            if _VALUE_FILE.match(name):
                Path(root, name).unlink(missing_ok=True)
        for name in dirs:
            with contextlib.suppress(OSError):  # not empty: something else is in it
                Path(root, name).rmdir()
    with contextlib.suppress(OSError):
        folder.rmdir()


def _regular_files(directory: Path, pattern: re.Pattern[str]) -> list[tuple[Path, os.stat_result]]:
    """The regular files of the media folders whose names match ``pattern``, with their stat."""
    found = []
    for name in SUBFOLDERS:
        try:
            entries = list(os.scandir(directory / name))
        except OSError:
            continue
        for entry in entries:
            if pattern.match(entry.name):
                with contextlib.suppress(OSError):
                    st = entry.stat(follow_symlinks=False)
                    if stat.S_ISREG(st.st_mode):
                        found.append((Path(entry), st))
    return found


def _media_files(directory: Path) -> list[tuple[float, int, Path]]:
    """``(last use, bytes, path)`` of every finished media file the cache keeps."""
    return [
        (max(st.st_mtime, st.st_atime), st.st_size, path)
        for path, st in _regular_files(directory, _MEDIA_FILE)
    ]


def file_figures(directory: Path) -> dict[str, dict[str, int]]:
    """Per media folder: ``{"files": count, "bytes": volume}``."""
    figures = {name: {"files": 0, "bytes": 0} for name in SUBFOLDERS}
    for _, size, path in _media_files(directory):
        figures[path.parent.name]["files"] += 1
        figures[path.parent.name]["bytes"] += size
    return figures


def sweep(directory: Path, limit: int, keep: frozenset[Path] | set[Path] = frozenset()) -> int:
    """Delete the least recently used media files beyond ``limit`` bytes; return bytes freed.

    Files in ``keep`` (in use right now) stay. Stale temporary files (``.part``, untouched
    for hours: their process died) go too.
    """
    files = _media_files(directory)
    total = sum(size for _, size, _ in files)
    freed = 0
    for _, size, path in sorted(files):
        if total <= limit:
            break
        if path in keep:
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            total -= size
            freed += size
    _remove_parts(directory, time.time() - _STALE_PART)
    return freed


def clear_files(directory: Path) -> int:
    """Delete every finished media file of the cache (and stale temporaries); return bytes."""
    freed = 0
    for _, size, path in _media_files(directory):
        with contextlib.suppress(OSError):
            path.unlink()
            freed += size
    _remove_parts(directory, time.time() - _STALE_PART)
    return freed


def _remove_parts(directory: Path, before: float) -> None:
    """Delete the media folders' temporary files last written before ``before``."""
    for path, st in _regular_files(directory, _PART_FILE):
        if st.st_mtime < before:
            with contextlib.suppress(OSError):
                path.unlink()
