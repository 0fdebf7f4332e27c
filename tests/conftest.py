"""Shared fixtures: small media files made once per session with ffmpeg's lavfi sources.

Everything is tiny (≤ 320×240, a few seconds) so that tests which render with the real ffmpeg
stay fast. Files are made lazily, on first use, and kept for the whole session.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()

SIZE = "320x240"
RATE = "30"


def run_ffmpeg(*args: str) -> None:
    """Run the ffmpeg binary quietly; raise with its message if it fails."""
    done = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y", *args],
        capture_output=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        msg = f"ffmpeg failed ({done.returncode}): {done.stderr.decode(errors='replace')[-2000:]}"
        raise RuntimeError(msg)


def make_media(
    folder: Path,
    name: str,
    *,
    video: str | None = f"testsrc2=s={SIZE}:r={RATE}:d=4",
    audio: str | None = "sine=f=440:d=4",
    gop: int = 60,
    crf: int = 10,
    channels: int = 2,
    faststart: bool = False,
    extra: tuple[str, ...] = (),
) -> Path:
    """Make ``folder/name`` from lavfi sources: H.264 (near lossless) and stereo AAC.

    Args:
        folder: where the file goes.
        name: its file name; the extension picks the container.
        video: a lavfi video source (None for a sound-only file).
        audio: a lavfi audio source (None for a silent file).
        gop: keyframe interval in frames (seeks land mid-GOP in tests).
        crf: x264 quality; low so that pixels survive the encode.
        channels: audio channels.
        faststart: put the MP4 index in front of the data.
        extra: more output options.
    """
    path = folder / name
    args: list[str] = []
    if video is not None:
        args += ["-f", "lavfi", "-i", video]
    if audio is not None:
        args += ["-f", "lavfi", "-i", audio]
    if video is not None:
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", str(crf), "-g", str(gop)]
        args += ["-pix_fmt", "yuv420p"]
    if audio is not None:
        args += ["-c:a", "aac", "-b:a", "192k", "-ac", str(channels), "-ar", "48000"]
    if faststart:
        args += ["-movflags", "+faststart"]
    args += [*extra, str(path)]
    run_ffmpeg(*args)
    return path


MakeMedia = Callable[..., Path]


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's folder of generated media."""
    return tmp_path_factory.mktemp("media")


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
    path = media_dir / "still.png"
    if not path.exists():
        run_ffmpeg("-f", "lavfi", "-i", f"testsrc2=s={SIZE}:r=1:d=1", "-frames:v", "1", str(path))
    return path


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
