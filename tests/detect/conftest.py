"""Fixtures of the detection tests: videos made from scikit-image's photos, an isolated cache.

The photos (astronaut, chelsea, coffee) ship inside scikit-image. Each video is made once per
session with ffmpeg from a PNG written with Pillow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.helpers import media as helpers
from tests.helpers.ffmpeg import run_ffmpeg
from vnb import cache


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
    return helpers.photo


@pytest.fixture(scope="session")
def photo_png(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``photo_png(name)``: the photo saved as a PNG (once per session)."""
    folder = tmp_path_factory.mktemp("photos")
    return lambda name: helpers.photo_png(folder, name)


@pytest.fixture(scope="session")
def still_video(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``still_video(name, seconds=1, rate=10)``: the photo held still, as H.264 MP4."""
    folder = tmp_path_factory.mktemp("still-videos")
    return lambda name, seconds=1.0, rate=10: helpers.still_video(folder, name, seconds, rate)


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
