"""Probe every media file in a folder, in parallel."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from vnb.errors import MediaError, MediaNotFoundError, UnsupportedMediaError
from vnb.media.probing import MediaInfo, probe

__all__ = ["scan"]

_log = logging.getLogger(__name__)


def scan(
    folder: str | os.PathLike[str], *, recursive: bool = True, workers: int | None = None
) -> list[MediaInfo]:
    """Probe the media files in a folder.

    Files that are not media vnb accepts (or vanished or became unreadable meanwhile) are
    skipped silently. Symlinked folders are not followed. Results come from :func:`probe`'s
    cache when a file is unchanged.

    Args:
        folder: The folder to scan.
        recursive: Also scan subfolders.
        workers: Number of probing threads; ``None`` lets the executor choose.

    Returns:
        One :class:`MediaInfo` per media file, sorted by path.

    Raises:
        MediaNotFoundError: ``folder`` does not exist.
        UnsupportedMediaError: ``folder`` is not a folder.
    """
    root = Path(folder).resolve()
    if not root.exists():
        msg = f"{root}: folder not found"
        raise MediaNotFoundError(msg)
    if not root.is_dir():
        msg = f"{root}: not a folder"
        raise UnsupportedMediaError(msg)
    files = sorted(_list_files(root, recursive=recursive))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vnb-scan") as pool:
        results = list(pool.map(_probe_or_none, files))
    return sorted((info for info in results if info is not None), key=lambda info: info.path)


def _list_files(root: Path, *, recursive: bool) -> list[Path]:
    """List the regular files (not symlinks to folders) under ``root``."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        found.extend(Path(dirpath, name) for name in filenames)
        if not recursive:
            dirnames.clear()
    return found


def _probe_or_none(path: Path) -> MediaInfo | None:
    """Probe ``path``, or return None when it is not usable media."""
    try:
        return probe(path)
    except MediaError as exc:
        _log.debug("scan: skipping %s: %s", path, exc)
        return None
