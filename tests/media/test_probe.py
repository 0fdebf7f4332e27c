"""Tests of vnb.media.probing: what probe() reports, and what open_input() refuses."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import av
import pytest

from tests.helpers.ffmpeg import run_ffmpeg
from vnb.errors import MediaError, MediaNotFoundError, UnsupportedMediaError
from vnb.media import (
    ALLOWED_FORMATS,
    MediaInfo,
    open_input,
    probe,
    resolve_media_path,
)

# vnb.media.probing is the function (re-exported); the module is reached through importlib.
probe_mod = importlib.import_module("vnb.media.probing")
TESTSRC = "testsrc2=size=320x240:rate=30:duration=2"


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("media")
    lavfi = ["-f", "lavfi", "-i"]
    h264 = ["-c:v", "libx264", "-pix_fmt", "yuv420p"]
    run_ffmpeg(
        *lavfi,
        TESTSRC,
        *lavfi,
        "sine=duration=2",
        *h264,
        "-c:a",
        "aac",
        "-shortest",
        str(d / "clip.mp4"),
    )
    run_ffmpeg(
        *lavfi, "testsrc2=size=320x240:rate=30000/1001:duration=1", *h264, str(d / "ntsc.mp4")
    )
    vfr = "setpts='if(lt(N,30),N,N*2)/(30*TB)'"  # 1/30 s apart, then 2/30 s apart
    run_ffmpeg(*lavfi, TESTSRC, "-vf", vfr, "-fps_mode", "passthrough", *h264, str(d / "vfr.mkv"))
    run_ffmpeg(*lavfi, TESTSRC, *h264, str(d / "cfr.mkv"))
    run_ffmpeg(
        "-display_rotation", "90", "-i", str(d / "ntsc.mp4"), "-c", "copy", str(d / "rot.mp4")
    )
    run_ffmpeg(*lavfi, "testsrc2=size=320x240", "-frames:v", "1", str(d / "still.png"))
    run_ffmpeg(*lavfi, "testsrc2=size=320x240", "-frames:v", "1", str(d / "still.jpg"))
    run_ffmpeg(*lavfi, "sine=duration=1", str(d / "tone.wav"))
    run_ffmpeg(*lavfi, "color=size=8200x8", "-frames:v", "1", str(d / "huge.png"))
    run_ffmpeg(*lavfi, TESTSRC, *h264, "-t", "1", str(d / "seg.ts"))
    return d


def test_probe_mp4(media: Path) -> None:
    info = probe(media / "clip.mp4")
    assert info.path == str((media / "clip.mp4").resolve())
    assert info.format == "mov,mp4,m4a,3gp,3g2,mj2"
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert not info.is_still
    assert info.size == (media / "clip.mp4").stat().st_size
    v = info.video
    assert v is not None
    assert (v.width, v.height, v.fps, v.codec, v.pix_fmt) == (320, 240, 30, "h264", "yuv420p")
    assert isinstance(v.fps, Fraction)
    assert not v.variable_fps
    assert v.rotation == 0
    assert v.frames == 60
    assert v.duration == pytest.approx(2.0, abs=0.1)
    a = info.audio
    assert a is not None
    assert (a.codec, a.channels, a.sample_rate) == ("aac", 1, 44100)
    assert a.duration == pytest.approx(2.0, abs=0.1)
    data = json.loads(json.dumps(info.to_dict()))
    assert data["video"]["fps"] == "30/1"
    assert data["audio"]["sample_rate"] == 44100
    assert data["duration"] == info.duration


def test_ntsc_rate_is_exact(media: Path) -> None:
    info = probe(media / "ntsc.mp4")
    assert info.video is not None
    assert info.video.fps == Fraction(30000, 1001)
    assert info.to_dict()["video"]["fps"] == "30000/1001"
    assert info.audio is None


@pytest.mark.parametrize(("name", "variable"), [("vfr.mkv", True), ("cfr.mkv", False)])
def test_variable_frame_rate(media: Path, name: str, variable: bool) -> None:
    info = probe(media / name)
    assert info.format == "matroska,webm"
    assert info.video is not None
    assert info.video.variable_fps is variable
    assert info.video.duration is not None  # from the Matroska DURATION tag


def test_rotation_from_display_matrix(media: Path) -> None:
    info = probe(media / "rot.mp4")
    assert info.video is not None
    assert info.video.rotation == 90
    assert (info.video.width, info.video.height) == (320, 240)  # coded size


@pytest.mark.parametrize("name", ["still.png", "still.jpg"])
def test_still_image(media: Path, name: str) -> None:
    info = probe(media / name)
    assert info.is_still
    assert info.duration == 0.0
    assert info.video is not None
    assert (info.video.width, info.video.height) == (320, 240)
    assert info.video.fps is None
    assert info.video.frames == 1
    assert info.audio is None
    assert info.to_dict()["video"]["fps"] is None


def test_audio_only(media: Path) -> None:
    info = probe(media / "tone.wav")
    assert info.video is None
    assert info.audio is not None
    assert info.audio.codec == "pcm_s16le"
    assert info.duration == pytest.approx(1.0, abs=0.05)
    assert not info.is_still


def test_relative_name_resolves_against_base_dir(media: Path) -> None:
    assert probe("clip.mp4", base_dir=media) is probe(media / "clip.mp4")
    assert resolve_media_path("./sub/../clip.mp4", media) == (media / "clip.mp4").resolve()


def test_image_pattern_name_opens_the_named_file(tmp_path: Path, media: Path) -> None:
    shutil.copy(media / "still.png", tmp_path / "shot%03d.png")
    run_ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x48",
        "-frames:v",
        "1",
        "-update",
        "1",
        str(tmp_path / "shot000.png"),
    )
    info = probe(tmp_path / "shot%03d.png")
    assert info.video is not None
    assert info.video.width == 320  # not shot000.png's 64


def test_open_input_returns_open_container(media: Path) -> None:
    with open_input(media / "clip.mp4") as container:
        assert container.format.name in ALLOWED_FORMATS
        assert len(container.streams.video) == 1


@pytest.mark.parametrize(
    "name",
    [
        "http://x/a.mp4",
        "https://example.com/a.mp4",
        "concat:a.mp4|b.mp4",
        "file:a.mp4",
        "pipe:0",
        "subfile:,,start,0,end,100,,:a.mp4",
        "data:video/mp4;base64,AAAA",
        "lavfi:testsrc",
        "rtmp://host/live",
        "HTTP://X/a.mp4",
    ],
)
def test_refuses_urls_and_protocols(tmp_path: Path, name: str, monkeypatch) -> None:
    (tmp_path / "a.mp4").write_bytes(b"exists, so only the name can be the reason")
    monkeypatch.setattr(av, "open", _must_not_open)
    with pytest.raises(UnsupportedMediaError, match=re.escape(name)):
        probe(name, base_dir=tmp_path)
    with pytest.raises(UnsupportedMediaError, match="protocol"):
        resolve_media_path(Path(name) if "//" not in name else name, tmp_path)


@pytest.mark.parametrize("name", ["", "a\0b.mp4"])
def test_refuses_empty_and_nul_names(name: str) -> None:
    with pytest.raises(UnsupportedMediaError, match="NUL"):
        resolve_media_path(name)


def test_drive_letter_is_not_a_protocol(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFoundError):  # a local name that does not exist, not refused
        resolve_media_path("C:clip.mp4", tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFoundError, match=r"nope\.mp4") as err:
        probe(tmp_path / "nope.mp4")
    assert isinstance(err.value, FileNotFoundError)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file(tmp_path: Path, media: Path) -> None:
    path = tmp_path / "locked.mp4"
    shutil.copy(media / "clip.mp4", path)
    path.chmod(0)
    with pytest.raises(MediaNotFoundError, match=r"locked\.mp4"):
        probe(path)


def test_unreadable_file_simulated(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "locked.mp4"
    path.write_bytes(b"\0" * 64)
    real_open = os.open

    def deny(name: object, *args: object, **kwargs: object) -> int:
        if Path(os.fsdecode(name)) == path:
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(MediaNotFoundError, match="Permission denied"):
        probe(path)


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "folder.mp4").mkdir()
    with pytest.raises(UnsupportedMediaError, match=r"folder\.mp4"):
        probe(tmp_path / "folder.mp4")


def test_fifo_and_devices(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.mp4")
    with pytest.raises(UnsupportedMediaError, match=r"fifo\.mp4"):
        open_input(tmp_path / "fifo.mp4")  # must not block
    with pytest.raises(UnsupportedMediaError, match="/dev/zero"):
        probe("/dev/zero")
    (tmp_path / "zero.mp4").symlink_to("/dev/zero")
    with pytest.raises(UnsupportedMediaError, match="zero"):
        probe(tmp_path / "zero.mp4")


def _must_not_open(*args: object, **kwargs: object) -> None:
    msg = f"av.open was called: {args}"
    raise AssertionError(msg)


@pytest.fixture
def listener() -> tuple[int, list[bytes]]:
    """A local TCP server that records every connection made to it."""
    srv = socket.create_server(("127.0.0.1", 0))
    hits: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                hits.append(conn.recv(200))

    threading.Thread(target=serve, daemon=True).start()
    yield srv.getsockname()[1], hits
    srv.close()


def _hls(tmp_path: Path, media: Path, port: int, name: str) -> Path:
    path = tmp_path / name
    path.write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n"
        f"#EXTINF:1,\n{media / 'seg.ts'}\n#EXTINF:1,\nhttp://127.0.0.1:{port}/x.ts\n"
        "#EXT-X-ENDLIST\n"
    )
    return path


def test_hls_playlist_is_refused_before_opening(
    tmp_path: Path, media: Path, listener, monkeypatch
) -> None:
    port, hits = listener
    path = _hls(tmp_path, media, port, "playlist.mp4")
    monkeypatch.setattr(av, "open", _must_not_open)
    with pytest.raises(UnsupportedMediaError, match=r"playlist\.mp4"):
        probe(path)
    assert hits == []


@pytest.mark.parametrize("name", ["playlist.m3u8", "playlist.mp4"])
def test_allowlist_alone_refuses_hls(
    tmp_path: Path, media: Path, listener, monkeypatch, name: str
) -> None:
    """With the sniffing switched off, FFmpeg's format whitelist still refuses the playlist."""
    port, hits = listener
    monkeypatch.setattr(probe_mod, "_TEXT_LIST", re.compile(rb"(?!)"))
    with pytest.raises(UnsupportedMediaError, match=re.escape(name)):
        open_input(_hls(tmp_path, media, port, name))
    assert hits == []


