"""Read a user's file wholesale, safely: regular files only, never blocking, with a size cap.

A FIFO would block an ``open`` or ``read`` forever and ``/dev/zero`` never ends; a symlink
loop gives an errno nobody understands. :func:`read_regular_file` opens with ``O_NONBLOCK``,
checks the open descriptor is a regular file, and reads at most the cap.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from vnb.errors import FileReadError

__all__ = ["FileReadError", "check_regular_file", "file_kind", "read_regular_file"]

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_CHUNK = 1 << 20


def file_kind(mode: int) -> str:
    """Name what a ``st_mode`` is: ``"a regular file"``, ``"a FIFO"``, ``"a folder"``..."""
    kinds = (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _reason(err: OSError) -> str:
    if err.errno == errno.ELOOP:
        return "cannot read: a symlink loop (too many levels of symbolic links)"
    if err.errno == errno.ENOENT:
        return "cannot read: no such file"
    return f"cannot read: {err.strerror or err}"


def _too_big(size: int | None, max_bytes: int) -> str:
    head = f"the file is {size} bytes" if size is not None else "the file is larger"
    return f"{head}, more than the limit of {max_bytes} bytes"


def check_regular_file(path: str | os.PathLike[str], *, what: str = "file") -> os.stat_result:
    """Return ``os.stat(path)`` if it is a regular file (symlinks followed), without opening it.

    Raises:
        FileReadError: Missing, a symlink loop, unreadable, or not a regular file (the
            message says what it is: FIFO, device, folder, socket).
    """
    name = os.fsdecode(path)
    try:
        st = Path(path).stat()
    except (OSError, ValueError) as err:
        reason = _reason(err) if isinstance(err, OSError) else f"cannot read: invalid name: {err}"
        raise FileReadError(what, name, reason) from None
    if not stat.S_ISREG(st.st_mode):
        raise FileReadError(what, name, f"cannot read: {file_kind(st.st_mode)}, not a regular file")
    return st


def read_regular_file(path: str | os.PathLike[str], *, max_bytes: int, what: str) -> bytes:
    """Read a whole regular file of at most ``max_bytes`` bytes.

    Args:
        path: The file; symlinks to regular files are followed.
        max_bytes: The largest size accepted.
        what: What the file is, for messages (``"project file"``, ``"WASM module"``...).

    Raises:
        FileReadError: Missing, a symlink loop, unreadable, not a regular file (FIFO,
            device, folder, socket), or larger than ``max_bytes``. Never blocks.
    """
    name = os.fsdecode(path)
    check_regular_file(path, what=what)  # before opening: opening some devices has effects
    try:
        fd = os.open(path, _FLAGS)
    except (OSError, ValueError) as err:
        if not isinstance(err, OSError):
            raise FileReadError(what, name, f"cannot read: invalid name: {err}") from None
        raise FileReadError(what, name, _reason(err)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # replaced between the stat and the open
            kind = file_kind(st.st_mode)
            raise FileReadError(what, name, f"cannot read: {kind}, not a regular file")
        if st.st_size > max_bytes:
            raise FileReadError(what, name, _too_big(st.st_size, max_bytes))
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as err:
        raise FileReadError(what, name, _reason(err)) from None
    finally:
        os.close(fd)
    if total > max_bytes:
        raise FileReadError(what, name, _too_big(None, max_bytes))
    return b"".join(chunks)
