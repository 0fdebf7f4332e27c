"""Tests of vnb.media.scan: folders of mixed files, in parallel, through probe()'s cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.ffmpeg import run_ffmpeg
from vnb.errors import MediaNotFoundError, UnsupportedMediaError
from vnb.media import probe, scan


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("scan")
    src = ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1"]
    run_ffmpeg(*src, "-c:v", "libx264", "-pix_fmt", "yuv420p", str(d / "b_clip.mp4"))
    run_ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(d / "a_tone.wav"))
    run_ffmpeg(*src, "-frames:v", "1", str(d / "c_still.png"))
    (d / "notes.txt").write_text("not media\n")
    (d / "fake.mp4").write_text("#EXTM3U\nhttp://127.0.0.1:9/x.ts\n")
    (d / "sub").mkdir()
    run_ffmpeg(*src, "-c:v", "libx264", str(d / "sub" / "d_clip.mkv"))
    (d / "sub" / "empty.mp4").write_bytes(b"")
    return d


def test_scan_finds_media_sorted(folder: Path) -> None:
    infos = scan(folder)
    names = [Path(info.path).relative_to(folder.resolve()).as_posix() for info in infos]
    assert names == ["a_tone.wav", "b_clip.mp4", "c_still.png", "sub/d_clip.mkv"]
    assert [info.path for info in infos] == sorted(info.path for info in infos)
    assert infos[0].video is None
    assert infos[2].is_still


def test_scan_not_recursive(folder: Path) -> None:
    names = [Path(info.path).name for info in scan(folder, recursive=False, workers=1)]
    assert names == ["a_tone.wav", "b_clip.mp4", "c_still.png"]


def test_scan_uses_probe_cache(folder: Path) -> None:
    first = scan(str(folder), workers=2)
    second = scan(folder, workers=4)
    assert all(a is b for a, b in zip(first, second, strict=True))
    assert probe(folder / "b_clip.mp4") is first[1]


def test_scan_bad_folders(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFoundError, match="missing"):
        scan(tmp_path / "missing")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(UnsupportedMediaError, match=r"file\.txt"):
        scan(tmp_path / "file.txt")
    assert scan(tmp_path) == []
