"""Saving: concurrent savers, targets that are not files, the umask (issue 12)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import vnb
from vnb.errors import ProjectError

ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}

SAVER = textwrap.dedent(
    """
    import sys, vnb
    path, who = sys.argv[1], sys.argv[2]
    failures = 0
    for i in range(50):
        p = vnb.Project(name=f"{who}-{i}", width=320, height=240, fps=30)
        try:
            p.save(path)
        except BaseException as err:
            failures += 1
            print(type(err).__name__, err, file=sys.stderr)
    print(failures)
    """
)


def test_two_processes_saving_the_same_project_never_fail(tmp_path: Path) -> None:
    path = tmp_path / "p.vnb.json"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SAVER, str(path), who],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        for who in ("a", "b")
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for (out, err), proc in zip(outputs, procs, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == "0", err
    assert vnb.load(path).name in {"a-49", "b-49"}
    assert vnb.load(path.with_name("p.vnb.json.bak")).name  # a whole document too
    assert sorted(f.name for f in tmp_path.iterdir()) == ["p.vnb.json", "p.vnb.json.bak"]


def test_saving_onto_a_folder_or_a_fifo_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "p.vnb.json"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(ProjectError, match=r"p\.vnb\.json: cannot save: it is a folder"):
        vnb.Project(width=64, height=48).save(folder)
    assert (folder / "keep.txt").read_text() == "mine"
    pipe = tmp_path / "pipe.vnb.json"
    os.mkfifo(pipe)
    with pytest.raises(ProjectError, match=r"pipe\.vnb\.json: cannot save: it is a FIFO"):
        vnb.Project(width=64, height=48).save(pipe)
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["p.vnb.json", "pipe.vnb.json"]


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_project_file_follows_the_umask(tmp_path: Path, umask: None) -> None:
    path = vnb.Project(width=64, height=48).save(tmp_path / "p.vnb.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    os.umask(0o077)
    other = vnb.Project(width=64, height=48).save(tmp_path / "q.vnb.json")
    assert stat.S_IMODE(other.stat().st_mode) == 0o600


def test_an_existing_file_keeps_its_mode(tmp_path: Path, umask: None) -> None:
    path = vnb.Project(width=64, height=48).save(tmp_path / "p.vnb.json")
    path.chmod(0o640)
    p = vnb.load(path)
    p.name = "again"
    p.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert vnb.load(path).name == "again"


def test_enospc_while_writing_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = vnb.Project(name="old", width=64, height=48).save(tmp_path / "p.vnb.json")
    before = path.read_bytes()

    def full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(ProjectError, match=r"p\.vnb\.json: cannot save: No space left on device"):
        vnb.Project(name="new", width=64, height=48).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(f.name for f in tmp_path.iterdir()) == ["p.vnb.json"]


def test_saving_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    real = vnb.Project(name="old", width=64, height=48).save(tmp_path / "real" / "p.vnb.json")
    link = tmp_path / "p.vnb.json"
    link.symlink_to(real)
    vnb.Project(name="new", width=64, height=48).save(link)
    assert link.is_symlink()
    assert vnb.load(real).name == "new"
    assert vnb.load(real.with_name("p.vnb.json.bak")).name == "old"


def test_a_backup_that_cannot_be_kept_does_not_stop_the_save(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = vnb.Project(name="old", width=64, height=48).save(tmp_path / "p.vnb.json")
    (tmp_path / "p.vnb.json.bak").mkdir()  # not vnb's: never replaced
    (tmp_path / "p.vnb.json.bak" / "mine").write_text("keep")
    vnb.Project(name="new", width=64, height=48).save(path)
    assert vnb.load(path).name == "new"
    assert (tmp_path / "p.vnb.json.bak" / "mine").read_text() == "keep"
    assert "no backup kept" in caplog.text
    assert sorted(f.name for f in tmp_path.iterdir()) == ["p.vnb.json", "p.vnb.json.bak"]


def test_odd_temp_names_do_not_break_a_save(tmp_path: Path) -> None:
    odd = tmp_path / f".p.vnb.json.{'9' * 30}.x.tmp"  # no such pid: a stale temp of vnb's
    odd.write_text("{")
    vnb.Project(width=64, height=48).save(tmp_path / "p.vnb.json")
    assert not odd.exists()


def test_a_project_is_never_saved_over_its_own_media(tmp_path: Path) -> None:
    """``p.save(source)`` used to write JSON over the clip's media (leaving it only as .bak)."""
    media = tmp_path / "a.mp4"
    media.write_bytes(b"pretend video bytes")
    subs = tmp_path / "subs.srt"
    subs.write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n", encoding="utf-8")
    p = vnb.Project(name="own", width=64, height=48, fps=30)
    p._base_dir = tmp_path
    p.add_track("video").add_clip("a.mp4", start=0, duration=1, id="shot")
    p.add_track("text").add_subtitles("subs.srt")
    for target, what in ((media, "clip 'shot'"), (tmp_path / "." / "subs.srt", "subtitles")):
        with pytest.raises(ProjectError, match=f"is the .*{what}"):
            p.save(target)
    (tmp_path / "link.json").symlink_to(media)
    with pytest.raises(ProjectError, match="clip 'shot'"):
        p.save(tmp_path / "link.json")
    assert media.read_bytes() == b"pretend video bytes"
    assert not (tmp_path / "a.mp4.bak").exists()
    assert p.save(tmp_path / "own.vnb.json").exists()  # any other name is fine
