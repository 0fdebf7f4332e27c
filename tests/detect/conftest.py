"""Fixtures of the detection tests: videos made from scikit-image's photos, an isolated cache.

The photos (astronaut, chelsea, coffee) ship inside scikit-image. Each video is made once per
session with ffmpeg from a PNG written with Pillow.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from vnb import cache


def run_ffmpeg(*args: str) -> None:
    """Run the ffmpeg binary quietly; raise with its message if it fails."""
    done = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", *args],
        capture_output=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode(errors="replace")[-2000:])


@pytest.fixture(scope="session", autouse=True)
def detect_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every detection test caches into a folder of its own, emptied once per session."""
    folder = tmp_path_factory.mktemp("detect-cache")
    cache.configure(directory=folder)
    yield folder
    cache.configure()


@pytest.fixture(scope="session")
def photo() -> Callable[[str], np.ndarray]:
    """``photo(name)``: a scikit-image sample photo as RGB uint8 (even width and height)."""
    from skimage import data

    def get(name: str) -> np.ndarray:
        image = getattr(data, name)()
        h, w = image.shape[:2]
        return np.ascontiguousarray(image[: h - h % 2, : w - w % 2, :3])

    return get


@pytest.fixture(scope="session")
def photo_png(tmp_path_factory: pytest.TempPathFactory, photo) -> Callable[[str], Path]:
    """``photo_png(name)``: the photo saved as a PNG (once per session)."""
    folder = tmp_path_factory.mktemp("photos")

    def get(name: str) -> Path:
        path = folder / f"{name}.png"
        if not path.exists():
            Image.fromarray(photo(name)).save(path)
        return path

    return get


@pytest.fixture(scope="session")
def still_video(tmp_path_factory: pytest.TempPathFactory, photo_png) -> Callable[..., Path]:
    """``still_video(name, seconds=1, rate=10)``: the photo held still, as H.264 MP4."""
    folder = tmp_path_factory.mktemp("still-videos")

    def get(name: str, seconds: float = 1.0, rate: int = 10) -> Path:
        path = folder / f"{name}-{seconds:g}s-{rate}.mp4"
        if not path.exists():
            run_ffmpeg(
                "-loop", "1", "-framerate", str(rate), "-i", str(photo_png(name)),
                "-t", f"{seconds:g}", "-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p",
                str(path),
            )  # fmt: skip
        return path

    return get


@pytest.fixture(scope="session")
def pan_video(tmp_path_factory: pytest.TempPathFactory, photo_png) -> Path:
    """The coffee photo on a grey strip, panned: a 600×400 window moving 300 px right in 3 s.

    10 fps, 30 frames; the cup moves left through the frame at 100 px/s.
    """
    path = tmp_path_factory.mktemp("pan") / "pan.mp4"
    run_ffmpeg(
        "-loop", "1", "-framerate", "10", "-i", str(photo_png("coffee")),
        "-vf", "pad=1200:400:300:0:gray,crop=600:400:'150+t*100':0,format=yuv420p",
        "-t", "3", "-r", "10", "-c:v", "libx264", "-crf", "12", str(path),
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def alternating_video(tmp_path_factory: pytest.TempPathFactory, photo) -> Path:
    """The astronaut for 1 s, grey for 1 s, the astronaut again, grey again: 4 s at 10 fps."""
    folder = tmp_path_factory.mktemp("alternating")
    astronaut = photo("astronaut")
    grey = np.full_like(astronaut, 128)
    for i in range(40):
        Image.fromarray(astronaut if (i // 10) % 2 == 0 else grey).save(folder / f"f{i:03d}.png")
    path = folder / "alternating.mp4"
    run_ffmpeg(
        "-framerate", "10", "-i", str(folder / "f%03d.png"), "-c:v", "libx264", "-g", "10",
        "-crf", "12", "-pix_fmt", "yuv420p", str(path),
    )  # fmt: skip
    return path
