"""Counters and timings of this process, and the health of the machine (`vnb doctor`).

Nothing leaves the process: `count` and `timing` (or `timed`, a decorator and context manager)
add to in-memory figures; `report` lists them with the cache's hits and misses as a table,
`plot` draws them with matplotlib. `doctor` gathers the facts vnb depends on: ffmpeg (path,
version, encoders built in and those that really work here), PyAV and its FFmpeg, fonts, the
cache, and the optional packages. This module imports only the standard library.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import platform
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

__all__ = [
    "REQUIRED_FILTERS",
    "Report",
    "count",
    "doctor",
    "format_report",
    "plot",
    "report",
    "reset",
    "timed",
    "timing",
]

REQUIRED_FILTERS = (
    "xfade", "acrossfade", "overlay", "concat", "lutyuv", "hue", "avgblur", "unsharp",
    "vignette", "chromakey", "colorchannelmixer", "tpad", "amix", "atempo",
)  # fmt: skip
SOFTWARE_ENCODERS = (
    "libx264", "libopenh264", "libx265", "libvpx-vp9", "prores_ks", "gif", "aac", "libopus",
)  # fmt: skip
OPTIONAL_PACKAGES = (
    "wasmtime", "onnxruntime", "ipywidgets", "anywidget", "matplotlib", "distributed",
)  # fmt: skip
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


def _optional(name: str) -> str | None:
    """The installed version of an optional package, without importing it; None if absent."""
    if importlib.util.find_spec(name) is None:
        return None
    for dist in (name, f"{name}-gpu"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            return importlib.metadata.version(dist)
    return "installed"


def doctor(*, refresh: bool = True) -> dict[str, Any]:
    """Gather the facts vnb depends on; ``ok`` is False when something essential is missing.

    Args:
        refresh: Run the hardware encoders' trial encodes again rather than trusting cached
            verdicts (a few tens of milliseconds per encoder without the hardware).

    Returns:
        A JSON-ready dict: ``vnb``, ``python``, ``platform``, ``pyav``, ``ffmpeg`` (path,
        version, ``encoders`` of the software codecs, ``hardware`` with ``compiled`` and
        ``working`` lists and each trial's ``verdicts``), ``fonts``, ``cache``, ``cache_dir``,
        ``optional`` packages, ``detection`` (onnxruntime and the model files, see
        `vnb.detect.model.health`), ``problems`` and ``ok``.
    """
    import vnb  # noqa: PLC0415
    from vnb import cache  # noqa: PLC0415
    from vnb.errors import VnbError  # noqa: PLC0415

    report: dict[str, Any] = {
        "vnb": vnb.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "problems": [],
    }
    problems: list[str] = report["problems"]
    try:
        import av  # noqa: PLC0415

        report["pyav"] = {"version": av.__version__, "ffmpeg": av.ffmpeg_version_info}
    except ImportError as err:
        report["pyav"] = None
        problems.append(f"PyAV cannot be imported: {err}")
    try:
        report["ffmpeg"] = _ffmpeg_facts(problems, refresh=refresh)
    except VnbError as err:
        report["ffmpeg"] = None
        problems.append(str(err))
    try:
        from vnb.text import find_font  # noqa: PLC0415

        default_font: str | None = str(find_font())
    except Exception as err:  # a missing or broken font is a problem, not a crash
        default_font = None
        problems.append(f"no usable default font: {err}")
    report["fonts"] = {"default": default_font, "fontconfig": shutil.which("fc-match") is not None}
    figures = cache.stats()
    report["cache"] = figures
    report["cache_dir"] = figures["directory"]
    report["optional"] = {name: _optional(name) for name in OPTIONAL_PACKAGES}
    try:
        from vnb.detect.model import health  # noqa: PLC0415

        report["detection"] = health()
        problems += report["detection"]["problems"]
    except ImportError as err:  # numpy or the like: detection is unusable, the rest is not
        report["detection"] = None
        problems.append(f"object detection cannot be imported: {err}")
    report["ok"] = not problems
    return report


def _ffmpeg_facts(problems: list[str], *, refresh: bool) -> dict[str, Any]:
    from vnb.ffmpeg.binary import ffmpeg_has, ffmpeg_version, find_ffmpeg  # noqa: PLC0415
    from vnb.ffmpeg.hardware import FAMILIES  # noqa: PLC0415
    from vnb.render.encoders import list_encoders, priority, probe_hardware  # noqa: PLC0415

    exe = find_ffmpeg()
    listed = list_encoders(exe)
    encoders = {name: name in listed for name in SOFTWARE_ENCODERS}
    suffixes = tuple(f"_{f}" for f in FAMILIES)
    compiled = [n for n, e in listed.items() if e.kind == "video" and n.endswith(suffixes)]
    verdicts = probe_hardware(exe, refresh=refresh)
    missing = [name for name in REQUIRED_FILTERS if not ffmpeg_has("filters", name, exe)]
    if missing:
        problems.append(f"ffmpeg lacks filters vnb needs: {', '.join(missing)}")
    if not (encoders["libx264"] or encoders["libopenh264"]):
        problems.append("ffmpeg has no H.264 encoder (libx264 or libopenh264)")
    return {
        "path": exe,
        "version": ffmpeg_version(exe),
        "encoders": encoders,
        "hardware": {
            "priority": list(priority()),
            "compiled": compiled,
            "working": [name for name, v in verdicts.items() if v.works],
            "verdicts": {
                name: {"works": v.works, "message": v.message, "seconds": round(v.seconds, 3)}
                for name, v in verdicts.items()
            },
        },
    }


def format_report(report: dict[str, Any]) -> str:
    """The doctor's report as text for people."""
    lines = [f"vnb {report['vnb']} on Python {report['python']} ({report['platform']})"]
    av = report.get("pyav")
    lines.append(f"PyAV {av['version']} with FFmpeg {av['ffmpeg']}" if av else "PyAV: MISSING")
    ff = report.get("ffmpeg")
    if ff:
        have = ", ".join(name for name, ok in ff["encoders"].items() if ok)
        hw = ff["hardware"]
        lines += [f"ffmpeg {ff['version']} at {ff['path']}", f"  encoders: {have}"]
        lines.append(f"  hardware encoders built in: {', '.join(hw['compiled']) or 'none'}")
        lines.append(f"  hardware encoders working here: {', '.join(hw['working']) or 'none'}")
        for name, verdict in hw["verdicts"].items():
            if not verdict["works"]:
                lines.append(f"    {name}: {verdict['message']}")
    else:
        lines.append("ffmpeg: NOT FOUND")
    fonts = report["fonts"]
    lines += [
        f"default font: {fonts['default'] or 'NONE'}",
        "fontconfig: " + ("yes" if fonts["fontconfig"] else "no (family names use DejaVu Sans)"),
    ]
    c = report.get("cache") or {}
    lines.append(
        f"cache: {report['cache_dir']} ({c.get('backend', '?')}, {c.get('entries', 0)} entries,"
        f" {c.get('bytes', 0) / 1e6:.1f} MB of {c.get('size_limit', 0) / 1e6:.0f} MB)"
    )
    optional = ", ".join(
        f"{name} {version}" if version else f"{name} (not installed)"
        for name, version in report.get("optional", {}).items()
    )
    lines.append(f"optional: {optional}")
    det = report.get("detection")
    if det is not None:
        rt = det["onnxruntime"]
        if rt:
            available = ", ".join(rt["available"])
            lines.append(f"onnxruntime {rt['version']}: uses {rt['uses']} (available: {available})")
        else:
            lines.append("onnxruntime: MISSING")
        for name, m in det["models"].items():
            state = "sha256 ok" if m["ok"] else f"BAD: {m.get('problem')}"
            lines.append(f"  model {name}: {m['file']} ({state})")
    if report["problems"]:
        lines.append("PROBLEMS:")
        lines += [f"  - {p}" for p in report["problems"]]
    else:
        lines.append("all good")
    return "\n".join(lines)
