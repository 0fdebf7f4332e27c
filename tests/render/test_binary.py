"""Tests for finding ffmpeg and asking it about itself (real binary from imageio-ffmpeg)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import imageio_ffmpeg
import pytest

from vnb.errors import FFmpegNotFoundError
from vnb.ffmpeg import binary
from vnb.ffmpeg.binary import (
    ffmpeg_has,
    ffmpeg_version,
    ffmpeg_version_tuple,
    find_ffmpeg,
)

IMAGEIO_EXE = imageio_ffmpeg.get_ffmpeg_exe()
posix_only = pytest.mark.skipif(os.name != "posix", reason="fake binaries are shell scripts")


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    monkeypatch.delenv("VNB_FFMPEG", raising=False)
    find_ffmpeg.cache_clear()
    yield
    find_ffmpeg.cache_clear()


def _fake_ffmpeg(folder: Path, version_word: str) -> Path:
    """A shell script named ffmpeg that prints a version line."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "ffmpeg"
    script.write_text(f"#!/bin/sh\necho 'ffmpeg version {version_word} Copyright (c) FFmpeg'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_env_var_wins_over_path(monkeypatch, tmp_path):
    fake = _fake_ffmpeg(tmp_path / "bin", "n1.0")
    monkeypatch.setenv("PATH", str(fake.parent))
    assert find_ffmpeg() == str(fake)  # PATH beats imageio-ffmpeg
    find_ffmpeg.cache_clear()
    monkeypatch.setenv("VNB_FFMPEG", IMAGEIO_EXE)
    assert find_ffmpeg() == IMAGEIO_EXE


def test_env_var_missing_file_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("VNB_FFMPEG", str(tmp_path / "no-such-ffmpeg"))
    with pytest.raises(FFmpegNotFoundError, match="VNB_FFMPEG"):
        find_ffmpeg()


@posix_only
def test_env_var_not_executable(monkeypatch, tmp_path):
    plain = tmp_path / "ffmpeg"
    plain.write_text("not a program")
    monkeypatch.setenv("VNB_FFMPEG", str(plain))
    with pytest.raises(FFmpegNotFoundError, match="VNB_FFMPEG"):
        find_ffmpeg()


def test_falls_back_to_imageio_ffmpeg(monkeypatch):
    monkeypatch.setenv("PATH", "")
    assert find_ffmpeg() == IMAGEIO_EXE


def test_nothing_found_says_how_to_get_one(monkeypatch):
    monkeypatch.setenv("PATH", "")
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import now fails
    with pytest.raises(FFmpegNotFoundError, match="imageio-ffmpeg"):
        find_ffmpeg()


def test_cached_until_cleared(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", "")
    assert find_ffmpeg() == IMAGEIO_EXE
    monkeypatch.setenv("VNB_FFMPEG", str(tmp_path / "missing"))
    assert find_ffmpeg() == IMAGEIO_EXE  # cached
    find_ffmpeg.cache_clear()
    with pytest.raises(FFmpegNotFoundError):
        find_ffmpeg()


def test_real_version():
    assert ffmpeg_version_tuple(IMAGEIO_EXE) >= (4,)
    version = ffmpeg_version(IMAGEIO_EXE)
    assert version == ".".join(map(str, ffmpeg_version_tuple(IMAGEIO_EXE)))
    assert ffmpeg_version() == version  # default binary is the same one here


@posix_only
@pytest.mark.parametrize(
    ("word", "text", "parts"),
    [
        ("n9.0.2-17-g2a571b6068-20260930", "9.0.2", (9, 0, 2)),
        ("6.1.1-3ubuntu5", "6.1.1", (6, 1, 1)),
        ("7.1-full_build-www.gyan.dev", "7.1", (7, 1)),
        ("N-12345-gabcdef0123", "N-12345-gabcdef0123", (0,)),
        ("2024-03-01-git-abc-full_build", "2024-03-01-git-abc-full_build", (0,)),
    ],
)
def test_version_parsing(tmp_path, word, text, parts):
    fake = str(_fake_ffmpeg(tmp_path, word))
    assert ffmpeg_version(fake) == text
    assert ffmpeg_version_tuple(fake) == parts


def test_not_ffmpeg(tmp_path):
    with pytest.raises(FFmpegNotFoundError):
        ffmpeg_version(str(tmp_path / "nothing-here"))


def test_has():
    assert ffmpeg_has("filters", "xfade")
    assert not ffmpeg_has("filters", "nonexistent")
    assert not ffmpeg_has("filters", "------")
    assert ffmpeg_has("encoders", "libx264", exe=IMAGEIO_EXE)
    assert ffmpeg_has("muxers", "mp4")
    assert ffmpeg_has("muxers", "ssegment")  # listed as an alias "stream_segment,ssegment"
    assert not ffmpeg_has("encoders", "xfade")
    with pytest.raises(ValueError, match="kind"):
        ffmpeg_has("codecs", "h264")  # type: ignore[arg-type]


def test_module_exports():
    assert set(binary.__all__) >= {"find_ffmpeg", "ffmpeg_version", "ffmpeg_has"}
