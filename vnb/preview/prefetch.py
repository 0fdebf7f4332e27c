"""Prefetch: compute the frames around the playhead before they are asked for.

One background thread per `Prefetcher`. Each `seek` tells it where the playhead is; it works
outwards in the direction of movement (a few frames behind too), filling the disk cache.
A jump elsewhere cancels the work in progress: the thread checks a generation counter
between frames, so at most one stale frame is computed.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from vnb.errors import VnbError

if TYPE_CHECKING:
    from vnb.schema import Project

__all__ = ["Prefetcher"]

_log = logging.getLogger("vnb")


class Prefetcher:
    """Keeps the frames near the playhead in the cache.

    Example:
        ```python
        pre = Prefetcher(project, size=(640, 360))
        pre.seek(12.0)        # the frames after 12 s are computed in the background
        ...
        pre.close()
        ```
    """

    def __init__(
        self,
        project: Project,
        *,
        size: tuple[int, int] | None = None,
        ahead: int = 15,
        behind: int = 3,
    ) -> None:
        self.project = project
        self.size = size
        self.ahead = ahead
        self.behind = behind
        self._cond = threading.Condition()
        self._generation = 0
        self._target: tuple[int, float, int] | None = None  # (generation, t, direction)
        self._last: float | None = None
        self._busy = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="vnb-prefetch", daemon=True)
        self._thread.start()

    def seek(self, t: float) -> None:
        """The playhead is at ``t`` seconds: prefetch around it, ahead in its direction."""
        with self._cond:
            direction = -1 if self._last is not None and t < self._last else 1
            self._last = t
            self._generation += 1
            self._target = (self._generation, t, direction)
            self._cond.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until the work for the last `seek` is done; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._target is None and not self._busy, timeout)

    def close(self) -> None:
        """Stop the thread (work in progress is abandoned)."""
        with self._cond:
            self._closed = True
            self._generation += 1
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def __enter__(self) -> Prefetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        from vnb.preview import frame_at, plan_of  # noqa: PLC0415 - avoid a cycle

        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._target is not None or self._closed)
                if self._closed:
                    return
                assert self._target is not None  # noqa: S101
                generation, t, direction = self._target
                self._target = None
                self._busy = True
            try:
                fps = float(plan_of(self.project).fps)
                k = round(t * fps)
                order = [k + direction * i for i in range(1, self.ahead + 1)]
                order += [k - direction * i for i in range(1, self.behind + 1)]
                for j in order:
                    if self._generation != generation or self._closed:
                        break
                    try:
                        frame_at(self.project, j / fps, size=self.size)
                    except VnbError:
                        continue  # outside the project, or a source problem the UI will show
            except Exception:
                _log.exception("prefetch failed")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
