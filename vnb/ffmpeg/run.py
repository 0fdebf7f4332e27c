"""Running one ffmpeg render: progress, cancellation, timeouts and an atomic output.

ffmpeg writes to a hidden temporary file next to the target (``.{name}.{pid}.{random}.part``);
only a successful run (exit code 0, non-empty file) is moved over the target with `os.replace`,
and only when the target is absent or a regular file (`vnb.ffmpeg.outputs.check_target`, checked
before the run and again just before the rename). Every other outcome stops ffmpeg, waits for
it, deletes the temporary file and raises, leaving whatever was at the target untouched. The
temporary files a killed process left beside the target are swept at the start of each run
(`vnb.ffmpeg.outputs.sweep_parts`).
"""

from __future__ import annotations

import collections
import contextlib
import math
import os
import queue
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from vnb.errors import FFmpegNotFoundError, RenderCancelledError, RenderError
from vnb.ffmpeg.binary import find_ffmpeg
from vnb.ffmpeg.outputs import check_target, part_name, sweep_parts

__all__ = ["Progress", "run_ffmpeg"]

_TAIL_LINES = 40
_MAX_LINE = 1000
_POLL = 0.1
_TERMINATE_GRACE = 3.0


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a render has got.

    Attributes:
        fraction: Share done, 0..1, never decreasing during one render; 1.0 once it succeeded.
        seconds: Output time written so far, in seconds.
        total_seconds: Expected output duration, in seconds.
        fps: Encoding speed in frames per second as ffmpeg reports it, if known.
        speed: ffmpeg's speed factor (``1.5`` for ``speed=1.5x``), if known.
        eta_seconds: Estimated wall-clock seconds left, if known.
    """

    fraction: float
    seconds: float
    total_seconds: float
    fps: float | None
    speed: float | None
    eta_seconds: float | None


def _number(text: str | None) -> float | None:
    """Parse an ffmpeg progress value such as ``"29.97"`` or ``"1.5x"``; ``None`` if absent."""
    if not text:
        return None
    try:
        value = float(text.strip().removesuffix("x"))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _read_progress(pipe: IO[bytes], out: queue.Queue[dict[str, str] | None]) -> None:
    """Put each ``key=value`` block of ``-progress`` output into ``out``; ``None`` at EOF."""
    block: dict[str, str] = {}
    try:
        for raw in pipe:
            key, sep, value = raw.decode("utf-8", errors="replace").strip().partition("=")
            if not sep:
                continue
            block[key] = value
            if key == "progress":
                out.put(block)
                block = {}
    finally:
        out.put(None)


def _read_stderr(pipe: IO[bytes], tail: collections.deque[str]) -> None:
    """Keep the last lines ffmpeg writes to stderr in ``tail``."""
    for raw in pipe:
        for piece in raw.decode("utf-8", errors="replace").split("\r"):
            if piece.strip():
                tail.append(piece.rstrip()[:_MAX_LINE])


def _want_bar(progress_bar: bool | None) -> bool:
    """Decide whether to show a tqdm bar (``None``: only on a terminal or inside IPython)."""
    if progress_bar is not None:
        return progress_bar
    ipython = sys.modules.get("IPython")
    with contextlib.suppress(Exception):
        if ipython is not None and ipython.get_ipython() is not None:
            return True
    stream = sys.stderr
    return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate ffmpeg, kill it if it has not exited after a grace period, and reap it."""
    try:
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                proc.terminate()
            proc.wait(timeout=_TERMINATE_GRACE)
    except subprocess.TimeoutExpired:
        pass
    finally:  # also when interrupted while waiting
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                proc.kill()
        proc.wait()


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    """Flush a file (or a directory entry) to disk; best effort where the OS does not allow it."""
    try:
        fd = os.open(path, os.O_RDONLY if directory else os.O_RDWR)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


