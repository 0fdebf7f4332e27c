"""Image headers claiming a huge picture are refused naming the size, never probed as 0×0."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

import vnb
from tests.helpers.ffmpeg import run_ffmpeg
from vnb.errors import MediaError, UnsupportedMediaError
from vnb.media import probe
from vnb.media.thumbnails import thumbnails


def _small(folder: Path, name: str) -> Path:
    path = folder / name
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x48:r=10:d=1", *(
        ["-frames:v", "1"] if not name.endswith(".gif") else []), str(path))  # fmt: skip
    return path


def png_claiming(src: Path, dst: Path, width: int, height: int) -> Path:
    """``src`` with IHDR's width and height patched and its CRC recomputed."""
    data = bytearray(src.read_bytes())
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    dst.write_bytes(data)
    return dst


def gif_claiming(src: Path, dst: Path, width: int, height: int) -> Path:
    """``src`` with the logical screen descriptor's size patched."""
    data = bytearray(src.read_bytes())
    data[6:10] = struct.pack("<HH", width, height)
    dst.write_bytes(data)
    return dst


def jpeg_claiming(src: Path, dst: Path, width: int, height: int) -> Path:
    """``src`` with the SOF0 frame header's size patched."""
    data = bytearray(src.read_bytes())
    pos = 2
    while data[pos + 1] != 0xC0:
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    data[pos + 5 : pos + 9] = struct.pack(">HH", height, width)
    dst.write_bytes(data)
    return dst


@pytest.fixture(scope="module")
def huge(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, str]]:
    """``(file, the size it claims)`` for a PNG, a GIF and a JPEG."""
    folder = tmp_path_factory.mktemp("huge")
    return [
        (png_claiming(_small(folder, "s.png"), folder / "big.png", 30000, 30000), "30000x30000"),
        (gif_claiming(_small(folder, "s.gif"), folder / "big.gif", 30000, 30000), "30000x30000"),
        (jpeg_claiming(_small(folder, "s.jpg"), folder / "big.jpg", 65000, 65000), "65000x65000"),
    ]


def test_probe_refuses_a_huge_claimed_image_naming_it_and_its_size(huge) -> None:
    for path, size in huge:
        with pytest.raises(UnsupportedMediaError) as info:
            probe(path)
        assert str(path) in str(info.value)
        assert f"claims {size} pixels" in str(info.value)


def test_frame_at_and_thumbnails_give_a_media_error_not_zero_division(huge) -> None:
    for path, _ in huge:
        p = vnb.Project(width=64, height=48, fps=10)
        p.add_track("video").add_clip(str(path), duration=1)
        with pytest.raises(MediaError, match=path.name):
            p.frame_at(0.5)
        with pytest.raises(MediaError, match=path.name):
            thumbnails(path, count=2, height=24)


def test_the_small_originals_still_open(huge) -> None:
    for path, _ in huge:
        info = probe(path.with_name("s" + path.suffix))
        assert (info.video.width, info.video.height) == (64, 48)
