"""Read a user's file wholesale safely, and write a file atomically.

A FIFO would block an ``open`` or ``read`` forever and ``/dev/zero`` never ends; a symlink
loop gives an errno nobody understands. :func:`read_regular_file` opens with ``O_NONBLOCK``,
checks the open descriptor is a regular file, and reads at most the cap. :func:`atomic_write`
writes bytes through a temp file unique to the save and renames it over the target.

Every file vnb writes whole goes through this module: `atomic_write` for bytes in memory,
`atomic_output` for a file another writer makes (PyAV, a copy, a link) at a temporary path,
and `replace_file` (flush, rename, flush the folder) for a temporary ffmpeg wrote.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import logging
import os
import secrets
import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from vnb.errors import FileAccessError

__all__ = [
    "atomic_output",
    "atomic_write",
    "check_regular_file",
    "file_kind",
    "process_alive",
    "read_regular_file",
    "replace_file",
]

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_CHUNK = 1 << 20
_log = logging.getLogger("vnb")


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
        FileAccessError: Missing, a symlink loop, unreadable, or not a regular file (the
            message says what it is: FIFO, device, folder, socket).
    """
    name = os.fsdecode(path)
    try:
        st = Path(path).stat()
    except (OSError, ValueError) as err:
        reason = _reason(err) if isinstance(err, OSError) else f"cannot read: invalid name: {err}"
        raise FileAccessError(what, name, reason) from None
    if not stat.S_ISREG(st.st_mode):
        raise FileAccessError(
            what, name, f"cannot read: {file_kind(st.st_mode)}, not a regular file"
        )
    return st


