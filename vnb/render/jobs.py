"""Background renders: a job per request, a queue that runs them, a cache of finished outputs.

``job = project.render_async("out.mp4")`` returns at once with a `RenderJob`; a module-level
`concurrent.futures.ThreadPoolExecutor` runs the jobs one after another (`set_workers` lets N
run at once). A job reports its
progress (fraction, fps, ETA), can be cancelled, and in a notebook shows a progress bar with a
cancel button (ipywidgets, imported only then). The render cache makes a second request for
the same content and settings a copy (a hard link where the filesystem allows) of the earlier
output instead of a render. No ffmpeg outlives its job: cancelling stops and reaps ffmpeg
(`vnb.ffmpeg.run.run_ffmpeg`), interrupting ``job.result()`` cancels the job, and at interpreter
exit every live job is cancelled and waited for (before the executor waits for its threads).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from vnb.errors import ArgumentError, RenderCancelledError, RenderError
from vnb.render.rendercache import cached_render, snapshot

if TYPE_CHECKING:
    from vnb.ffmpeg.run import Progress
    from vnb.render.export import RenderResult
    from vnb.schema import Project

__all__ = ["RenderJob", "set_job_view", "set_workers", "submit"]

State = Literal["queued", "running", "done", "failed", "cancelled"]
_EXIT_WAIT = 10.0
_view: list[Callable[[RenderJob], Any]] = []


def set_job_view(view: Callable[[RenderJob], Any]) -> None:
    """How a notebook shows a job: ``view(job)`` gives a widget, or None to show text.

    The notebook layer sets it (`vnb.notebook.jobview.job_widget`, when ``vnb.Project`` starts
    a job or ``%load_ext vnb`` runs); until then a job displays as its text.
    """
    _view[:] = [view]


_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_wanted = max(1, int(os.environ.get("VNB_RENDER_WORKERS", "1") or 1))
_live: dict[RenderJob, None] = {}  # queued and running jobs, in the order submitted


# --------------------------------------------------------------------------- jobs


class RenderJob:
    """A render running in the background (see `submit`).

    Attributes:
        project: A snapshot of the project taken when the job was submitted.
        output: The file the job writes.
        state: ``queued``, ``running``, ``done``, ``failed`` or ``cancelled``.
        progress: The last `Progress` reported, or None before the first.
    """

    def __init__(
        self,
        project: Project,
        output: str | os.PathLike[str],
        preset: str | None = None,
        *,
        cache: bool = True,
        **options: Any,
    ) -> None:
        self.project = snapshot(project)
        self.output = Path(os.path.abspath(output))  # noqa: PTH100
        folder = os.fspath(output).endswith(("/", os.sep))  # a folder of PNG frames
        self._target = os.path.join(self.output, "") if folder else self.output  # noqa: PTH118
        self.preset = preset
        self.state: State = "queued"
        self.progress: Progress | None = None
        self._cache = cache
        self._user_progress: Callable[[Progress], None] | None = options.pop("on_progress", None)
        options.pop("cancel", None)
        options.setdefault("progress_bar", False)
        self._options = options
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._result: RenderResult | None = None
        self._error: BaseException | None = None
        self._listeners: list[Callable[[RenderJob], None]] = []
        self._future: Future[None] | None = None

    # -- what callers use ------------------------------------------------------------------

    @property
    def fraction(self) -> float:
        """Share done, 0..1, never decreasing."""
        if self.state == "done":
            return 1.0
        return self.progress.fraction if self.progress is not None else 0.0

    @property
    def fps(self) -> float | None:
        """Encoding speed in frames per second, if known."""
        return self.progress.fps if self.progress is not None else None

    @property
    def eta(self) -> float | None:
        """Estimated seconds left, if known."""
        return self.progress.eta_seconds if self.progress is not None else None

    def done(self) -> bool:
        """Whether the job has finished: done, failed or cancelled."""
        return self._finished.is_set()

    def cancel(self) -> bool:
        """Stop the job: a queued job never starts, a running one stops ffmpeg and cleans up.

        Returns:
            False when the job had already finished, else True.
        """
        if self.done():
            return False
        self._cancel.set()
        with _lock:
            queued = self.state == "queued"
            if queued:
                self.state = "cancelled"  # the worker skips it
                if self._future is not None:
                    self._future.cancel()
        if queued:
            msg = f"{self._name} was cancelled before it started"
            self._finish("cancelled", error=RenderCancelledError(msg))
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the job finishes; False if ``timeout`` seconds passed first."""
        return self._finished.wait(timeout)

    def result(self, timeout: float | None = None) -> RenderResult:
        """Wait for the job and return what it made.

        Interrupting the wait (Ctrl-C, a notebook's stop button) cancels the job.

        Raises:
            TimeoutError: ``timeout`` seconds passed and the job is still running.
            RenderCancelledError: The job was cancelled.
            VnbError: The render failed (the error the render raised).
        """
        try:
            finished = self._finished.wait(timeout)
        except KeyboardInterrupt:
            self.cancel()
            raise
        if not finished:
            msg = f"{self._name} still {self.state} after {timeout:g} s"
            raise TimeoutError(msg)
        if self._error is not None or self._result is None:
            raise self._error or RenderError(f"{self._name}: no result")
        return self._result

    def on_update(self, callback: Callable[[RenderJob], None]) -> Callable[[], None]:
        """Call ``callback(job)`` on progress and when the job finishes; returns an unsubscriber."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    # -- the worker's side -----------------------------------------------------------------

    @property
    def _name(self) -> str:
        return f"render of {self.output.name}"

    def _run(self) -> None:
        with _lock:
            if self.state != "queued":
                return
            self.state = "running"
        self._notify()
        try:
            result = cached_render(
                self.project,
                self._target,
                self.preset,
                cache=self._cache,
                on_progress=self._progressed,
                cancel=self._cancel,
                **self._options,
            )
        except RenderCancelledError as err:
            self._finish("cancelled", error=err)
        except BaseException as err:  # the caller of result() gets it, whatever it is
            self._finish("failed", error=err)
        else:
            self._finish("done", result=result)

    def _progressed(self, progress: Progress) -> None:
        if self.progress is not None and progress.fraction < self.progress.fraction:
            progress = replace(progress, fraction=self.progress.fraction)  # a software retry
        self.progress = progress
        if self._user_progress is not None:
            self._user_progress(progress)
        self._notify()

    def _finish(
        self,
        state: State,
        *,
        result: RenderResult | None = None,
        error: BaseException | None = None,
    ) -> None:
        self.state, self._result, self._error = state, result, error
        self._finished.set()
        _live.pop(self, None)
        self._notify()

    def _notify(self) -> None:
        for callback in list(self._listeners):
            with contextlib.suppress(Exception):  # a broken display must not break the render
                callback(self)

    # -- display ---------------------------------------------------------------------------

    def status(self) -> str:
        """One line: state, share done, speed and time left."""
        text = f"{self._name}: {self.state}"
        if self.state == "running":
            text += f" {self.fraction:.0%}"
            if self.fps:
                text += f", {self.fps:.0f} fps"
            if self.eta is not None:
                text += f", {self.eta:.0f} s left"
        elif self.state == "done" and self._result is not None:
            text += f" in {self._result.elapsed:.1f} s ({self._result.hardware})"
        elif self._error is not None and self.state == "failed":
            text += f": {str(self._error).splitlines()[0]}"
        return text

    def __repr__(self) -> str:
        return f"<RenderJob {self.status()}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        widget = _view[0](self) if _view else None
        if widget is None:
            return {"text/plain": repr(self)}
        return widget._repr_mimebundle_(include=include, exclude=exclude)


# --------------------------------------------------------------------------- the queue


def _executor() -> ThreadPoolExecutor:
    """The pool that runs the jobs (made on first use; call with ``_lock`` held)."""
    global _pool  # noqa: PLW0603
    if _pool is None:
        _pool = ThreadPoolExecutor(_wanted, thread_name_prefix="vnb-render")
    return _pool


def set_workers(n: int) -> None:
    """Run up to ``n`` renders at once from now on (default 1, or ``VNB_RENDER_WORKERS``).

    Running jobs finish where they are; queued ones move to a pool of ``n`` workers.

    Raises:
        ValueError: ``n`` is less than 1.
    """
    global _wanted, _pool  # noqa: PLW0603
    if n < 1:
        msg = f"workers must be at least 1, not {n}"
        raise ArgumentError(msg)
    with _lock:
        _wanted = n
        old, _pool = _pool, None
        if old is None:
            return
        waiting = [j for j in _live if j._future is not None and j._future.cancel()]
        old.shutdown(wait=False)  # its threads end after their current job
        for job in waiting:
            job._future = _executor().submit(job._run)


def submit(
    project: Project,
    output: str | os.PathLike[str],
    preset: str | None = None,
    *,
    cache: bool = True,
    **options: Any,
) -> RenderJob:
    """Queue a render of ``project`` to ``output`` and return its job at once.

    Args:
        project: The edit (a snapshot is taken now; later edits do not change this render).
        output: The file to write.
        preset: A named preset.
        cache: Reuse an earlier identical render's output (`vnb.render.rendercache`).
        **options: As for `render` (``crf``, ``hardware``, ``smart``, ``on_progress``,
            ``timeout``...).

    Returns:
        The job; ``job.result()`` waits for it.

    Raises:
        RenderError: ``cancel=`` was given. (A job whose ``output`` is one of the project's
            inputs or its own file, or exists and is not a regular file, fails with a
            `RenderError` when it runs: checking needs the media modules, and submit stays
            instant.)
    """
    if "cancel" in options:
        msg = "a render job has its own cancel(); do not pass cancel="
        raise RenderError(msg)
    job = RenderJob(project, output, preset, cache=cache, **options)
    with _lock:
        _live[job] = None
        job._future = _executor().submit(job._run)
    return job


def jobs() -> list[RenderJob]:
    """The jobs queued or running now."""
    return [job for job in list(_live) if not job.done()]


def cancel_all(wait: float | None = None) -> None:
    """Cancel every queued and running job; wait up to ``wait`` seconds for them to stop."""
    live = jobs()
    for job in live:
        job.cancel()
    deadline = None if wait is None else time.monotonic() + wait
    for job in live:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        if wait is not None:
            job.wait(left)


# At exit, stop the jobs before concurrent.futures waits for its threads to finish them: its
# hook runs at threading's shutdown, before atexit's, and in reverse order of registration.
_register = getattr(threading, "_register_atexit", atexit.register)
_register(cancel_all, _EXIT_WAIT)
