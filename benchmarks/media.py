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

import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Appended, not put first: benchmarks/cuts_bench.py imports this under another vnb tree.
    sys.path.append(str(ROOT))

from tests.helpers.ffmpeg import ffmpeg_argv, ffmpeg_exe, run_ffmpeg  # noqa: E402
from tests.helpers.media import make_media  # noqa: E402

__all__ = [
    "OUT",
    "SOURCES",
    "Source",
    "ffmpeg_argv",
    "ffmpeg_exe",
    "make_media",
    "make_sources",
    "run_ffmpeg",
]

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
    return make_media(
        (folder or OUT) / "media",
        f"{source.name}_{seconds:g}s_{WIDTH}x{HEIGHT}_{FPS}.mp4",
        video=_lavfi(source, seconds),
        audio=f"sine=f={source.pitch}:r={SAMPLE_RATE}:d={seconds}",
        gop=GOP,
        crf=18,
        preset="veryfast",
        audio_bitrate="128k",
        extra=("-keyint_min", str(GOP), "-sc_threshold", "0", "-t", str(seconds)),
        timeout=None,
    )


def make_sources(seconds: float, folder: Path | None = None) -> list[Path]:
    """The three benchmark sources, ``seconds`` long each."""
    return [make_source(s, seconds, folder) for s in SOURCES]


if __name__ == "__main__":
    for p in make_sources(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0):
        print(p)
