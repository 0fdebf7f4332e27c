"""Damaged media: a seeded corpus of broken files through probe, frame_at, thumbnails,
waveforms and a render. Only `VnbError`s may come out (naming the file), and nothing hangs.

The corpus starts from small valid files made with lavfi (MP4 H.264+AAC, MKV, WebM VP9+Opus,
WAV, PNG, JPEG, GIF), then truncates them at several points, flips bits at seeded random
offsets, zeroes regions, and breaks a few header fields on purpose (an image claiming a zero
size, unknown codec tags). Everything is seeded: a failure reproduces.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import vnb
from tests.helpers.ffmpeg import run_ffmpeg
from vnb import cache
from vnb.errors import VnbError
from vnb.media import probe
from vnb.media.reader import reader_for
from vnb.media.thumbnails import thumbnails
from vnb.media.waveform import peaks

SEED = 2026
DEADLINE = 20.0  # seconds for any one call; a hang fails the test instead of stalling pytest
V = "testsrc2=s=64x48:r=10:d=1"
A = "sine=f=440:d=1"
X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "5", "-pix_fmt", "yuv420p"]
SOURCES: dict[str, list[str]] = {
    "mp4": ["-f", "lavfi", "-i", V, "-f", "lavfi", "-i", A, *X264, "-c:a", "aac", "-shortest"],
    "mkv": ["-f", "lavfi", "-i", V, "-f", "lavfi", "-i", A, *X264, "-c:a", "aac", "-shortest"],
    "webm": ["-f", "lavfi", "-i", V, "-f", "lavfi", "-i", A, "-c:v", "libvpx-vp9",
             "-deadline", "realtime", "-cpu-used", "8", "-g", "5", "-c:a", "libopus",
             "-shortest"],
    "wav": ["-f", "lavfi", "-i", A],
    "png": ["-f", "lavfi", "-i", V, "-frames:v", "1"],
    "jpg": ["-f", "lavfi", "-i", V, "-frames:v", "1"],
    "gif": ["-f", "lavfi", "-i", V],
}  # fmt: skip
#: Targeted breakages: (suffix, name, bytes to find, bytes to put instead).
PATCHES = [
    ("mp4", "no-audio-codec", b"mp4a", b"zzzz"),
    ("mp4", "no-video-codec", b"avc1", b"zzzz"),
    ("mp4", "no-index", b"stco", b"zzzz"),
    ("png", "zero-size", b"IHDR\x00\x00\x00\x40\x00\x00\x00\x30", b"IHDR" + bytes(8)),
    ("gif", "zero-size", b"GIF89a\x40\x00\x30\x00", b"GIF89a" + bytes(4)),
]


def _mutants(data: bytes, rnd: random.Random) -> Iterator[tuple[str, bytes]]:
    n = len(data)
    for frac in (0.01, 0.1, 0.5, 0.9):
        yield f"cut{frac:g}", data[: max(1, int(n * frac))]
    for k in range(3):
        b = bytearray(data)
        for _ in range(8):
            b[rnd.randrange(n)] ^= 1 << rnd.randrange(8)
        yield f"flip{k}", bytes(b)
    for k in range(2):
        b = bytearray(data)
        start, size = rnd.randrange(n), max(16, n // 20)
        b[start : start + size] = bytes(len(b[start : start + size]))
        yield f"zero{k}", bytes(b)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The damaged files (made once per module)."""
    folder = tmp_path_factory.mktemp("damaged")
    rnd = random.Random(SEED)
    out: list[Path] = []
    for suffix, args in SOURCES.items():
        good = folder / f"good.{suffix}"
        run_ffmpeg(*args, str(good))
        data = good.read_bytes()
        for tag, broken in _mutants(data, rnd):
            (path := folder / f"{tag}.{suffix}").write_bytes(broken)
            out.append(path)
    for suffix, name, find, put in PATCHES:
        data = (folder / f"good.{suffix}").read_bytes()
        assert find in data, (suffix, name)
        (path := folder / f"{name}.{suffix}").write_bytes(data.replace(find, put))
        out.append(path)
    return out


def _within(call: Callable[[], Any]) -> BaseException | None:
    """Run ``call`` in a daemon thread with a deadline; return what it raised, or None."""
    raised: list[BaseException | None] = [None]

    def run() -> None:
        try:
            call()
        except BaseException as err:
            raised[0] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(DEADLINE)
    assert not thread.is_alive(), f"no answer within {DEADLINE:g} s"
    return raised[0]


def _project(path: Path) -> vnb.Project:
    p = vnb.Project(width=64, height=48, fps=10)
    p.add_track("audio" if path.suffix == ".wav" else "video").add_clip(str(path), duration=0.5)
    return p


def test_damaged_media_gives_only_vnb_errors(corpus: list[Path], tmp_path: Path) -> None:
    cache.configure(directory=tmp_path / "cache")
    problems: list[str] = []
    outcomes = {"ok": 0, "refused": 0}
    try:
        for path in corpus:
            p = _project(path)
            calls: dict[str, Callable[[], Any]] = {
                "probe": lambda path=path: probe(path),
                "frame_at": lambda p=p: p.frame_at(0.3),
                "render": lambda p=p, path=path: p.render(
                    tmp_path / f"{path.name}.mp4", progress_bar=False, timeout=DEADLINE - 5
                ),
            }
            if path.suffix != ".wav":
                calls["thumbnails"] = lambda path=path: thumbnails(path, count=2, height=24)
            if path.suffix not in (".png", ".jpg", ".gif"):
                calls["peaks"] = lambda path=path: peaks(path, columns=16)
            for what, call in calls.items():
                err = _within(call)
                if err is None:
                    outcomes["ok"] += 1
                elif not isinstance(err, VnbError):
                    problems.append(f"{path.name} {what}: raw {type(err).__name__}: {err}")
                elif what != "render" and path.name not in str(err):
                    problems.append(f"{path.name} {what}: the error does not name it: {err}")
                else:
                    outcomes["refused"] += 1
    finally:
        cache.configure()
    assert not problems, "\n".join(problems)
    assert outcomes["ok"] and outcomes["refused"]  # the corpus has both kinds


def test_a_source_gone_after_planning_is_a_media_error(tmp_path: Path) -> None:
    with pytest.raises(vnb.errors.MediaNotFoundError, match=r"gone\.mp4: cannot open"):
        reader_for(tmp_path / "gone.mp4")


def test_an_unknown_codec_in_a_stream_vnb_does_not_read_is_no_reason_to_refuse(
    tmp_path: Path,
) -> None:
    good = tmp_path / "two.mkv"
    run_ffmpeg("-f", "lavfi", "-i", V, "-f", "lavfi", "-i", A, "-f", "lavfi", "-i", A,
               "-map", "0", "-map", "1", "-map", "2", *X264, "-c:a", "aac", str(good))  # fmt: skip
    data = good.read_bytes()
    second = data.find(b"A_AAC", data.find(b"A_AAC") + 1)
    odd = tmp_path / "odd.mkv"
    odd.write_bytes(data[:second] + b"A_ZZZ" + data[second + 5 :])
    info = probe(odd)
    assert info.audio is not None and info.audio.codec == "aac"
    p = _project(odd)
    assert p.frame_at(0.3).shape == (48, 64, 3)
    first = data.find(b"A_AAC")
    (broken := tmp_path / "broken.mkv").write_bytes(data[:first] + b"A_ZZZ" + data[first + 5 :])
    with pytest.raises(vnb.errors.UnsupportedMediaError, match=r"broken\.mkv: stream #1: unknown"):
        probe(broken)
