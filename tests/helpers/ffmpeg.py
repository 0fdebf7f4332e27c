"""Run ffmpeg from the tests and the benchmarks: one binary, one set of quiet flags, one error.

The binary is the one vnb renders with (``VNB_FFMPEG``, then ``ffmpeg`` on ``PATH``, then
imageio-ffmpeg's), so that media made for a test and a hand-written benchmark command run the
very program vnb runs.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["ffmpeg_argv", "ffmpeg_exe", "run_ffmpeg"]

QUIET = ("-hide_banner", "-nostdin", "-loglevel", "error", "-y")
"""The flags every command gets: no banner, no keyboard, errors only, overwrite."""


def ffmpeg_exe() -> str:
    """The ffmpeg binary vnb renders with (imageio-ffmpeg's when vnb cannot be imported)."""
    try:
        from vnb.ffmpeg.binary import find_ffmpeg
    except ImportError:  # benchmarks/cuts_bench.py imports this under older vnb trees
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    return find_ffmpeg()


def ffmpeg_argv(*args: str | Path) -> list[str]:
    """The full command line: the binary, the quiet flags, then ``args``."""
    return [ffmpeg_exe(), *QUIET, *map(str, args)]


def run_ffmpeg(*args: str | Path, timeout: float | None = 120.0) -> None:
    """Run ffmpeg with ``args``; raise `RuntimeError` with the end of its message if it fails.

    Args:
        args: everything after the quiet flags (inputs, filters, outputs).
        timeout: seconds before the process is killed (None: no limit, for benchmark sources).
    """
    argv = ffmpeg_argv(*args)
    done = subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace")[-2000:]
        msg = f"ffmpeg failed ({done.returncode}): {' '.join(argv[1:])}\n{tail}"
        raise RuntimeError(msg)
