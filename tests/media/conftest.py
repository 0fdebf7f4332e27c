"""Fixtures of the media tests: lavfi media made once per module, and a private cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.media import make_media, make_still
from vnb import cache


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def media(media_dir: Path) -> Callable[..., Path]:
    """``media(name, video=..., audio=..., ...)``: a file made once per module.

    Unlike the session's fixture, the sound keeps its source's channels (mono for ``sine``).
    """

    def get(name: str, *, video: str | None, audio: str | None, **options: Any) -> Path:
        options.setdefault("channels", None)
        return make_media(media_dir, name, video=video, audio=audio, **options)

    return get


@pytest.fixture(scope="module")
def still_png(media_dir: Path) -> Path:
    return make_still(media_dir / "still.png")


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path: Path) -> Iterator[None]:
    cache.configure(directory=tmp_path / "cache")
    yield
    cache.configure()
