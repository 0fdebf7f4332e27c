"""Make test media: lavfi files, one-frame stills, and scikit-image's photos (nothing downloaded).

Every file is written under a temporary name and renamed when whole, and reused while it exists,
so a folder shared by a session (or the benchmarks' cache) never holds half a file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from tests.helpers.ffmpeg import run_ffmpeg

if TYPE_CHECKING:
    import numpy as np

__all__ = ["RATE", "SIZE", "make_media", "make_still", "photo", "photo_png", "still_video"]

SIZE = "320x240"
RATE = "30"


def make_media(
    folder: Path,
    name: str,
    *,
    video: str | None = f"testsrc2=s={SIZE}:r={RATE}:d=4",
    audio: str | None = "sine=f=440:d=4",
    gop: int = 60,
    crf: int = 10,
    preset: str = "ultrafast",
    channels: int | None = 2,
    audio_bitrate: str = "192k",
    faststart: bool = False,
    extra: tuple[str, ...] = (),
    timeout: float | None = 120.0,
) -> Path:
    """Make ``folder/name`` from lavfi sources: H.264 and AAC at 48 kHz (once: reused if there).

    Args:
        folder: where the file goes.
        name: its file name; the extension picks the container.
        video: a lavfi video source (None for a sound-only file).
        audio: a lavfi audio source (None for a silent file).
        gop: keyframe interval in frames (seeks land mid-GOP in tests).
        crf: x264 quality; low so that pixels survive the encode.
        preset: x264's speed preset.
        channels: audio channels (None: the source's).
        audio_bitrate: AAC bit rate.
        faststart: put the MP4 index in front of the data.
        extra: more output options (after the codecs, so they override them).
        timeout: seconds ffmpeg may take (None: no limit).
    """
    args: list[str] = []
    if video is not None:
        args += ["-f", "lavfi", "-i", video]
    if audio is not None:
        args += ["-f", "lavfi", "-i", audio]
    if video is not None:
        args += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-g", str(gop)]
        args += ["-pix_fmt", "yuv420p"]
    if audio is not None:
        args += ["-c:a", "aac", "-b:a", audio_bitrate, "-ar", "48000"]
        if channels is not None:
            args += ["-ac", str(channels)]
    if faststart:
        args += ["-movflags", "+faststart"]
    return _made(folder / name, [*args, *extra], timeout)


def make_still(path: Path, source: str = f"testsrc2=s={SIZE}:r=1:d=1") -> Path:
    """Write the first frame of the lavfi ``source`` to ``path`` (PNG, JPEG: by extension)."""
    return _made(path, ["-f", "lavfi", "-i", source, "-frames:v", "1"], 120.0)


def photo(name: str) -> np.ndarray:
    """A scikit-image sample photo (``astronaut``, ``chelsea``, ``coffee``…) as RGB uint8.

    Cropped to an even width and height, which H.264 in yuv420p needs.
    """
    import numpy as np
    from skimage import data

    image = getattr(data, name)()
    h, w = image.shape[:2]
    return np.ascontiguousarray(image[: h - h % 2, : w - w % 2, :3])


def photo_png(folder: Path, name: str) -> Path:
    """`photo` ``name`` saved as ``folder/name.png`` (once)."""
    from PIL import Image

    path = folder / f"{name}.png"
    if not path.exists():
        tmp = _part(path)
        Image.fromarray(photo(name)).save(tmp)
        tmp.replace(path)
    return path


def still_video(folder: Path, name: str, seconds: float = 1.0, rate: int = 10) -> Path:
    """`photo` ``name`` held still for ``seconds`` at ``rate`` fps: H.264 MP4 (once)."""
    png = photo_png(folder, name)
    args = ["-loop", "1", "-framerate", str(rate), "-i", str(png), "-t", f"{seconds:g}"]
    args += ["-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p"]
    return _made(folder / f"{name}-{seconds:g}s-{rate}.mp4", args, 120.0)


def _part(path: Path) -> Path:
    """A temporary name beside ``path`` with its extension (ffmpeg picks the muxer by it)."""
    return path.with_name(f".{path.stem}.{os.getpid()}.part{path.suffix}")


def _made(path: Path, args: list[str], timeout: float | None) -> Path:
    """``path``, made by ffmpeg with ``args`` under a temporary name unless it exists."""
    if path.exists() and path.stat().st_size > 0:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _part(path)
    try:
        run_ffmpeg(*args, tmp, timeout=timeout)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
