"""Tests for run_ffmpeg with the real ffmpeg binary and media made with lavfi."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import av
import pytest

from tests.helpers import ffmpeg as tools
from vnb.errors import RenderCancelledError, RenderError
from vnb.ffmpeg.run import Progress, run_ffmpeg

EXE = tools.ffmpeg_exe()
ENCODE = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]
TWO_SECONDS = [
    *("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=2"),
    *("-f", "lavfi", "-i", "sine=frequency=440:duration=2"),
    *ENCODE,
    "-shortest",
]
# 60 s of 720p with a slow preset: far longer than any test waits for it.
LONG = [
    *("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=60"),
    *("-c:v", "libx264", "-preset", "slow", "-pix_fmt", "yuv420p"),
]


def _ffmpeg_processes(marker: str) -> list[str]:
    """Live (or unreaped) ffmpeg children of this process, and processes naming ``marker``.

    Only ffmpeg children count: other tests keep helpers of their own alive (a browser driver).
    """
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        found = []
        for proc in psutil.process_iter(["pid", "ppid", "cmdline"]):
            cmd = " ".join(proc.info["cmdline"] or [])
            if (proc.info["ppid"] == os.getpid() and "ffmpeg" in cmd) or marker in cmd:
                found.append(f"{proc.info['pid']}: {cmd}")
        return found
    if not Path("/proc").is_dir():
        pytest.skip("no psutil and no /proc to look for processes")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or entry.name == str(os.getpid()):
            continue
        try:
            ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if (ppid == os.getpid() and "ffmpeg" in cmd) or marker in cmd:
            found.append(f"{entry.name}: {cmd}")
    return found


def test_process_scan_sees_a_live_ffmpeg(tmp_path):
    marker = str(tmp_path / "scan-me.nut")
    proc = subprocess.Popen(
        tools.ffmpeg_argv("-re", "-f", "lavfi", "-i", "testsrc2", "-f", "nut", marker),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _ffmpeg_processes(str(tmp_path))
    finally:
        proc.kill()
        proc.wait()
    assert _ffmpeg_processes(str(tmp_path)) == []


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.part")) + sorted(folder.glob(".*.part"))


def _assert_clean(folder: Path, target: Path | None = None) -> None:
    assert _parts(folder) == []
    assert _ffmpeg_processes(str(folder)) == []
    if target is not None:
        assert not target.exists()


@pytest.fixture(scope="module")
def truncated_mp4(tmp_path_factory) -> Path:
    """A real 4 s mp4 (moov first) cut to half its bytes: ffmpeg fails half-way through."""
    folder = tmp_path_factory.mktemp("media")
    whole = folder / "whole.mp4"
    tools.run_ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=4"),
        *("-f", "lavfi", "-i", "sine=duration=4"),
        *ENCODE,
        *("-shortest", "-movflags", "+faststart", whole),
    )
    data = whole.read_bytes()
    half = folder / "half.mp4"
    half.write_bytes(data[: len(data) // 2])
    return half


def test_render_succeeds(tmp_path):
    target = tmp_path / "out.mp4"
    seen: list[Progress] = []
    result = run_ffmpeg(
        TWO_SECONDS, target, muxer="mp4", total_seconds=2.0, on_progress=seen.append, exe=EXE
    )
    assert result == target
    assert target.stat().st_size > 0
    with av.open(str(target)) as container:
        assert container.streams.audio
        frames = sum(1 for _ in container.decode(video=0))
    assert abs(frames - 60) <= 1
    fractions = [p.fraction for p in seen]
    assert fractions
    assert fractions == sorted(fractions)
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert seen[-1].fraction == 1.0
    assert seen[-1].total_seconds == 2.0
    _assert_clean(tmp_path)


def test_relative_output_and_progress_bar(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    result = run_ffmpeg(
        TWO_SECONDS,
        "rel.mp4",
        muxer="mp4",
        total_seconds=2.0,
        progress_bar=True,
        description="bar-test",
    )
    assert result == tmp_path / "rel.mp4"
    assert result.is_file()
    assert "bar-test" in capsys.readouterr().err
    _assert_clean(tmp_path)


def test_failure_half_way(tmp_path, truncated_mp4):
    target = tmp_path / "out.mp4"
    with pytest.raises(RenderError) as info:
        run_ffmpeg(["-i", str(truncated_mp4), *ENCODE], target, muxer="mp4", total_seconds=4.0)
    err = info.value
    assert not isinstance(err, RenderCancelledError)
    assert "Invalid data found" in str(err)  # ffmpeg's reason, from its stderr
    assert "-xerror" in err.argv
    assert err.argv[0] == EXE
    assert err.argv[-3:-1] == ["-f", "mp4"]
    assert err.argv[-1].startswith("file:")
    assert err.returncode not in (0, None)
    _assert_clean(tmp_path, target)


def test_invalid_filter_option(tmp_path):
    target = tmp_path / "out.mp4"
    with pytest.raises(RenderError, match="bogus"):
        run_ffmpeg([*TWO_SECONDS, "-vf", "hue=bogus=1"], target, muxer="mp4", total_seconds=2.0)
    _assert_clean(tmp_path, target)


def test_existing_target_untouched_on_failure(tmp_path, truncated_mp4):
    target = tmp_path / "keep.mp4"
    target.write_bytes(b"precious")
    with pytest.raises(RenderError):
        run_ffmpeg(["-i", str(truncated_mp4), *ENCODE], target, muxer="mp4", total_seconds=4.0)
    assert target.read_bytes() == b"precious"
    assert _parts(tmp_path) == []


def test_missing_output_folder(tmp_path):
    with pytest.raises(RenderError, match="no-such-folder"):
        run_ffmpeg(
            TWO_SECONDS, tmp_path / "no-such-folder" / "x.mp4", muxer="mp4", total_seconds=2.0
        )


def test_cancel(tmp_path):
    target = tmp_path / "long.mp4"
    cancel = threading.Event()
    first = threading.Event()
    outcome: list[BaseException | Path] = []

    def work() -> None:
        try:
            outcome.append(
                run_ffmpeg(
                    LONG,
                    target,
                    muxer="mp4",
                    total_seconds=60.0,
                    cancel=cancel,
                    on_progress=lambda _p: first.set(),
                )
            )
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    assert first.wait(timeout=15)
    cancel.set()
    asked = time.monotonic()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert time.monotonic() - asked < 5
    assert len(outcome) == 1
    assert isinstance(outcome[0], RenderCancelledError)
    assert "cancelled" in str(outcome[0])
    _assert_clean(tmp_path, target)


def test_timeout(tmp_path):
    target = tmp_path / "long.mp4"
    start = time.monotonic()
    with pytest.raises(RenderCancelledError, match="timeout"):
        run_ffmpeg(LONG, target, muxer="mp4", total_seconds=60.0, timeout=1.0)
    assert time.monotonic() - start < 6
    _assert_clean(tmp_path, target)


class Boom(Exception):
    pass


@pytest.mark.parametrize("error", [Boom, KeyboardInterrupt])
def test_callback_exception_propagates_after_cleanup(tmp_path, error):
    def explode(_progress: Progress) -> None:
        raise error

    target = tmp_path / "long.mp4"
    with pytest.raises(error):
        run_ffmpeg(LONG, target, muxer="mp4", total_seconds=60.0, on_progress=explode)
    _assert_clean(tmp_path, target)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="total_seconds"):
        run_ffmpeg(TWO_SECONDS, tmp_path / "x.mp4", muxer="mp4", total_seconds=0)
    with pytest.raises(ValueError, match="timeout"):
        run_ffmpeg(TWO_SECONDS, tmp_path / "x.mp4", muxer="mp4", total_seconds=2, timeout=0)
    assert list(tmp_path.iterdir()) == []
