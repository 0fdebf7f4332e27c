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
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from vnb._bars import Bar, Progress, open_bar
from vnb.errors import ArgumentError, FFmpegNotFoundError, RenderCancelledError, RenderError
from vnb.ffmpeg.binary import find_ffmpeg
from vnb.ffmpeg.outputs import check_target, part_name, sweep_parts
from vnb.fileio import replace_file

__all__ = ["Progress", "RunOptions", "run_ffmpeg"]

_TAIL_LINES = 40
_MAX_LINE = 1000
_POLL = 0.1
_TERMINATE_GRACE = 3.0


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How a render runs, passed down to every ffmpeg it starts (see `run_ffmpeg`).

    Attributes:
        on_progress: Called with a `Progress` about twice a second.
        cancel: Set it to stop the render.
        timeout: Seconds the render may take (``None``: no limit).
        progress_bar: Show a tqdm bar (``None``: in notebooks and terminals).
    """

    on_progress: Callable[[Progress], None] | None = None
    cancel: threading.Event | None = None
    timeout: float | None = None
    progress_bar: bool | None = None


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


@dataclass(slots=True)
class _Ffmpeg:
    """One running ffmpeg: the process, its command, and the threads draining its pipes."""

    proc: subprocess.Popen[bytes]
    argv: list[str]
    target: Path
    tmp: Path
    tail: collections.deque[str] = field(
        default_factory=lambda: collections.deque(maxlen=_TAIL_LINES)
    )
    blocks: queue.Queue[dict[str, str] | None] = field(default_factory=queue.Queue)
    threads: list[threading.Thread] = field(default_factory=list)


@dataclass(slots=True)
class _Meter:
    """Progress so far of one render, from ffmpeg's ``-progress`` blocks."""

    total_seconds: float
    started: float
    done: float = 0.0
    fps: float | None = None
    speed: float | None = None

    def advance(self, block: dict[str, str]) -> Progress:
        """Take one block into account; the progress it shows (never going back)."""
        out_us = _number(block.get("out_time_us"))
        total = self.total_seconds
        seconds = max(0.0, out_us / 1e6) if out_us is not None else self.done * total
        self.done = max(self.done, min(1.0, seconds / total))
        elapsed = time.monotonic() - self.started
        eta = elapsed * (1.0 - self.done) / self.done if self.done > 0 else None
        self.fps, self.speed = _number(block.get("fps")), _number(block.get("speed"))
        return Progress(self.done, seconds, total, self.fps, self.speed, eta)


def _check_numbers(total_seconds: float, timeout: float | None) -> None:
    """Refuse a duration or a timeout that is not a positive number."""
    if not (math.isfinite(total_seconds) and total_seconds > 0):
        msg = f"total_seconds must be a positive number, not {total_seconds!r}"
        raise ArgumentError(msg)
    if timeout is not None and not timeout > 0:
        msg = f"timeout must be a positive number of seconds, not {timeout!r}"
        raise ArgumentError(msg)


def _output_target(output: str | os.PathLike[str]) -> Path:
    """The absolute target, once its folder and what is there are checked; old parts swept."""
    target = Path(os.path.abspath(output))  # noqa: PTH100 - absolute without resolving links
    if not target.parent.is_dir():
        msg = f"output folder does not exist: {target.parent}"
        raise RenderError(msg)
    check_target(target)
    sweep_parts(target.parent)
    return target


def _start(exe: str, args: Sequence[str], muxer: str, target: Path) -> _Ffmpeg:
    """Reserve a temporary name beside ``target`` and start ffmpeg writing into it."""
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
    run = _Ffmpeg(proc, argv, target, tmp)
    run.threads = [
        threading.Thread(target=_read_progress, args=(proc.stdout, run.blocks), daemon=True),
        threading.Thread(target=_read_stderr, args=(proc.stderr, run.tail), daemon=True),
    ]
    return run


def _error(run: _Ffmpeg, cls: type[RenderError], message: str, tail_text: str = "") -> RenderError:
    """An error of ``cls`` with ``message``, the command, and ffmpeg's exit code and last words."""
    detail = f"{message}\ncommand: {shlex.join(run.argv)}"
    return cls(detail, argv=run.argv, returncode=run.proc.poll(), stderr_tail=tail_text)


