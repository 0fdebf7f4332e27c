"""Health of the machine for vnb: what `vnb doctor` reports."""

from __future__ import annotations

import os
import platform
import shutil
import sys
from typing import Any

__all__ = ["REQUIRED_FILTERS", "doctor", "format_report"]

REQUIRED_FILTERS = (
    "xfade", "acrossfade", "overlay", "concat", "lutyuv", "hue", "avgblur", "unsharp",
    "vignette", "chromakey", "colorchannelmixer", "tpad", "amix", "atempo",
)  # fmt: skip


def cache_dir() -> str:
    """Where vnb keeps its caches: ``VNB_CACHE_DIR`` or the platform's user cache folder."""
    from platformdirs import user_cache_dir  # noqa: PLC0415

    return os.environ.get("VNB_CACHE_DIR") or user_cache_dir("vnb")


def doctor() -> dict[str, Any]:
    """Gather the facts vnb depends on; ``ok`` is False when something essential is missing."""
    import av  # noqa: PLC0415

    import vnb  # noqa: PLC0415
    from vnb.errors import VnbError  # noqa: PLC0415
    from vnb.render.binary import ffmpeg_has, ffmpeg_version, find_ffmpeg  # noqa: PLC0415
    from vnb.text import find_font  # noqa: PLC0415

    report: dict[str, Any] = {
        "vnb": vnb.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "pyav": {"version": av.__version__, "ffmpeg": av.ffmpeg_version_info},
        "problems": [],
    }
    try:
        exe = find_ffmpeg()
        filters = {name: ffmpeg_has("filters", name, exe) for name in REQUIRED_FILTERS}
        encoders = {
            name: ffmpeg_has("encoders", name, exe)
            for name in (
                "libx264",
                "libopenh264",
                "libx265",
                "libvpx-vp9",
                "prores_ks",
                "gif",
                "aac",
                "libopus",
            )
        }
        report["ffmpeg"] = {"path": exe, "version": ffmpeg_version(exe), "encoders": encoders}
        missing = [name for name, ok in filters.items() if not ok]
        if missing:
            report["problems"].append(f"ffmpeg lacks filters vnb needs: {', '.join(missing)}")
        if not (encoders["libx264"] or encoders["libopenh264"]):
            report["problems"].append("ffmpeg has no H.264 encoder (libx264 or libopenh264)")
    except VnbError as err:
        report["ffmpeg"] = None
        report["problems"].append(str(err))
    report["fonts"] = {
        "default": str(find_font()),
        "fontconfig": shutil.which("fc-match") is not None,
    }
    report["cache_dir"] = cache_dir()
    report["ok"] = not report["problems"]
    return report


def format_report(report: dict[str, Any]) -> str:
    """The doctor's report as text for people."""
    ff = report.get("ffmpeg")
    lines = [
        f"vnb {report['vnb']} on Python {report['python']} ({report['platform']})",
        f"PyAV {report['pyav']['version']} with FFmpeg {report['pyav']['ffmpeg']}",
    ]
    if ff:
        have = ", ".join(name for name, ok in ff["encoders"].items() if ok)
        lines += [f"ffmpeg {ff['version']} at {ff['path']}", f"  encoders: {have}"]
    else:
        lines.append("ffmpeg: NOT FOUND")
    lines += [
        f"default font: {report['fonts']['default']}",
        "fontconfig: "
        + ("yes" if report["fonts"]["fontconfig"] else "no (family names use DejaVu Sans)"),
        f"cache: {report['cache_dir']}",
    ]
    if report["problems"]:
        lines.append("PROBLEMS:")
        lines += [f"  - {p}" for p in report["problems"]]
    else:
        lines.append("all good")
    return "\n".join(lines)
