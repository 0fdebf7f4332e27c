"""Fixtures of the media tests: lavfi media made once per module, and a private cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.media.lavfi import lavfi, run_ffmpeg
from vnb import cache


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def media(media_dir: Path) -> Callable[..., Path]:
    """``media(name, video=..., audio=..., ...)``: a file made once per module."""
    return lambda name, **options: lavfi(media_dir, name, **options)


@pytest.fixture(scope="module")
def still_png(media_dir: Path) -> Path:
    path = media_dir / "still.png"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=1:d=1", "-frames:v", "1", str(path))
    return path


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path: Path) -> Iterator[None]:
    cache.configure(directory=tmp_path / "cache")
    yield
    cache.configure()
