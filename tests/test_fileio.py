"""Reading users' files: regular files only, never blocking, with a size cap (issue 12)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import vnb
from vnb.errors import (
    FileAccessError,
    MediaError,
    PluginError,
    ProjectError,
    VnbError,
)
from vnb.fileio import atomic_output, read_regular_file, replace_file
from vnb.text import load_subtitles

ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}


def within(seconds: float, call: Callable[[], Any]) -> BaseException | None:
    """Run ``call`` in a daemon thread; fail if it does not finish; return what it raised."""
    out: list[BaseException | None] = [None]

    def run() -> None:
        try:
            call()
        except BaseException as err:
            out[0] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    return out[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Callable[[str], Path]:
    def make(name: str) -> Path:
        path = tmp_path / name
        os.mkfifo(path)
        return path

    return make


@pytest.fixture
def loop(tmp_path: Path) -> Callable[[str], Path]:
    def make(name: str) -> Path:
        a, b = tmp_path / name, tmp_path / f"{name}.other"
        a.symlink_to(b.name)
        b.symlink_to(a.name)
        return a

    return make


def test_read_regular_file_refuses_what_is_not_a_regular_file(tmp_path, fifo, loop) -> None:
    cases = {
        fifo("pipe"): "a FIFO",
        Path("/dev/zero"): "a character device",
        tmp_path: "a folder",
        loop("loop"): "a symlink loop",
        tmp_path / "missing": "no such file",
    }
    for path, kind in cases.items():
        err = within(5, lambda path=path: read_regular_file(path, max_bytes=100, what="thing"))
        assert isinstance(err, FileAccessError), (path, err)
        assert str(path) in str(err) and kind in str(err) and str(err).startswith("thing ")


def test_read_regular_file_caps_and_follows_symlinks(tmp_path) -> None:
    real = tmp_path / "real.bin"
    real.write_bytes(b"x" * 100)
    (tmp_path / "link").symlink_to(real)
    assert read_regular_file(tmp_path / "link", max_bytes=100, what="f") == b"x" * 100
    with pytest.raises(FileAccessError, match="more than the limit of 99 bytes"):
        read_regular_file(real, max_bytes=99, what="f")


def _limited_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a Python limited to 1.5 GB of address space, so /dev/zero cannot win."""
    prelude = "import resource; resource.setrlimit(resource.RLIMIT_AS, (3 << 29, 3 << 29))\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ENV,
        check=False,
    )


def test_load_refuses_dev_zero_without_reading_it() -> None:
    done = _limited_python(
        """
        import vnb
        try:
            vnb.load("/dev/zero")
        except vnb.errors.ProjectError as err:
            print("refused:", err)
        """
    )
    assert "refused: /dev/zero: cannot read: a character device" in done.stdout, done.stderr


def test_load_refuses_a_fifo_a_folder_and_a_loop(tmp_path, fifo, loop) -> None:
    for path, kind in [(fifo("p.vnb.json"), "FIFO"), (tmp_path, "folder"), (loop("l"), "loop")]:
        err = within(5, lambda path=path: vnb.load(path))
        assert isinstance(err, ProjectError) and str(path) in str(err) and kind in str(err)


def test_load_wasm_and_effects_check_refuse_a_fifo(fifo) -> None:
    pipe = fifo("fx.wasm")
    err = within(10, lambda: vnb.effects.load_wasm(str(pipe)))
    assert isinstance(err, PluginError) and "fx.wasm" in str(err) and "FIFO" in str(err)
    done = subprocess.run(
        [sys.executable, "-m", "vnb", "effects", "check", str(pipe)],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
        check=False,
    )
    assert done.returncode != 0
    assert "FIFO" in done.stderr and "Traceback" not in done.stderr


def test_a_fifo_subtitle_file_is_named_as_a_fifo_not_missing(tmp_path, fifo, testsrc) -> None:
    pipe = fifo("subs.srt")
    err = within(5, lambda: load_subtitles(pipe))
    assert isinstance(err, ProjectError)
    assert "subs.srt: subtitle file: cannot read: a FIFO" in str(err)
    p = vnb.Project(width=320, height=240, fps=30)
    p.add_track("video").add_clip(str(testsrc), duration=1)
    p.add_track("text").add_subtitles(str(pipe))
    err = within(10, lambda: p.frame_at(0.5))
    assert isinstance(err, MediaError), err
    assert "subs.srt" in str(err) and "FIFO" in str(err) and "no such file" not in str(err)


