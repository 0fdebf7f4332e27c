"""Counters and timings of this process (the health of the machine is `vnb.doctor`).

Nothing leaves the process: `count` and `timing` (or `timed`, a decorator and context manager)
add to in-memory figures; `report` lists them with the cache's hits and misses as a table,
`plot` draws them with matplotlib. This module imports only the standard library and
`vnb.cache`; the render and the preview report to it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

__all__ = [
    "Report",
    "count",
    "plot",
    "report",
    "timed",
    "timing",
]

_COLUMNS = ("metric", "count", "total_s", "mean_ms", "min_ms", "max_ms")


@dataclass(slots=True)
class _Timing:
    count: int = 0
    total: float = 0.0
    low: float = float("inf")
    high: float = 0.0


_lock = threading.Lock()
_counts: dict[str, int] = {}
_timings: dict[str, _Timing] = {}


def count(name: str, n: int = 1) -> None:
    """Add ``n`` to the counter ``name`` (e.g. ``"render.cache_hit"``)."""
    with _lock:
        _counts[name] = _counts.get(name, 0) + n


def timing(name: str, seconds: float) -> None:
    """Record one event ``name`` that took ``seconds`` (it is counted too)."""
    with _lock:
        stat = _timings.setdefault(name, _Timing())
        stat.count += 1
        stat.total += seconds
        stat.low = min(stat.low, seconds)
        stat.high = max(stat.high, seconds)


class timed(contextlib.ContextDecorator):
    """Time a block or every call of a function under ``name``; failures count as ``name.errors``.

    Example:
        ```python
        @telemetry.timed("preview")
        def frame_at(...): ...
        ```
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._started = 0.0

    def _recreate_cm(self) -> timed:
        return timed(self.name)  # one per call: decorated functions run in many threads

    def __enter__(self) -> timed:
        self._started = time.perf_counter()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        timing(self.name, time.perf_counter() - self._started)
        if kind is not None:
            count(f"{self.name}.errors")


def reset() -> None:
    """Zero every counter and timing of this process."""
    with _lock:
        _counts.clear()
        _timings.clear()


class Report(list[dict[str, Any]]):
    """The figures as rows (dicts with the keys of ``COLUMNS``) that print as a text table."""

    COLUMNS = _COLUMNS

    def text(self) -> str:
        """The rows as an aligned text table."""
        cells = [list(self.COLUMNS)]
        for row in self:
            cells.append([_cell(row.get(col)) for col in self.COLUMNS])
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.COLUMNS))]
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                           enumerate(zip(r, widths, strict=True))) for r in cells]  # fmt: skip
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(line.rstrip() for line in lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        import html  # noqa: PLC0415

        head = "".join(f"<th>{c}</th>" for c in self.COLUMNS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(r.get(c)))}</td>" for c in self.COLUMNS)
            for r in self
        )
        return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}" if value < 100 else f"{value:.1f}"
    return str(value)


def report(*, cache: bool = True) -> Report:
    """This process's counters and timings, and the cache's hits and misses.

    Args:
        cache: Add ``cache.hits`` and ``cache.misses`` from `vnb.cache.stats` (summed over
            every process using the cache folder).

    Returns:
        One row per metric: ``metric``, ``count``, and for timed ones ``total_s``, ``mean_ms``,
        ``min_ms``, ``max_ms``. ``print(report())`` shows a table.
    """
    rows = Report()
    with _lock:
        for name, stat in sorted(_timings.items()):
            rows.append(
                {
                    "metric": name,
                    "count": stat.count,
                    "total_s": stat.total,
                    "mean_ms": 1000 * stat.total / stat.count,
                    "min_ms": 1000 * stat.low,
                    "max_ms": 1000 * stat.high,
                }
            )
        rows.extend({"metric": name, "count": n} for name, n in sorted(_counts.items()))
    if cache:
        from vnb import cache as store  # noqa: PLC0415

        figures = store.stats()
        rows.append({"metric": "cache.hits", "count": figures["hits"]})
        rows.append({"metric": "cache.misses", "count": figures["misses"]})
    return rows


def plot(rows: list[dict[str, Any]] | None = None) -> Any:
    """Draw the figures with matplotlib: counts on the left, mean durations on the right.

    Args:
        rows: What `report` returned; default a fresh report.

    Returns:
        A ``matplotlib.figure.Figure`` (shown by Jupyter when it is a cell's value).

    Raises:
        ImportError: matplotlib is not installed.
    """
    from matplotlib.figure import Figure  # noqa: PLC0415 - optional, on use

    rows = report() if rows is None else rows
    fig = Figure(figsize=(10, max(2.5, 0.35 * len(rows) + 1)), layout="constrained")
    left, right = fig.subplots(1, 2)
    names = [r["metric"] for r in rows]
    left.barh(names, [r.get("count") or 0 for r in rows], color="tab:blue")
    left.set_title("count")
    left.invert_yaxis()
    timed_rows = [r for r in rows if r.get("mean_ms") is not None]
    right.barh([r["metric"] for r in timed_rows], [r["mean_ms"] for r in timed_rows],
               color="tab:orange")  # fmt: skip
    right.set_title("mean duration (ms)")
    right.invert_yaxis()
    return fig


# --------------------------------------------------------------------------- doctor