def read_regular_file(path: str | os.PathLike[str], *, max_bytes: int, what: str) -> bytes:
    """Read a whole regular file of at most ``max_bytes`` bytes.

    Args:
        path: The file; symlinks to regular files are followed.
        max_bytes: The largest size accepted.
        what: What the file is, for messages (``"project file"``, ``"WASM module"``...).

    Raises:
        FileAccessError: Missing, a symlink loop, unreadable, not a regular file (FIFO,
            device, folder, socket), or larger than ``max_bytes``. Never blocks.
    """
    name = os.fsdecode(path)
    check_regular_file(path, what=what)  # before opening: opening some devices has effects
    try:
        fd = os.open(path, _FLAGS)
    except (OSError, ValueError) as err:
        if not isinstance(err, OSError):
            raise FileAccessError(what, name, f"cannot read: invalid name: {err}") from None
        raise FileAccessError(what, name, _reason(err)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # replaced between the stat and the open
            kind = file_kind(st.st_mode)
            raise FileAccessError(what, name, f"cannot read: {kind}, not a regular file")
        if st.st_size > max_bytes:
            raise FileAccessError(what, name, _too_big(st.st_size, max_bytes))
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as err:
        raise FileAccessError(what, name, _reason(err)) from None
    finally:
        os.close(fd)
    if total > max_bytes:
        raise FileAccessError(what, name, _too_big(None, max_bytes))
    return b"".join(chunks)


# -- writing -------------------------------------------------------------------------------

_TEMP = ".{name}.{pid}.{tag}.tmp"
_OLD_TEMP_AGE = 3600.0  # temp names without a pid (older vnb): swept after an hour
_REUSED_PID_AGE = 86400.0  # no save takes a day: an older temp's pid was reused


def process_alive(pid: int) -> bool:
    """Tell whether process ``pid`` may still be running (this one counts as running).

    Used to sweep only the temporary files of dead processes: another user's process (which
    cannot be signalled) counts as running, and its file is kept; a number too large to be a
    process id is no process.
    """
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:
        return True
    return True


def _sweep_temp_files(folder: Path, name: str) -> None:
    """Delete this file's temporary files left by dead processes (never a live save's)."""
    prefix = f".{name}."
    for stale in folder.glob(f"{glob.escape(prefix)}*.tmp"):
        pid = stale.name[len(prefix) :].split(".", 1)[0]
        with contextlib.suppress(OSError):
            age = time.time() - stale.lstat().st_mtime
            if pid.isdigit():
                if process_alive(int(pid)) and age < _REUSED_PID_AGE:
                    continue
            elif age < _OLD_TEMP_AGE:
                continue
            if stat.S_ISREG(stale.lstat().st_mode):
                stale.unlink()


def _create_temp(folder: Path, name: str, mode: int | None) -> tuple[int, Path]:
    """Create a temp file unique to this save: its name carries the pid and a random tag.

    A new file gets ``0o666`` less the umask (the kernel applies it), an existing target's
    mode is kept.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = folder / _TEMP.format(name=name, pid=os.getpid(), tag=secrets.token_hex(4))
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        if mode is not None:
            try:
                os.fchmod(fd, mode)
            except OSError:
                os.close(fd)
                tmp.unlink()
                raise
        return fd, tmp


def _backup(target: Path, folder: Path) -> None:
    """Keep the previous document as ``NAME.bak``, itself replaced atomically."""
    backup = target.with_name(target.name + ".bak")
    fd, tmp = _create_temp(folder, backup.name, None)
    os.close(fd)
    try:
        tmp.unlink()
        try:
            os.link(target, tmp)
        except FileNotFoundError:
            return  # the target went away meanwhile (another process): nothing to keep
        except OSError:
            shutil.copy2(target, tmp)
        tmp.replace(backup)
        # rename(2) does nothing when both names are links to one file (the backup is already
        # this very document): the temp name stays, so remove it.
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write(target: Path, data: bytes, *, what: str, backup: bool = True) -> None:
    """Write ``data`` to ``target`` whole or not at all; keep the previous file as ``.bak``.

    The data goes to a temp file in the same folder whose name carries the pid and a random
    tag (so concurrent saves never meet), is flushed and fsynced, then renamed over the
    target, and the folder is fsynced. Temp files of dead processes are swept first. A new
    file gets ``0o666`` less the umask; an existing file keeps its mode.

    Args:
        target: The file to write (absolute).
        data: Its new content.
        what: What the file is, for messages (``"project file"``).
        backup: Keep the previous content as ``NAME.bak`` (a hard link when possible).

    Raises:
        FileAccessError: the folder is missing, the target is not a regular file (a folder, a
            FIFO...), or writing failed (e.g. no space left); the old file is left intact.
    """
    if target.is_symlink():  # write through a link to the file it names; keep the link
        target = Path(os.path.realpath(target))
    folder = target.parent
    if not folder.is_dir():
        raise FileAccessError(what, str(target), f"cannot save: folder {folder} does not exist")
    try:
        old = target.stat()
    except FileNotFoundError:
        old = None
    except OSError as err:
        raise FileAccessError(what, str(target), f"cannot save: {err.strerror or err}") from None
    if old is not None and not stat.S_ISREG(old.st_mode):
        why = f"cannot save: it is {file_kind(old.st_mode)}, not a {what}"
        raise FileAccessError(what, str(target), why)
    _sweep_temp_files(folder, target.name)
    _sweep_temp_files(folder, target.name + ".bak")
    tmp: Path | None = None
    try:
        fd, tmp = _create_temp(
            folder, target.name, None if old is None else stat.S_IMODE(old.st_mode)
        )
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if old is not None and backup:
            try:
                _backup(target, folder)
            except OSError as err:  # the document matters more than its backup
                _log.warning("%s: no backup kept: %s", target, err.strerror or err)
        replace_file(tmp, target, flushed=True)
        tmp = None
    except OSError as err:
        why = f"cannot save: {err.strerror or err}; the previous file is unchanged"
        raise FileAccessError(what, str(target), why) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()


def fsync_path(path: Path, *, directory: bool = False) -> None:
    """Flush a file (or a folder's entries) to disk; best effort where the OS does not allow it.

    Raises:
        OSError: flushing a file failed (e.g. no space left); a folder's failure is ignored.
    """
    if directory and not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY if directory else os.O_RDWR)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


def replace_file(tmp: Path, target: Path, *, flushed: bool = False) -> None:
    """Move the whole temporary file ``tmp`` over ``target`` durably.

    ``tmp`` is flushed to disk (unless ``flushed``), renamed over ``target`` in one step (a
    reader sees the old file or the new one, never a part), then the folder's entry is flushed
    so the rename survives a crash.

    Raises:
        OSError: flushing or renaming failed; ``target`` is unchanged and ``tmp`` left as is.
    """
    if not flushed:
        fsync_path(tmp)
    tmp.replace(target)
    fsync_path(target.parent, directory=True)


@contextlib.contextmanager
def atomic_output(target: Path, *, temp: Path | None = None) -> Iterator[Path]:
    """Give a temporary path beside ``target`` to write into; make it ``target`` when whole.

    When the ``with`` block ends normally the temporary file is moved over ``target`` with
    `replace_file`; when it raises (or nothing was written there) the temporary is removed and
    ``target`` is unchanged. The block may check the target once more as its last step.

    Args:
        target: The file to make.
        temp: The temporary name (a module with its own sweep of leftovers names it, e.g.
            ``.part`` files); by default a new file named like `atomic_write`'s, with this
            process's id, created empty (``0o666`` less the umask) so the name is reserved.

    Raises:
        OSError: the temporary could not be created, or flushing or renaming failed.
    """
    if temp is None:
        _sweep_temp_files(target.parent, target.name)
        fd, temp = _create_temp(target.parent, target.name, None)
        os.close(fd)
    try:
        yield temp
        replace_file(temp, target)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
