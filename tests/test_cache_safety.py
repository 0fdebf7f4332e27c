"""The cache never harms what it did not make, repairs what it did, and owns all its folders."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import vnb
from vnb import cache
from vnb.errors import CacheError, VnbError
from vnb.media.proxy import get_proxy, make_proxy

KEY = "0123456789abcdef" * 4  # a content key, as the cache names its media files


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch):
    """Every test gets its own cache folder; the defaults come back afterwards."""
    for name in ("VNB_CACHE_SIZE", "VNB_CACHE_FILES_SIZE", "VNB_PRERENDER_SIZE"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "cache"
    monkeypatch.setenv("VNB_CACHE_DIR", str(folder))
    cache.configure()
    yield folder
    cache.configure()


@pytest.fixture(scope="module")
def clip(media) -> Path:
    """A tiny moving source for real proxies."""
    return media("safety.mp4", video="testsrc2=s=160x120:r=30:d=1", audio=None)


def vnb_cache(folder: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``vnb cache ARGS`` with ``VNB_CACHE_DIR=folder``."""
    env = {**os.environ, "VNB_CACHE_DIR": str(folder)}
    return subprocess.run(
        [sys.executable, "-m", "vnb", "cache", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def fingerprint(path: Path) -> tuple[int, int, int, int]:
    """What must not change about a thing the cache did not make: kind, inode, device, size."""
    st = path.lstat()
    return (stat.S_IFMT(st.st_mode), st.st_ino, st.st_rdev, st.st_size)


# --------------------------------------------------------------------------- 1. not a folder


def use_memory_and_leave_alone(path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """With ``VNB_CACHE_DIR=path``: everything works in memory, one warning names ``path``."""
    before = fingerprint(path)
    siblings = sorted(p.name for p in path.parent.iterdir())
    cache.configure(directory=path)
    with caplog.at_level(logging.WARNING, logger="vnb.cache"):
        cache.put_array("a", np.arange(5))
        back = cache.get_array("a")
        cache.put_json("j", {"x": 1})
        assert cache.get_json("j") == {"x": 1}
        figures = cache.stats()
        cache.clear()
    assert back is not None
    assert np.array_equal(back, np.arange(5))
    assert figures["backend"] == "memory"
    assert str(path) in figures["problem"]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert str(path) in warnings[0].getMessage()
    assert "not a folder" in warnings[0].getMessage()
    with pytest.raises(CacheError, match=str(path)):
        cache.check()
    assert fingerprint(path) == before  # never renamed, replaced or deleted
    assert sorted(p.name for p in path.parent.iterdir()) == siblings  # nothing moved aside
    assert not cache.folder("proxies").is_relative_to(path)


def test_a_file_as_cache_dir_is_left_alone(tmp_path, caplog):
    mine = tmp_path / "notes.txt"
    mine.write_text("precious")
    use_memory_and_leave_alone(mine, caplog)
    assert mine.read_text() == "precious"


def test_a_fifo_as_cache_dir_is_left_alone(tmp_path, caplog):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    use_memory_and_leave_alone(fifo, caplog)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_socket_as_cache_dir_is_left_alone(tmp_path, caplog):
    import socket

    sock_path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        use_memory_and_leave_alone(sock_path, caplog)
    assert stat.S_ISSOCK(sock_path.lstat().st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_dev_null_as_cache_dir_is_left_alone(tmp_path, caplog):
    # A canary first: a device node of our own, the same as /dev/null. Only if the cache leaves
    # it alone is /dev/null itself tried, so this test can never harm the machine's /dev/null.
    canary = tmp_path / "null"
    os.mknod(canary, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    use_memory_and_leave_alone(canary, caplog)
    assert stat.S_ISCHR(canary.lstat().st_mode)
    caplog.clear()
    null = Path("/dev/null")
    before = null.stat()  # read-only checks on /dev/null, nothing else
    use_memory_and_leave_alone(null, caplog)
    after = null.stat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_link_to_nothing_is_left_alone(tmp_path, caplog):
    link = tmp_path / "dangling"
    link.symlink_to(tmp_path / "nowhere")
    use_memory_and_leave_alone(link, caplog)
    assert not (tmp_path / "nowhere").exists()


def test_vnb_cache_commands_report_an_unusable_folder(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for args in (("stats",), ("stats", "--json"), ("clear",)):
        done = vnb_cache(fifo, *args)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert f"vnb: error: the cache folder {fifo} cannot be used" in done.stderr
        assert "a FIFO, not a folder" in done.stderr
        assert "Traceback" not in done.stderr
        assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert issubclass(CacheError, VnbError)


def test_a_notebook_keeps_working_with_proxies_in_a_scratch_folder(tmp_path, clip):
    mine = tmp_path / "notes.txt"
    mine.write_text("precious")
    cache.configure(directory=mine)
    proxy = make_proxy(clip, height=60)
    assert proxy.is_file()
    assert not proxy.is_relative_to(mine)
    assert get_proxy(clip, height=60) == proxy
    assert mine.read_text() == "precious"


# --------------------------------------------------------------------------- 2. repair in place


def made_by_vnb(folder: Path, clip: Path) -> Path:
    """A cache folder as vnb makes it: entries, a real proxy, an intermediate; then closed."""
    cache.configure(directory=folder)
    cache.put_json("old", 1)
    cache.put_array("big", np.zeros(100_000, np.uint8))  # a value file beside the database
    assert list(folder.rglob("*.val"))
    proxy = make_proxy(clip, height=60)
    (folder / "prerender").mkdir(exist_ok=True)
    (folder / "prerender" / f"{KEY}.mov").write_bytes(b"intermediate")
    cache.configure(directory=folder)  # closes it
    (folder / "cache.db").write_bytes(os.urandom(64 * 1024))
    for extra in ("cache.db-wal", "cache.db-shm"):
        (folder / extra).unlink(missing_ok=True)
    return proxy


def assert_rebuilt_once(folder: Path, proxy: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="vnb.cache"):
        assert cache.get_json("old") is None
        cache.put_json("new", 2)
        assert cache.get_json("new") == 2
        assert cache.stats()["backend"] == "disk"
    rebuilt = [r for r in caplog.records if "rebuilding" in r.getMessage()]
    assert len(rebuilt) == 1
    assert str(folder) in rebuilt[0].getMessage()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == rebuilt
    assert not list(folder.rglob("*.val"))  # the old store's value files are gone
    assert proxy.is_file()  # media files survive the store's rebuild
    assert (folder / "prerender" / f"{KEY}.mov").is_file()
    assert (folder / cache.folders.MARKER).is_file()


def test_a_damaged_store_beside_proxies_is_rebuilt_in_place(tmp_cache, clip, caplog):
    proxy = made_by_vnb(tmp_cache, clip)
    assert (tmp_cache / cache.folders.MARKER).is_file()
    assert_rebuilt_once(tmp_cache, proxy, caplog)


def test_a_damaged_store_of_an_older_vnb_is_rebuilt_by_its_layout(tmp_cache, clip, caplog):
    proxy = made_by_vnb(tmp_cache, clip)
    (tmp_cache / cache.folders.MARKER).unlink()  # made before the marker existed
    assert_rebuilt_once(tmp_cache, proxy, caplog)


def test_a_rebuild_deletes_only_the_stores_own_files(tmp_cache, clip, caplog):
    proxy = made_by_vnb(tmp_cache, clip)
    (tmp_cache / "README.txt").write_text("mine")  # the user's files in vnb's folder
    (tmp_cache / "ab").mkdir(exist_ok=True)
    (tmp_cache / "ab" / "photo.jpg").write_bytes(b"jpeg")
    assert_rebuilt_once(tmp_cache, proxy, caplog)
    assert (tmp_cache / "README.txt").read_text() == "mine"
    assert (tmp_cache / "ab" / "photo.jpg").read_bytes() == b"jpeg"


def test_a_damaged_store_while_open_is_rebuilt_in_place(tmp_cache, clip):
    proxy = make_proxy(clip, height=60)
    cache.put_json("j", 1)
    (tmp_cache / "cache.db").write_bytes(os.urandom(64 * 1024))
    for _ in range(3):
        cache.get_json("j")
        cache.put_json("j", 2)
    cache.configure(directory=tmp_cache)
    cache.put_json("j", 3)
    assert cache.get_json("j") == 3
    assert cache.stats()["backend"] == "disk"
    assert proxy.is_file()


# --------------------------------------------------------------------------- 3. all its folders


def put_file(name: str, key: str, age: float, size: int = 10_000) -> Path:
    path = cache.folder(name) / f"{key}.{'mp4' if name == 'proxies' else 'mov'}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    when = time.time() - age
    os.utime(path, (when, when))
    return path


def test_clear_empties_every_folder_of_the_cache(tmp_cache, clip):
    proxy = make_proxy(clip, height=60)
    intermediate = put_file("prerender", KEY, age=0)
    stranger = tmp_cache / "proxies" / "notes.txt"
    stranger.write_text("not the cache's")
    cache.put_json("j", 1)
    figures = cache.stats()
    assert figures["folders"]["proxies"] == {"files": 1, "bytes": proxy.stat().st_size}
    assert figures["folders"]["prerender"] == {"files": 1, "bytes": 10_000}
    assert figures["files"] == 2
    assert figures["files_bytes"] == proxy.stat().st_size + 10_000
    assert figures["files_limit"] == cache.DEFAULT_FILES_LIMIT
    done = vnb_cache(tmp_cache, "clear")
    assert done.returncode == 0, done.stderr
    assert not proxy.exists()
    assert not intermediate.exists()
    assert stranger.read_text() == "not the cache's"  # only what the cache made
    figures = cache.stats()
    assert (figures["entries"], figures["files"], figures["files_bytes"]) == (0, 0, 0)
    assert get_proxy(clip, height=60) is None
    done = vnb_cache(tmp_cache, "stats", "--json")
    assert json.loads(done.stdout)["files"] == 0


def test_media_files_are_bounded_least_recently_used_first(tmp_cache, clip):
    size = make_proxy(clip, height=60).stat().st_size
    cache.clear()
    cache.configure(files_limit=size + 15_000)
    old = put_file("proxies", "a" * 64, age=400)
    used = put_file("prerender", "b" * 64, age=300)
    middle = put_file("prerender", "c" * 64, age=200)
    cache.touch(used)  # used just now: the last to go
    proxy = make_proxy(clip, height=60)  # making a proxy sweeps the folders to the bound
    assert proxy.is_file()
    assert not old.exists()
    assert not middle.exists()
    assert used.exists()
    assert cache.stats()["files_bytes"] == size + 10_000


def test_prerender_files_obey_the_files_bound(monkeypatch):
    monkeypatch.setenv("VNB_CACHE_FILES_SIZE", "20K")
    cache.configure()
    assert cache.stats()["files_limit"] == 20 * 1024
    monkeypatch.delenv("VNB_CACHE_FILES_SIZE")
    monkeypatch.setenv("VNB_PRERENDER_SIZE", "12345")  # the former setting still counts
    assert cache.stats()["files_limit"] == 12345
    kept = put_file("prerender", "d" * 64, age=500, size=5000)
    gone = put_file("prerender", "e" * 64, age=400, size=5000)
    young = put_file("prerender", "f" * 64, age=0, size=5000)
    from vnb.render.prerender import _sweep

    _sweep({kept})
    assert kept.exists()
    assert not gone.exists()
    assert young.exists()


def test_folder_names_the_cache_folders_only():
    assert cache.folder("proxies") == cache.cache_dir() / "proxies"
    assert cache.folder("prerender") == cache.cache_dir() / "prerender"
    with pytest.raises(ValueError, match="proxies"):
        cache.folder("../elsewhere")


def test_stale_temporary_files_of_dead_processes_are_swept():
    stale = cache.folder("proxies") / f".{KEY}.mp4.0123456789ab.part"
    fresh = cache.folder("proxies") / f".{'9' * 64}.mp4.0123456789ab.part"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    os.utime(stale, (time.time() - 86400, time.time() - 86400))
    cache.clear()
    assert not stale.exists()
    assert fresh.exists()  # may be a render going on right now


def test_vnb_cache_stats_shows_the_files(tmp_cache):
    put_file("proxies", KEY, age=0, size=2_000_000)
    done = vnb_cache(tmp_cache, "stats")
    assert done.returncode == 0, done.stderr
    assert "1 proxies and pre-renders, 2.0 MB of 4295 MB" in done.stdout
    assert vnb.cache.stats()["folders"]["proxies"]["files"] == 1


# --------------------------------------------------------------------------- 4. render cache


def tiny_project(clip: Path) -> vnb.Project:
    p = vnb.Project(name="rc", width=64, height=48, fps=30)
    p.add_track("video").add_clip(clip, start=0, duration=1)
    return p


def corrupt_on_disk(folder: Path, key: str, value: object) -> None:
    """Overwrite the stored value of ``key`` in the cache's sqlite database, behind its back."""
    with sqlite3.connect(folder / "cache.db") as db:
        changed = db.execute("UPDATE Cache SET value = ? WHERE key = ?", (value, key)).rowcount
    assert changed == 1


DAMAGE = {
    "empty-object": "{}",
    "no-path": '{"identity": [1, 2, 3], "result": {}, "command": []}',
    "path-not-text": '{"path": 5, "identity": [1, 2, 3], "result": {"note": ""}, "command": []}',
    "list": "[1, 2, 3]",
    "null": "null",
    "truncated": '{"path": "/tmp/x.mp4", "identity": [',
    "bytes": b"\x00\xffnot json",
    "bad-result": None,  # a record whose result fields are wrong: filled in below
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_render_cache_entry_is_discarded_and_rendered_again(
    tmp_cache, clip, tmp_path, damage
):
    from vnb.render.rendercache import cached_render, render_key

    p = tiny_project(clip)
    first = cached_render(p, tmp_path / "a.mp4", speed="ultrafast")
    key = render_key(p, speed="ultrafast")
    value = DAMAGE[damage]
    if value is None:
        record = cache.get_json(key)
        record["result"] = {"note": "x", "frames": "many"}
        value = json.dumps(record)
    corrupt_on_disk(tmp_cache, key, value)
    again = cached_render(p, tmp_path / "b.mp4", speed="ultrafast")  # renders again…
    assert "render cache" not in again.note
    assert again.path.is_file()
    assert again.frames == first.frames == 30
    third = cached_render(p, tmp_path / "c.mp4", speed="ultrafast")  # …and the record is whole
    assert "served from the render cache" in third.note
    assert third.path.read_bytes() == again.path.read_bytes()


def test_the_render_cache_is_counted_shown_and_cleared_with_the_rest(tmp_cache, clip, tmp_path):
    from vnb.render.rendercache import cached_render

    cache.put_json("other", [1])  # not a render record
    cached_render(tiny_project(clip), tmp_path / "a.mp4", speed="ultrafast")
    figures = cache.stats()
    assert figures["renders"] == 1
    assert figures["entries"] >= 2  # (a render stores more: encoder trials, source indexes)
    done = vnb_cache(tmp_cache, "stats")
    assert "1 renders remembered" in done.stdout, done.stdout
    assert json.loads(vnb_cache(tmp_cache, "stats", "--json").stdout)["renders"] == 1
    done = vnb_cache(tmp_cache, "clear")
    assert f"{figures['entries']} entries (1 renders)" in done.stdout, done.stdout
    assert cache.stats()["renders"] == 0
    again = cached_render(tiny_project(clip), tmp_path / "b.mp4", speed="ultrafast")
    assert "render cache" not in again.note  # cleared: rendered anew
    assert (tmp_path / "a.mp4").is_file()  # the user's earlier output is not the cache's


def test_the_memory_store_counts_render_records_too(tmp_path):
    cache.configure(directory=tmp_path / "file")
    (tmp_path / "file").write_text("not a folder")
    cache.put_json("r", {"x": 1}, tag=cache.RENDERS)
    cache.put_json("o", 2)
    figures = cache.stats()
    assert (figures["backend"], figures["renders"], figures["entries"]) == ("memory", 1, 2)
    cache.clear()
    assert cache.stats()["renders"] == 0


# --------------------------------------------------------------------------- 5. tests' own cache


def test_tests_never_use_the_users_cache(monkeypatch, tmp_path_factory):
    from platformdirs import user_cache_dir

    monkeypatch.undo()  # what every test starts from: the session's setting (tests/conftest.py)
    cache.configure()
    users = Path(user_cache_dir("vnb")).resolve()
    here = cache.cache_dir().resolve()
    assert not here.is_relative_to(users)
    assert here.is_relative_to(tmp_path_factory.getbasetemp().resolve())
    code = "from vnb import cache; print(cache.cache_dir())"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert Path(out.stdout.strip()).resolve() == here  # subprocesses too
