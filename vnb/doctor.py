"""The health of the machine (`vnb doctor`): the facts vnb depends on, and what is missing.

`doctor` gathers ffmpeg (path, version, the filters vnb needs, encoders built in and those
that really work here), PyAV and its FFmpeg, fonts, the cache, object detection and the
optional packages; `format_report` writes them for people. It sits high (beside the CLI and
the ``%vnb`` magic that run it) because it asks every layer; the counters and timings are
`vnb.telemetry`.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import platform
import shutil
import sys
from typing import Any

__all__ = ["doctor", "format_report"]

SOFTWARE_ENCODERS = (
    "libx264", "libopenh264", "libx265", "libvpx-vp9", "prores_ks", "gif", "aac", "libopus",
)  # fmt: skip
OPTIONAL_PACKAGES = (
    "wasmtime", "onnxruntime", "ipywidgets", "anywidget", "matplotlib", "distributed",
)  # fmt: skip


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
    from vnb import cache  # noqa: PLC0415
    from vnb._version import __version__  # noqa: PLC0415
    from vnb.errors import VnbError  # noqa: PLC0415

    report: dict[str, Any] = {
        "vnb": __version__,
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
    from vnb.ffmpeg.graph import REQUIRED_FILTERS  # noqa: PLC0415
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