def test_a_symlink_loop_as_a_source_is_a_media_error(loop) -> None:
    source = loop("clip.mp4")
    with pytest.raises(MediaError, match=r"clip\.mp4.*symlink loop"):
        vnb.media.probe(source)
    p = vnb.Project(width=320, height=240, fps=30)
    p.add_track("video").add_clip(str(source), duration=1)
    err = within(10, lambda: p.frame_at(0.5))
    assert isinstance(err, VnbError) and "clip.mp4" in str(err) and "symlink loop" in str(err)


def test_a_model_path_that_is_a_fifo_or_folder_is_named_so(tmp_path, fifo) -> None:
    from vnb.detect import load_model  # onnxruntime is imported on use

    for path, kind in [(fifo("m.onnx"), "a FIFO"), (tmp_path, "a folder")]:
        err = within(10, lambda path=path: load_model(path))
        assert isinstance(err, vnb.errors.DetectionError), err
        assert str(path) in str(err) and kind in str(err)


# -- one atomic writer (issue 13) ------------------------------------------------------------


def test_atomic_output_replaces_the_target_whole_or_not_at_all(tmp_path) -> None:
    target = tmp_path / "made.bin"
    target.write_bytes(b"old")
    dead = tmp_path / ".made.bin.999999999.0badcafe.tmp"  # a dead process's temporary
    dead.write_bytes(b"left over")
    os.utime(dead, (0, 0))
    with atomic_output(target) as tmp:
        assert tmp.parent == tmp_path
        assert f".made.bin.{os.getpid()}." in tmp.name  # pid-named, like atomic_write's
        assert tmp.is_file()  # reserved: no other writer takes the name
        assert target.read_bytes() == b"old"  # untouched until the block ends
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["made.bin"]  # the dead one swept

    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["made.bin"]


def test_atomic_output_with_a_callers_temporary_name(tmp_path) -> None:
    target = tmp_path / "x.mov"
    part = tmp_path / ".x.mov.abc.part"
    with atomic_output(target, temp=part) as tmp:
        assert tmp == part
        assert not part.exists()  # the caller's writer creates it
        part.write_bytes(b"frames")
    assert target.read_bytes() == b"frames"
    assert not part.exists()


def test_replace_file_moves_a_temporary_over_the_target(tmp_path) -> None:
    tmp, target = tmp_path / ".t.part", tmp_path / "t"
    tmp.write_bytes(b"whole")
    replace_file(tmp, target)
    assert target.read_bytes() == b"whole"
    assert not tmp.exists()
    with pytest.raises(OSError):
        replace_file(tmp_path / "missing", target)
    assert target.read_bytes() == b"whole"


def test_a_model_registered_is_copied_atomically(tmp_path, monkeypatch) -> None:
    from vnb.detect import model

    monkeypatch.setenv("VNB_MODELS_DIR", str(tmp_path / "models"))
    shipped = model.load_model()
    source = tmp_path / "mine.onnx"
    source.write_bytes(Path(shipped.path).read_bytes())
    model.add_model(source, "mine")
    names = sorted(p.name for p in (tmp_path / "models").iterdir())
    assert names == ["mine.onnx", "registry.json"]  # no temporaries left
    assert model.load_model("mine").sha256 == shipped.sha256


def test_only_vnb_fileio_renames_a_file_over_another() -> None:
    """Every whole-file write goes through vnb.fileio: no module renames files by hand.

    ``Path.replace(p)`` / ``Path.rename(p)`` (one positional argument), ``os.replace`` and
    ``os.rename`` appear only in vnb/fileio.py, and in vnb/render/sequence.py, whose rename
    publishes a staged folder of frames and must never replace anything.
    """
    import ast

    allowed = {"vnb/fileio.py", "vnb/render/sequence.py"}
    root = Path(vnb.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            attr, owner = node.func.attr, node.func.value
            by_os = isinstance(owner, ast.Name) and owner.id == "os"
            one_arg = len(node.args) == 1 and not node.keywords
            if attr in {"replace", "rename"} and (by_os or one_arg) and name not in allowed:
                found.append(f"{name}:{node.lineno}")
    assert found == []
