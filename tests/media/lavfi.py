"""Media for the media tests, made with ffmpeg's lavfi sources (nothing is downloaded)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import vnb.render

__all__ = ["lavfi", "run_ffmpeg"]


def lavfi(
    folder: Path,
    name: str,
    *,
    video: str | None,
    audio: str | None,
    gop: int = 60,
    crf: int = 10,
    extra: tuple[str, ...] = (),
) -> Path:
    """Make ``folder/name`` from lavfi sources: H.264 and AAC (``extra`` overrides)."""
    path = folder / name
    if path.exists():
        return path
    args: list[str] = []
    for source in (video, audio):
        if source is not None:
            args += ["-f", "lavfi", "-i", source]
    if video is not None:
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", str(crf), "-g", str(gop)]
        args += ["-pix_fmt", "yuv420p"]
    if audio is not None:
        args += ["-c:a", "aac", "-b:a", "192k", "-ar", "48000"]
    run_ffmpeg(*args, *extra, str(path))
    return path


def run_ffmpeg(*args: str) -> None:
    """Run the ffmpeg vnb uses, quietly; raise when it fails."""
    exe = vnb.render.find_ffmpeg()
    subprocess.run([exe, "-v", "error", "-y", "-nostdin", *args], check=True, timeout=120)