@pytest.mark.parametrize("sniff", [True, False])
def test_ffconcat_list(tmp_path: Path, media: Path, monkeypatch, sniff: bool) -> None:
    if not sniff:
        monkeypatch.setattr(probe_mod, "_TEXT_LIST", re.compile(rb"(?!)"))
    path = tmp_path / "list.mp4"
    path.write_text(f"ffconcat version 1.0\nfile {media / 'seg.ts'}\nfile {path}\n")
    with pytest.raises(UnsupportedMediaError, match=r"list\.mp4"):
        probe(path)


def test_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("hello, this is not a video\n" * 20)
    with pytest.raises(UnsupportedMediaError, match=r"notes\.mp4"):
        probe(path)


def test_truncated_mp4(tmp_path: Path, media: Path) -> None:
    path = tmp_path / "cut.mp4"
    path.write_bytes((media / "clip.mp4").read_bytes()[:1024])
    with pytest.raises(UnsupportedMediaError, match=r"cut\.mp4"):
        probe(path)


def test_frame_size_bound(media: Path) -> None:
    with pytest.raises(UnsupportedMediaError, match="8200x8"):
        open_input(media / "huge.png")


def test_errors_share_the_base() -> None:
    assert issubclass(UnsupportedMediaError, MediaError)
    assert issubclass(MediaNotFoundError, MediaError)


def test_cache_returns_same_object_until_file_changes(
    tmp_path: Path, media: Path, monkeypatch
) -> None:
    path = tmp_path / "c.mp4"
    shutil.copy(media / "clip.mp4", path)
    calls: list[object] = []
    real_open_input = probe_mod.open_input

    def counting(*args: object, **kwargs: object):
        calls.append(args)
        return real_open_input(*args, **kwargs)

    monkeypatch.setattr(probe_mod, "open_input", counting)
    first = probe(path)
    assert probe(path) is first
    assert probe(str(path)) is first
    assert len(calls) == 1

    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    second = probe(path)
    assert second is not first
    assert isinstance(second, MediaInfo)
    assert second.mtime_ns == st.st_mtime_ns + 1_000_000_000
    assert len(calls) == 2
    assert probe(path) is second


def test_probe_from_many_threads(media: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        infos = list(pool.map(probe, [media / "cfr.mkv", media / "tone.wav"] * 8))
    assert {info.path for info in infos} == {
        str((media / n).resolve()) for n in ("cfr.mkv", "tone.wav")
    }
    assert len(set(infos)) == 2  # equal (and cached) results