def run_ffmpeg(
    args: Sequence[str],
    output: str | os.PathLike[str],
    *,
    muxer: str,
    total_seconds: float,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    timeout: float | None = None,
    progress_bar: bool | None = None,
    description: str = "render",
    exe: str | None = None,
    check: Callable[[Path], None] | None = None,
) -> Path:
    """Run ffmpeg to make one output file, atomically.

    The command is ``ffmpeg -hide_banner -nostdin -y -nostats -progress pipe:1 -xerror *args
    -f <muxer> file:<temporary file>``; ``-xerror`` makes ffmpeg fail on corrupt input instead of
    exiting 0 with a short file. It runs without a shell.

    Args:
        args: Everything between the binary and the output: inputs, filter graphs, maps, codec
            options.
        output: The file to make. Its folder must exist; an existing regular file is replaced
            only when the render succeeds; anything else there (a folder, device, FIFO, socket
            or symbolic link) is refused.
        muxer: The output format, passed as ``-f`` (the temporary name has no useful extension).
        total_seconds: Expected output duration, for progress.
        on_progress: Called in the calling thread with a `Progress` about twice a second, and a
            last time with ``fraction=1.0`` after success. An exception it raises stops the
            render and propagates after cleanup.
        cancel: Set it (from any thread) to stop the render.
        timeout: Wall-clock seconds after which the render is stopped.
        progress_bar: Show a tqdm bar; ``None`` shows one only when stderr is a terminal or
            inside IPython.
        description: Label of the progress bar.
        exe: The ffmpeg binary; ``None`` uses `find_ffmpeg`.
        check: Called with the finished temporary file before it is renamed; an exception it
            raises (say, a `RenderError` for a short output) fails the render and nothing
            appears under the target name.

    Returns:
        The absolute path of the finished file.

    Raises:
        ValueError: ``total_seconds`` or ``timeout`` is not a positive number.
        RenderError: The output folder is missing, the output exists and is not a regular
            file, or ffmpeg failed (the message has its last lines; ``.argv`` the command).
        RenderCancelledError: ``cancel`` was set or ``timeout`` expired.
        FFmpegNotFoundError: No ffmpeg binary, or it could not be started.
    """
    if not (math.isfinite(total_seconds) and total_seconds > 0):
        msg = f"total_seconds must be a positive number, not {total_seconds!r}"
        raise ValueError(msg)
    if timeout is not None and not timeout > 0:
        msg = f"timeout must be a positive number of seconds, not {timeout!r}"
        raise ValueError(msg)
    target = Path(os.path.abspath(output))  # noqa: PTH100 - absolute without resolving links
    if not target.parent.is_dir():
        msg = f"output folder does not exist: {target.parent}"
        raise RenderError(msg)
    check_target(target)
    sweep_parts(target.parent)
    exe = exe or find_ffmpeg()
    tmp = part_name(target)
    argv = [exe, "-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1", "-xerror"]
    argv += [*(os.fspath(a) for a in args), "-f", muxer, f"file:{tmp}"]

    try:
        tmp.touch(exist_ok=False)  # reserve the name; ffmpeg overwrites it (-y)
    except OSError as exc:
        msg = f"cannot create a file in {target.parent}: {exc}"
        raise RenderError(msg) from exc
    try:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        msg = f"cannot start ffmpeg {exe!r}: {exc}"
        raise FFmpegNotFoundError(msg) from exc

    def error(cls: type[RenderError], message: str, tail_text: str = "") -> RenderError:
        detail = f"{message}\ncommand: {shlex.join(argv)}"
        return cls(detail, argv=argv, returncode=proc.poll(), stderr_tail=tail_text)

    tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
    blocks: queue.Queue[dict[str, str] | None] = queue.Queue()
    threads = [
        threading.Thread(target=_read_progress, args=(proc.stdout, blocks), daemon=True),
        threading.Thread(target=_read_stderr, args=(proc.stderr, tail), daemon=True),
    ]
    bar: Any = None
    with proc:  # closes the pipes and reaps ffmpeg on the way out
        try:
            for thread in threads:
                thread.start()
            if _want_bar(progress_bar):
                from tqdm.auto import tqdm  # noqa: PLC0415 - only when a bar is shown

                # Seconds of video rendered, and ffmpeg's speed (×) rather than tqdm's rate,
                # which reads "s/s" and inverts itself below 1 unit per second.
                bar = tqdm(
                    total=round(total_seconds, 2),
                    desc=description,
                    bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s "
                    "[{elapsed}<{remaining}{postfix}]",
                )
            start = time.monotonic()
            deadline = None if timeout is None else start + timeout
            done, fps, speed, eof = 0.0, None, None, False
            while not eof or proc.poll() is None:
                if cancel is not None and cancel.is_set():
                    raise error(RenderCancelledError, f"render of {target.name} was cancelled")
                if deadline is not None and time.monotonic() >= deadline:
                    msg = f"render of {target.name} stopped: timeout of {timeout:g} s expired"
                    raise error(RenderCancelledError, msg)
                if eof:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=_POLL)
                    continue
                try:
                    block = blocks.get(timeout=_POLL)
                except queue.Empty:
                    continue
                if block is None:
                    eof = True
                    continue
                out_us = _number(block.get("out_time_us"))
                seconds = max(0.0, out_us / 1e6) if out_us is not None else done * total_seconds
                done = max(done, min(1.0, seconds / total_seconds))
                elapsed = time.monotonic() - start
                eta = elapsed * (1.0 - done) / done if done > 0 else None
                fps, speed = _number(block.get("fps")), _number(block.get("speed"))
                if bar is not None and done < 1.0:  # 100 % is shown once, by close()
                    bar.n = round(done * total_seconds, 2)
                    if speed:
                        bar.set_postfix_str(f"{speed:.2g}× real time", refresh=False)
                    bar.refresh()
                if on_progress is not None:
                    on_progress(Progress(done, seconds, total_seconds, fps, speed, eta))

            for thread in threads:
                thread.join(timeout=5)
            rc, tail_text = proc.returncode, "\n".join(tail)
            if rc != 0:
                how = f"killed by signal {-rc}" if rc < 0 else f"exited with code {rc}"
                raise error(RenderError, f"ffmpeg {how} rendering {target.name}", tail_text)
            if tmp.stat().st_size == 0:
                raise error(RenderError, f"ffmpeg exited 0 but wrote nothing for {target}")
            if check is not None:
                check(tmp)
            _fsync_path(tmp)
            check_target(target)  # again: it may have changed during the render
            tmp.replace(target)
            _fsync_path(target.parent, directory=True)
            if bar is not None:
                bar.n = bar.total  # displayed once, by close() below
            if on_progress is not None:
                on_progress(Progress(1.0, total_seconds, total_seconds, fps, speed, 0.0))
        except BaseException:
            _stop(proc)
            for thread in threads:
                if thread.ident is not None:
                    thread.join(timeout=5)
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise
        finally:
            if bar is not None:
                bar.close()
    return target
