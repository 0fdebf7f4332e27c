"""Shared fixtures: small media files made once per session with ffmpeg's lavfi sources.

Everything is tiny (≤ 320×240, a few seconds) so that tests which render with the real ffmpeg
stay fast. Files are made lazily, on first use, and kept for the whole session.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.media import RATE, SIZE, make_media, make_still

MakeMedia = Callable[..., Path]


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's folder of generated media."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def bench_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``--out`` folder for the benchmarks' smoke tests: sources they share are made once."""
    return tmp_path_factory.mktemp("bench")


@pytest.fixture(scope="session")
def media(media_dir: Path) -> MakeMedia:
    """``media(name, **options)``: a file made by `make_media`, once per session per name.

    Example: ``media("tone.mp4", video="color=c=red:s=320x240:r=30:d=2",
    audio="sine=f=660:d=2", gop=30)``.
    """
    made: dict[str, tuple[dict[str, Any], Path]] = {}

    def get(name: str, **options: Any) -> Path:
        if name in made:
            if made[name][0] != options:
                msg = f"media {name!r} was already made with other options"
                raise ValueError(msg)
            return made[name][1]
        path = make_media(media_dir, name, **options)
        made[name] = (options, path)
        return path

    return get


@pytest.fixture(scope="session")
def color_media(media: MakeMedia) -> Callable[..., Path]:
    """``color_media(color, freq)``: a solid colour clip with a sine tone of pitch ``freq``."""

    def get(
        color: str, freq: float, *, seconds: float = 3, size: str = SIZE, rate: str = RATE
    ) -> Path:
        tag = f"{color.strip('#')}-{freq:g}-{seconds:g}-{size}-{rate.replace('/', '_')}"
        return media(
            f"color-{tag}.mp4",
            video=f"color=c={color}:s={size}:r={rate}:d={seconds}",
            audio=f"sine=f={freq}:d={seconds}",
        )

    return get


@pytest.fixture(scope="session")
def testsrc(media: MakeMedia) -> Path:
    """testsrc2, 320×240 at 30 fps, 4 s, GOP 60, with a 440 Hz tone."""
    return media("testsrc.mp4")


@pytest.fixture(scope="session")
def still_png(media_dir: Path) -> Path:
    """A 320×240 PNG still: one frame of testsrc2."""
    return make_still(media_dir / "still.png")


@pytest.fixture(scope="session", autouse=True)
def vnb_cache_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point vnb's cache at a temporary folder for the session, never the user's ~/.cache/vnb.

    Set in ``os.environ`` (``VNB_CACHE_DIR``), so the CLI and every other subprocess a test
    starts use it too. Tests that set their own folder (or unset it to check the platform
    default) do so on top of this, with ``monkeypatch``, and get this one back afterwards.
    """
    from vnb import cache

    folder = tmp_path_factory.mktemp("vnb-cache")
    saved = os.environ.get("VNB_CACHE_DIR")
    os.environ["VNB_CACHE_DIR"] = str(folder)
    cache.configure()
    yield folder
    if saved is None:
        os.environ.pop("VNB_CACHE_DIR", None)
    else:
        os.environ["VNB_CACHE_DIR"] = saved
    cache.configure()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the ``fresh_venv`` tests last: they wait for the background work, and every other
    test runs beside it first instead of after the wait (the order is otherwise kept)."""
    items.sort(key=lambda item: item.get_closest_marker("fresh_venv") is not None)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the fresh-venv work in the background when a ``fresh_venv`` test is selected.

    It is three minutes of pip and notebooks that the rest of the suite runs beside
    (`tests.freshvenv`); the tests of `tests/test_fresh_venvs.py` read its outcome.
    """
    if any(item.get_closest_marker("fresh_venv") for item in session.items):
        from tests import freshvenv

        freshvenv.start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Let the background fresh-venv work end and delete its folder."""
    from tests import freshvenv

    freshvenv.finish()