def _make_bar(progress_bar: bool | None, total_seconds: float, description: str) -> Bar:
    """A bar counting seconds of output (hidden when none is wanted)."""
    # Seconds of video rendered, and ffmpeg's speed (×) rather than tqdm's rate,
    # which reads "s/s" and inverts itself below 1 unit per second.
    return open_bar(
        progress_bar,
        total=round(total_seconds, 2),
        desc=description,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s "
        "[{elapsed}<{remaining}{postfix}]",
    )


def _show(bar: Bar, progress: Progress) -> None:
    """Move the bar to ``progress`` (100 % is shown once, by its ``close()``)."""
    if progress.fraction < 1.0:
        postfix = f"{progress.speed:.2g}× real time" if progress.speed else None
        bar.move_to(round(progress.fraction * progress.total_seconds, 2), postfix)


def _check_stop(
    run: _Ffmpeg, cancel: threading.Event | None, deadline: float | None, timeout: float | None
) -> None:
    """Raise `RenderCancelledError` once ``cancel`` is set or the ``deadline`` has passed."""
    if cancel is not None and cancel.is_set():
        raise _error(run, RenderCancelledError, f"render of {run.target.name} was cancelled")
    if deadline is not None and time.monotonic() >= deadline:
        msg = f"render of {run.target.name} stopped: timeout of {timeout:g} s expired"
        raise _error(run, RenderCancelledError, msg)


def _follow(  # noqa: PLR0917 - private, one caller
    run: _Ffmpeg,
    meter: _Meter,
    bar: Bar,
    on_progress: Callable[[Progress], None] | None,
    cancel: threading.Event | None,
    timeout: float | None,
) -> None:
    """Report ffmpeg's progress until it has exited and its progress pipe is drained."""
    deadline = None if timeout is None else meter.started + timeout
    eof = False
    while not eof or run.proc.poll() is None:
        _check_stop(run, cancel, deadline, timeout)
        if eof:
            with contextlib.suppress(subprocess.TimeoutExpired):
                run.proc.wait(timeout=_POLL)
            continue
        try:
            block = run.blocks.get(timeout=_POLL)
        except queue.Empty:
            continue
        if block is None:
            eof = True
            continue
        progress = meter.advance(block)
        _show(bar, progress)
        if on_progress is not None:
            on_progress(progress)


def _publish(run: _Ffmpeg, check: Callable[[Path], None] | None) -> None:
    """Check how ffmpeg ended and what it wrote; move the temporary file over the target."""
    for thread in run.threads:
        thread.join(timeout=5)
    rc, tail_text = run.proc.returncode, "\n".join(run.tail)
    if rc != 0:
        how = f"killed by signal {-rc}" if rc < 0 else f"exited with code {rc}"
        raise _error(run, RenderError, f"ffmpeg {how} rendering {run.target.name}", tail_text)
    if run.tmp.stat().st_size == 0:
        raise _error(run, RenderError, f"ffmpeg exited 0 but wrote nothing for {run.target}")
    if check is not None:
        check(run.tmp)
    check_target(run.target)  # again: it may have changed during the render
    replace_file(run.tmp, run.target)


def _abandon(run: _Ffmpeg) -> None:
    """Stop ffmpeg, wait for its reader threads, and delete the temporary file."""
    _stop(run.proc)
    for thread in run.threads:
        if thread.ident is not None:
            thread.join(timeout=5)
    with contextlib.suppress(OSError):
        run.tmp.unlink(missing_ok=True)


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
    _check_numbers(total_seconds, timeout)
    target = _output_target(output)
    run = _start(exe or find_ffmpeg(), args, muxer, target)
    bar = Bar()
    with run.proc:  # closes the pipes and reaps ffmpeg on the way out
        try:
            for thread in run.threads:
                thread.start()
            bar = _make_bar(progress_bar, total_seconds, description)
            meter = _Meter(total_seconds, time.monotonic())
            _follow(run, meter, bar, on_progress, cancel, timeout)
            _publish(run, check)
            bar.finish()  # displayed once, by close() below
            if on_progress is not None:
                fps, speed = meter.fps, meter.speed
                on_progress(Progress(1.0, total_seconds, total_seconds, fps, speed, 0.0))
        except BaseException:
            _abandon(run)
            raise
        finally:
            bar.close()
    return target
