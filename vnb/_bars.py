"""Progress, one way: the `Progress` a long task reports and the tqdm bar it may show.

Every long task of vnb (an ffmpeg run, the effects' pre-pass, a batch of renders, an
analysis) reports `Progress` values to an ``on_progress`` callback and may show a tqdm bar
(a widget in notebooks) made by `open_bar`. Whether a bar shows follows one rule, `want_bar`:
asked for, or by default only in IPython or on a terminal.

tqdm shows a bar whenever ``update`` moves it, and ``close`` shows it once more, so a bar
moved to its total and then closed would print its 100 % line twice (in a log, a notebook, a
pipe). `Bar` leaves the last step for ``close`` to show.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from types import TracebackType
from typing import Any

__all__ = ["Bar", "Progress", "open_bar", "want_bar"]


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


def want_bar(progress_bar: bool | None) -> bool:
    """Decide whether to show a tqdm bar (``None``: only on a terminal or inside IPython)."""
    if progress_bar is not None:
        return progress_bar
    ipython = sys.modules.get("IPython")
    with contextlib.suppress(Exception):
        if ipython is not None and ipython.get_ipython() is not None:
            return True
    stream = sys.stderr
    return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())


class Bar:
    """A tqdm bar, or nothing when none is shown (then every method does nothing).

    Use it as a context manager (or call `close`): closing shows the final state once.
    """

    def __init__(self, bar: Any = None) -> None:
        self._bar = bar

    @property
    def shown(self) -> bool:
        """Whether a bar is on screen."""
        return self._bar is not None

    def advance(self, n: float = 1) -> None:
        """Move on by ``n``; reaching the total, leave the display to `close`."""
        bar = self._bar
        if bar is None:
            return
        if bar.total is not None and bar.n + n >= bar.total:
            bar.n += n
        else:
            bar.update(n)

    def move_to(self, n: float, postfix: str | None = None) -> None:
        """Show position ``n`` (below the total; the total is shown by `finish` and `close`)."""
        bar = self._bar
        if bar is None or (bar.total is not None and n >= bar.total):
            return
        bar.n = n
        if postfix:
            bar.set_postfix_str(postfix, refresh=False)
        bar.refresh()

    def finish(self) -> None:
        """Mark the work done; `close` shows the 100 % line."""
        if self._bar is not None and self._bar.total is not None:
            self._bar.n = self._bar.total

    def close(self) -> None:
        """Show the final state once and release the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_bar(
    progress_bar: bool | None,
    *,
    total: float | None,
    desc: str,
    unit: str = "it",
    bar_format: str | None = None,
) -> Bar:
    """A `Bar` counting to ``total``: a tqdm bar when `want_bar` says so, else a hidden one."""
    if not want_bar(progress_bar):
        return Bar()
    from tqdm.auto import tqdm  # noqa: PLC0415 - only when a bar is shown

    return Bar(tqdm(total=total, desc=desc, unit=unit, bar_format=bar_format))
