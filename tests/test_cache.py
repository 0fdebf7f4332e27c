"""vnb.cache: content keys, array/JSON round trips, stats across processes, bounds, repair."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vnb import cache
from vnb.errors import MediaNotFoundError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch):
    """Every test gets its own cache folder; the defaults come back afterwards."""
    monkeypatch.delenv("VNB_CACHE_SIZE", raising=False)
    folder = tmp_path / "cache"
    monkeypatch.setenv("VNB_CACHE_DIR", str(folder))
    cache.configure(directory=folder)
    yield folder
    cache.configure()


def _python(code: str, folder: Path) -> str:
    """Run ``code`` in a fresh interpreter using the cache in ``folder``; return its stdout."""
    env = {**os.environ, "VNB_CACHE_DIR": str(folder)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclasses.dataclass(frozen=True)
class Params:
    time: float
    size: tuple[int, int]
    name: str = "x"


@dataclasses.dataclass(frozen=True)
class OtherParams:
    time: float
    size: tuple[int, int]
    name: str = "x"


@dataclasses.dataclass
class Mutable:
    value: int


# --------------------------------------------------------------------------- keys

KEY_PARTS = (
    "clip",
    3,
    1.5,
    -0.0,
    True,
    None,
    b"\x00\xff",
    Fraction(1001, 30000),
    Path("/media/a.mp4"),
    (1, [2, 3]),
    {"b": 2, "a": {"z": None, "y": [1.25]}},
    Params(1.5, (320, 240)),
)


def test_make_key_is_a_sha256_hex_and_stable_across_processes(tmp_cache):
    key = cache.make_key(*KEY_PARTS)
    assert len(key) == 64
    assert int(key, 16) >= 0
    out = _python(
        """
        import dataclasses
        from fractions import Fraction
        from pathlib import Path
        from vnb.cache import make_key

        @dataclasses.dataclass(frozen=True)
        class Params:
            time: float
            size: tuple[int, int]
            name: str = "x"

        Params.__module__ = MODULE
        print(make_key(
            "clip", 3, 1.5, -0.0, True, None, b"\\x00\\xff", Fraction(1001, 30000),
            Path("/media/a.mp4"), (1, [2, 3]), {"a": {"y": [1.25], "z": None}, "b": 2},
            Params(1.5, (320, 240)),
        ))
        """.replace("MODULE", repr(Params.__module__)),
        tmp_cache,
    )
    assert out.strip() == key


def test_make_key_sees_every_difference():
    base = cache.make_key(Params(1.5, (320, 240)))
    assert cache.make_key(Params(1.5, (320, 240))) == base
    assert cache.make_key(Params(1.5000001, (320, 240))) != base
    assert cache.make_key(Params(1.5, (320, 241))) != base
    assert cache.make_key(Params(1.5, (320, 240), name="y")) != base
    assert cache.make_key(OtherParams(1.5, (320, 240))) != base  # the class is in the key
    # Types count: 1, 1.0, True, "1" and b"1" are different inputs.
    keys = {cache.make_key(v) for v in (1, 1.0, True, "1", b"1", Fraction(1), [1], (1,))}
    assert len(keys) == 8
    # Boundaries are unambiguous.
    assert cache.make_key("ab", "c") != cache.make_key("a", "bc")
    assert cache.make_key(("a",), "b") != cache.make_key(("a", "b"))
    assert cache.make_key(0.0) != cache.make_key(-0.0)


def test_make_key_ignores_dict_order():
    one = {"x": 1, "y": [1, 2], "z": {"p": None, "q": 2.5}}
    two = {"z": {"q": 2.5, "p": None}, "y": [1, 2], "x": 1}
    assert cache.make_key(one) == cache.make_key(two)
    assert cache.make_key({1: "a", "1": "b"}) == cache.make_key({"1": "b", 1: "a"})


@pytest.mark.parametrize("bad", [object(), {1, 2}, Mutable(1), np.int64(3), Params, 1j])
def test_make_key_refuses_other_types(bad):
    with pytest.raises(TypeError):
        cache.make_key("ok", [bad])


def test_source_identity(tmp_path):
    media = tmp_path / "a.bin"
    media.write_bytes(b"12345")
    os.utime(media, ns=(1_000_000_000, 2_000_000_000))
    path, size, mtime_ns = cache.source_identity(media)
    assert path == str(media.resolve())
    assert (size, mtime_ns) == (5, 2_000_000_000)
    rel = os.path.relpath(media)
    assert cache.source_identity(rel) == (path, size, mtime_ns)
    media.write_bytes(b"123456")
    assert cache.source_identity(media)[1] == 6
    with pytest.raises(MediaNotFoundError, match=r"missing\.mp4"):
        cache.source_identity(tmp_path / "missing.mp4")


# --------------------------------------------------------------------------- values

ARRAYS = [
    np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
    np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8),  # a file entry
    np.linspace(-1, 1, 101, dtype=np.float32),
    np.arange(12, dtype=">i8").reshape(3, 4),  # big-endian survives as such
    np.array([1 + 2j, -3j], dtype=np.complex128),
    np.array(7.25),  # 0-d
    np.zeros((0, 3), dtype=np.int16),  # empty
    np.array([True, False, True]),
    np.array(["ab", "cde"]),
    np.array(["2024-01-01", "2024-02-29"], dtype="datetime64[D]"),
    np.zeros(3, dtype=[("t", "<f8"), ("xy", "<i4", (2,))]),
    np.asfortranarray(np.arange(35, dtype=np.float64).reshape(5, 7)),
    np.arange(40, dtype=np.int32)[::3],  # not contiguous
]


@pytest.mark.parametrize("array", ARRAYS, ids=lambda a: f"{a.dtype.str}{list(a.shape)}")
def test_array_round_trip_is_exact(array):
    key = cache.make_key("array", array.dtype.str, array.shape)
    cache.put_array(key, array)
    back = cache.get_array(key)
    assert back is not None
    assert back.dtype == array.dtype
    assert back.shape == array.shape
    assert back.tobytes() == np.ascontiguousarray(array).tobytes()
    assert back.flags.writeable and back.flags.c_contiguous
    back[...] = 0 if back.size else back  # a fresh copy: the cache is untouched
    again = cache.get_array(key)
    assert again is not None
    assert again.tobytes() == np.ascontiguousarray(array).tobytes()


def test_arrays_are_not_pickled(tmp_cache):
    cache.put_array("k", np.arange(5, dtype=np.uint16))
    raw = cache.store().get("k")
    assert isinstance(raw, bytes)
    assert raw.startswith(b"VNBA\x01")
    assert raw.endswith(np.arange(5, dtype=np.uint16).tobytes())
    with pytest.raises(TypeError):
        cache.put_array("objects", np.array([object()]))
    with pytest.raises(TypeError):
        cache.put_array("list", [1, 2, 3])  # type: ignore[arg-type]


def test_json_round_trip():
    value = {"duration": 12.5, "streams": [{"codec": "h264", "size": [1920, 1080]}], "é": None}
    cache.put_json("probe", value)
    assert cache.get_json("probe") == value
    assert isinstance(cache.store().get("probe"), str)
    assert cache.get_json("absent") is None
    with pytest.raises(TypeError):
        cache.put_json("bad", {"x": object()})
    with pytest.raises(ValueError, match="JSON"):
        cache.put_json("nan", float("nan"))


def test_second_get_is_a_hit():
    key = cache.make_key("frame", 1.0)
    assert cache.get_array(key) is None
    cache.put_array(key, np.ones((4, 4), dtype=np.uint8))
    assert cache.get_array(key) is not None
    figures = cache.stats()
    assert (figures["hits"], figures["misses"], figures["hit_ratio"]) == (1, 1, 0.5)
    assert figures["entries"] == 1
    assert figures["bytes"] > 0
    assert figures["backend"] == "disk"
    assert Path(figures["directory"]) == cache.cache_dir()
    assert figures["size_limit"] == cache.DEFAULT_SIZE_LIMIT


@pytest.mark.parametrize(
    "junk",
    [b"", b"VNBA", b"not an array at all", "text", 42],
    ids=["empty", "short", "garbage", "text", "int"],
)
def test_a_malformed_entry_is_deleted_and_counts_as_a_miss(junk):
    cache.store().set("k", junk)
    assert cache.get_array("k") is None
    assert "k" not in cache.store()
    figures = cache.stats()
    assert (figures["hits"], figures["misses"]) == (0, 1)


def test_a_truncated_array_is_a_miss():
    for size in (10, 100_000):  # stored inline in sqlite, and as a file
        cache.put_array("k", np.arange(size, dtype=np.int32))
        cache.store().set("k", cache.store().get("k")[:-1])
        assert cache.get_array("k") is None
        assert "k" not in cache.store()
    cache.store().set("j", b"\xff{")
    assert cache.get_json("j") is None
    assert "j" not in cache.store()
    assert cache.stats()["misses"] == 3


# --------------------------------------------------------------------------- processes


def test_the_cache_survives_the_process_and_stats_add_up(tmp_cache):
    _python(
        """
        import numpy as np
        from vnb import cache
        key = cache.make_key("frame", ("a.mp4", 10, 20), 2.5)
        assert cache.get_array(key) is None
        cache.put_array(key, np.arange(60000, dtype=np.float32).reshape(200, 300))
        cache.put_json("meta", {"fps": [30000, 1001]})
        """,
        tmp_cache,
    )
    key = cache.make_key("frame", ("a.mp4", 10, 20), 2.5)
    back = cache.get_array(key)
    assert back is not None
    assert np.array_equal(back, np.arange(60000, dtype=np.float32).reshape(200, 300))
    assert cache.get_json("meta") == {"fps": [30000, 1001]}
    figures = cache.stats()
    assert (figures["hits"], figures["misses"]) == (2, 1)  # the other process's miss counts
    assert figures["entries"] == 2


def test_import_is_cheap():
    code = (
        "import sys, vnb.cache; "
        "print([m for m in ('diskcache', 'numpy', 'platformdirs') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- bounds and repair


def test_size_is_bounded_under_a_flood(tmp_path):
    limit = 5 * 1024**2
    cache.configure(directory=tmp_path / "small", size_limit=limit)
    for i in range(100):
        cache.put_array(cache.make_key("flood", i), np.full(200 * 1024, i % 256, dtype=np.uint8))
        assert cache.stats()["bytes"] <= limit * 1.1
    figures = cache.stats()
    assert figures["size_limit"] == limit
    assert 0 < figures["entries"] < 100
    newest = cache.get_array(cache.make_key("flood", 99))  # recent ones stay…
    assert newest is not None
    assert newest[0] == 99
    assert cache.get_array(cache.make_key("flood", 0)) is None  # …the oldest went
    # On disk too (sqlite's write-ahead log, a few MB at most, is not part of the volume).
    files = [p for p in (tmp_path / "small").rglob("*") if p.is_file()]
    stored = [p for p in files if p.name not in ("cache.db-wal", "cache.db-shm")]
    assert sum(p.stat().st_size for p in stored) <= limit * 1.1


def test_an_array_larger_than_the_bound_is_not_stored(tmp_path):
    cache.configure(directory=tmp_path / "tiny", size_limit=100_000)
    cache.put_array("big", np.zeros(200_000, dtype=np.uint8))
    assert cache.get_array("big") is None
    cache.put_array("small", np.zeros(1000, dtype=np.uint8))
    assert cache.get_array("small") is not None


def test_size_limit_from_the_environment(monkeypatch):
    monkeypatch.setenv("VNB_CACHE_SIZE", "64M")
    cache.configure()
    assert cache.stats()["size_limit"] == 64 * 1024**2
    monkeypatch.setenv("VNB_CACHE_SIZE", "123456")
    cache.configure()
    assert cache.stats()["size_limit"] == 123456
    monkeypatch.setenv("VNB_CACHE_SIZE", "lots")
    cache.configure()
    assert cache.stats()["size_limit"] == cache.DEFAULT_SIZE_LIMIT
    with pytest.raises(ValueError, match="positive"):
        cache.configure(size_limit=0)


def test_cache_dir_defaults(monkeypatch, tmp_path):
    cache.configure()
    assert cache.cache_dir() == tmp_path / "cache"  # VNB_CACHE_DIR
    monkeypatch.delenv("VNB_CACHE_DIR")
    from platformdirs import user_cache_dir

    assert cache.cache_dir() == Path(user_cache_dir("vnb")) / "v1"
    cache.configure(directory=tmp_path / "elsewhere")
    assert cache.cache_dir() == tmp_path / "elsewhere"


def test_a_corrupt_database_is_rebuilt(tmp_cache, caplog):
    cache.put_array("a", np.arange(10))
    cache.configure(directory=tmp_cache)  # close it
    (tmp_cache / "cache.db").write_bytes(os.urandom(64 * 1024))
    for extra in ("cache.db-wal", "cache.db-shm"):
        (tmp_cache / extra).unlink(missing_ok=True)
    assert cache.get_array("a") is None
    assert "rebuilding" in caplog.text
    cache.put_array("a", np.arange(10))
    back = cache.get_array("a")
    assert back is not None
    assert np.array_equal(back, np.arange(10))
    assert cache.stats()["backend"] == "disk"


def test_corruption_while_open_is_survived_and_repaired(tmp_cache):
    cache.put_array("a", np.arange(100_000))
    cache.put_json("j", [1])
    (tmp_cache / "cache.db").write_bytes(os.urandom(64 * 1024))
    for _ in range(3):  # whatever each call sees, none raises
        cache.get_array("a")
        cache.get_json("j")
        cache.put_json("j", [2])
        cache.stats()
    cache.configure(directory=tmp_cache)  # at the latest, reopening repairs it
    cache.put_json("j", [3])
    assert cache.get_json("j") == [3]
    assert cache.stats()["backend"] == "disk"


def test_a_folder_replaced_by_a_file_is_left_alone(tmp_cache):
    cache.put_json("j", 1)
    cache.configure(directory=tmp_cache)
    for p in sorted(tmp_cache.rglob("*"), reverse=True):
        p.rmdir() if p.is_dir() else p.unlink()
    tmp_cache.rmdir()
    tmp_cache.write_text("someone's file")
    assert cache.get_json("j") is None
    cache.put_json("j", 2)
    assert cache.get_json("j") == 2  # in memory
    assert cache.stats()["backend"] == "memory"
    assert tmp_cache.read_text() == "someone's file"  # never renamed, replaced or deleted
    assert not list(tmp_cache.parent.glob("cache.corrupt*"))


def test_a_folder_with_other_files_is_never_wiped(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "cache.db").write_bytes(b"garbage" * 1000)
    (folder / "thesis.tex").write_text("precious")
    cache.configure(directory=folder)
    cache.put_json("j", 1)  # works, in memory
    assert cache.get_json("j") == 1
    assert cache.stats()["backend"] == "memory"
    assert (folder / "thesis.tex").read_text() == "precious"


def test_an_unusable_folder_degrades_to_memory(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    cache.configure(directory=blocker / "cache")  # cannot be created: its parent is a file
    key = cache.make_key("frame")
    assert cache.get_array(key) is None
    cache.put_array(key, np.arange(6).reshape(2, 3))
    back = cache.get_array(key)
    assert back is not None
    assert np.array_equal(back, np.arange(6).reshape(2, 3))
    figures = cache.stats()
    assert figures["backend"] == "memory"
    assert (figures["hits"], figures["misses"], figures["entries"]) == (1, 1, 1)
    cache.clear()
    assert cache.stats()["entries"] == 0
    cache.configure(directory=tmp_path / "good")  # configure() leaves memory mode
    assert cache.stats()["backend"] == "disk"


def test_storage_errors_are_swallowed(monkeypatch):
    import sqlite3

    def broken(*_args, **_kwargs):
        msg = "database is locked"
        raise sqlite3.OperationalError(msg)

    store = cache.store()
    monkeypatch.setattr(store, "get", broken)
    monkeypatch.setattr(store, "set", broken)
    monkeypatch.setattr(store, "clear", broken)
    monkeypatch.setattr(store, "stats", broken)
    cache.put_array("a", np.arange(3))
    assert cache.get_array("a") is None
    cache.put_json("j", 1)
    assert cache.get_json("j") is None
    cache.clear()
    assert cache.stats()["hits"] == 0
    assert cache.store() is store  # a busy lock is not a reason to rebuild


def test_clear_empties_and_resets_stats():
    cache.put_json("a", 1)
    cache.put_array("b", np.zeros(100_000, dtype=np.uint8))
    assert cache.get_json("a") == 1
    assert cache.get_json("missing") is None
    cache.clear()
    figures = cache.stats()
    assert (figures["hits"], figures["misses"], figures["entries"]) == (0, 0, 0)
    assert cache.get_json("a") is None
    assert not [p for p in cache.cache_dir().rglob("*.val")]


def test_threads_share_the_store():
    from concurrent.futures import ThreadPoolExecutor

    def work(i: int) -> bool:
        key = cache.make_key("thread", i)
        cache.put_array(key, np.full(1000, i, dtype=np.int32))
        back = cache.get_array(key)
        return back is not None and int(back[0]) == i

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(work, range(64)))
    assert cache.stats()["hits"] == 64


# --------------------------------------------------------------------------- command line


def test_cli_cache_stats_and_clear(tmp_cache):
    _python(
        """
        from vnb import cache
        cache.put_json("a", 1)
        cache.get_json("a")
        cache.get_json("b")
        """,
        tmp_cache,
    )
    env = {**os.environ, "VNB_CACHE_DIR": str(tmp_cache)}
    run = [sys.executable, "-m", "vnb", "cache"]
    out = subprocess.run(
        [*run, "stats", "--json"], capture_output=True, text=True, env=env, check=True
    )
    figures = json.loads(out.stdout)
    assert (figures["hits"], figures["misses"], figures["entries"]) == (1, 1, 1)
    assert figures["hit_ratio"] == 0.5
    assert figures["directory"] == str(tmp_cache)
    out = subprocess.run([*run, "stats"], capture_output=True, text=True, env=env, check=True)
    assert str(tmp_cache) in out.stdout
    assert "hit ratio 50%" in out.stdout
    out = subprocess.run([*run, "clear"], capture_output=True, text=True, env=env, check=True)
    assert "emptied" in out.stdout
    out = subprocess.run(
        [*run, "stats", "--json"], capture_output=True, text=True, env=env, check=True
    )
    figures = json.loads(out.stdout)
    assert (figures["hits"], figures["misses"], figures["entries"]) == (0, 0, 0)


def test_a_busy_cache_is_never_wiped(tmp_cache, monkeypatch):
    import sqlite3

    cache.put_json("kept", 1)
    cache.configure(directory=tmp_cache)

    def locked(*_args, **_kwargs):
        msg = "database is locked"
        raise sqlite3.OperationalError(msg)

    original = cache._open_disk
    monkeypatch.setattr(cache, "_open_disk", locked)
    assert cache.get_json("kept") is None  # this process makes do in memory…
    assert cache.stats()["backend"] == "memory"
    monkeypatch.setattr(cache, "_open_disk", original)
    cache.configure(directory=tmp_cache)
    assert cache.get_json("kept") == 1  # …and the shared folder is intact
