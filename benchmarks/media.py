"""Benchmark sources, made with lavfi and cached in ``benchmarks/out/media/``.

Three 1280×720 30 fps H.264 clips (GOP 60) with detail and motion, each with a sine tone of its
own pitch (48 kHz AAC):

- ``a``: ``testsrc2`` (moving pattern, frame counter), 440 Hz;
- ``b``: ``mandelbrot`` (a zoom: fine detail everywhere, the hardest to encode), 660 Hz;
- ``c``: ``cellauto`` (a scrolling cellular automaton, sharp edges), 880 Hz.

A file is made once per length and reused while it exists; it is written under a temporary
name and renamed, so an interrupted run never leaves a half-written source behind.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg

__all__ = ["OUT", "SOURCES", "Source", "ffmpeg_exe", "make_sources"]

OUT = Path(__file__).resolve().parent / "out"
"""The benchmarks' cache and output folder (gitignored)."""

WIDTH, HEIGHT, FPS, GOP, SAMPLE_RATE = 1280, 720, 30, 60, 48_000


@dataclass(frozen=True, slots=True)
class Source:
    """One lavfi source: a picture generator and the pitch of its tone."""

    name: str
    video: str
    """A lavfi video source without size, rate or duration."""
    pitch: int
    """Hz of the sine tone."""
    filters: str = ""
    """Filters drawn over the picture (e.g. a frame-number barcode), or none."""


SOURCES = (
    Source("a", "testsrc2", 440),
    Source("b", "mandelbrot", 660),
    Source("c", "cellauto=rule=18", 880),
)


def ffmpeg_exe() -> str:
    """The ffmpeg binary every benchmark uses: the one vnb renders with.

    vnb looks at ``VNB_FFMPEG``, then ``ffmpeg`` on ``PATH``, then imageio-ffmpeg's binary;
    the hand-written command must run the very same program to be comparable.
    """
    try:
        from vnb.ffmpeg.binary import find_ffmpeg
    except ImportError:  # the sources can be made without vnb
        return imageio_ffmpeg.get_ffmpeg_exe()
    return find_ffmpeg()


def _lavfi(source: Source, seconds: float) -> str:
    name, _, opts = source.video.partition("=")
    size = f"s={WIDTH}x{HEIGHT}:r={FPS}"
    full = f"{name}={opts}:{size}" if opts else f"{name}={size}"
    if source.filters:
        full += f",{source.filters}"
    # mandelbrot and cellauto have no duration option: trim every source the same way.
    return f"{full},trim=duration={seconds},setpts=PTS-STARTPTS"


def make_source(source: Source, seconds: float, folder: Path | None = None) -> Path:
    """The file of ``source`` lasting ``seconds`` (made if it is not in the cache yet)."""
    folder = (folder or OUT) / "media"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source.name}_{seconds:g}s_{WIDTH}x{HEIGHT}_{FPS}.mp4"
    if path.exists() and path.stat().st_size > 0:
        return path
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    argv = [
        ffmpeg_exe(),
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        _lavfi(source, seconds),
        "-f",
        "lavfi",
        "-i",
        f"sine=f={source.pitch}:r={SAMPLE_RATE}:d={seconds}",
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "18",
        "-g",
        str(GOP),
        "-keyint_min",
        str(GOP),
        "-sc_threshold",
        "0",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-ac",
        "2",
        "-t",
        str(seconds),
        "-f",
        "mp4",
        str(tmp),
    ]
    try:
        subprocess.run(argv, check=True)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def make_sources(seconds: float, folder: Path | None = None) -> list[Path]:
    """The three benchmark sources, ``seconds`` long each."""
    return [make_source(s, seconds, folder) for s in SOURCES]


if __name__ == "__main__":
    import sys

    for p in make_sources(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0):
        print(p)
