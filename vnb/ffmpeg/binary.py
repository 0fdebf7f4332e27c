"""Finding the ffmpeg binary and asking it what it can do.

The binary is looked up once per process (``find_ffmpeg`` is cached; clear it with
``find_ffmpeg.cache_clear()``). Version and capability answers are cached per binary.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Literal

from vnb.errors import ArgumentError, FFmpegNotFoundError

__all__ = ["ffmpeg_has", "ffmpeg_version", "find_ffmpeg"]

ENV_VAR = "VNB_FFMPEG"
"""Environment variable that names the ffmpeg binary to use; it wins over everything else."""

_QUERY_TIMEOUT = 30.0
_VERSION_RE = re.compile(r"^n?(\d+\.\d+(?:\.\d+)*)")


@functools.cache
def find_ffmpeg() -> str:
    """Return the path of the ffmpeg binary vnb runs.

    Order: the ``VNB_FFMPEG`` environment variable (must name an existing executable file),
    then ``ffmpeg`` on ``PATH``, then the binary shipped by the ``imageio-ffmpeg`` package.
    The answer is cached; ``find_ffmpeg.cache_clear()`` makes the next call look again
    (re-reading the environment).

    Returns:
        The path (or ``PATH``-resolved name) of an ffmpeg executable.

    Raises:
        FFmpegNotFoundError: ``VNB_FFMPEG`` is set but unusable, or no ffmpeg was found.
    """
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file() or not os.access(path, os.X_OK):
            msg = (
                f"{ENV_VAR}={configured!r} does not name an executable file; fix or unset {ENV_VAR}"
            )
            raise FFmpegNotFoundError(msg)
        return str(path)
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg  # noqa: PLC0415 - optional, imported only when needed

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except Exception as exc:  # ImportError or imageio-ffmpeg's RuntimeError
        msg = (
            "no ffmpeg found: install the 'imageio-ffmpeg' package (pip install imageio-ffmpeg), "
            f"put ffmpeg on PATH, or set {ENV_VAR} to the path of an ffmpeg binary ({exc})"
        )
        raise FFmpegNotFoundError(msg) from exc


def _query(exe: str, *args: str) -> str:
    """Run ``exe`` with ``args`` and return its standard output as text."""
    try:
        done = subprocess.run(
            [exe, "-hide_banner", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=_QUERY_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        msg = f"cannot run ffmpeg at {exe!r}: {exc}"
        raise FFmpegNotFoundError(msg) from exc
    return done.stdout.decode("utf-8", errors="replace")


@functools.cache
def _version_token(exe: str) -> str:
    """Return the word after ``ffmpeg version`` in ``exe -version`` (cached per binary)."""
    words = _query(exe, "-version").split()
    if len(words) >= 3 and words[:2] == ["ffmpeg", "version"]:
        return words[2]
    msg = f"{exe!r} does not look like ffmpeg: '-version' printed {' '.join(words[:6])!r}"
    raise FFmpegNotFoundError(msg)


def ffmpeg_version(exe: str | None = None) -> str:
    """Return the version of an ffmpeg binary.

    Args:
        exe: The binary; ``None`` uses `find_ffmpeg`.

    Returns:
        The dotted release number (``"9.0.2"`` for ``n9.0.2-17-g2a571b6068-20260930``), or the raw
        version word when it has none (git builds such as ``N-12345-gabcdef``).

    Raises:
        FFmpegNotFoundError: The binary cannot be run or is not ffmpeg.
    """
    token = _version_token(exe or find_ffmpeg())
    match = _VERSION_RE.match(token)
    return match.group(1) if match else token


def ffmpeg_version_tuple(exe: str | None = None) -> tuple[int, ...]:
    """Return the version of an ffmpeg binary as a tuple of integers.

    Args:
        exe: The binary; ``None`` uses `find_ffmpeg`.

    Returns:
        For example ``(9, 0, 2)``; ``(0,)`` when the version has no release number (git builds).

    Raises:
        FFmpegNotFoundError: The binary cannot be run or is not ffmpeg.
    """
    match = _VERSION_RE.match(_version_token(exe or find_ffmpeg()))
    if not match:
        return (0,)
    return tuple(int(part) for part in match.group(1).split("."))


@functools.cache
def _names(exe: str, kind: str) -> frozenset[str]:
    """Return the names ``exe -<kind>`` lists (cached per binary and kind)."""
    names: set[str] = set()
    started = False
    for line in _query(exe, f"-{kind}").splitlines():
        words = line.split()
        if not started:
            # The legend ends with a line of dashes, e.g. "------" or " ---".
            started = bool(words) and set(words[0]) == {"-"}
            continue
        if len(words) >= 2:
            names.update(words[1].split(","))  # muxers list aliases as "mov,mp4,..."
    return frozenset(names)


def ffmpeg_has(
    kind: Literal["filters", "encoders", "muxers"], name: str, exe: str | None = None
) -> bool:
    """Tell whether an ffmpeg binary was built with a filter, encoder or muxer.

    A listed encoder may still fail to open (hardware encoders without the hardware); confirm
    those with a tiny trial encode.

    Args:
        kind: Which list to look in.
        name: The exact name, e.g. ``"xfade"``, ``"libx264"``, ``"mp4"``.
        exe: The binary; ``None`` uses `find_ffmpeg`.

    Returns:
        Whether ``name`` is in the list.

    Raises:
        ValueError: ``kind`` is not one of the three lists.
        FFmpegNotFoundError: The binary cannot be run.
    """
    if kind not in ("filters", "encoders", "muxers"):
        msg = f"kind must be 'filters', 'encoders' or 'muxers', not {kind!r}"
        raise ArgumentError(msg)
    return name in _names(exe or find_ffmpeg(), kind)
