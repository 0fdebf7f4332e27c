"""vnb.cache.memory.LRU: the one bounded in-memory cache, and every cache of vnb built on it."""

from __future__ import annotations

import importlib
import threading

import pytest

from vnb.cache.memory import LRU, MemoryStore


def test_the_least_recently_used_entry_goes_first() -> None:
    lru: LRU[str, int] = LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # a is now the most recent
    lru.put("c", 3)
    assert "b" not in lru
    assert (lru.get("a"), lru.get("c"), len(lru)) == (1, 3, 2)
    assert lru.get("b", -1) == -1
    lru.put("a", 10)  # replacing keeps the count
    assert lru.values() == [3, 10]
    assert lru.pop("a") == 10
    assert lru.pop("a") is None


def test_a_weight_bound_keeps_the_newest_entry_even_alone_too_heavy() -> None:
    lru: LRU[str, bytes] = LRU(100, max_weight=10, weigh=len)
    lru.put("a", b"xxxx")
    lru.put("b", b"yyyy")
    assert lru.weight == 8
    lru.put("c", b"zzzz")  # 12 > 10: a goes
    assert lru.values() == [b"yyyy", b"zzzz"]
    lru.put("big", b"0" * 50)
    assert lru.values() == [b"0" * 50]
    assert lru.weight == 50
    assert lru.clear() == [b"0" * 50]
    assert (len(lru), lru.weight) == (0, 0)


def test_evicted_values_are_handed_to_on_evict() -> None:
    closed: list[int] = []
    lru: LRU[int, int] = LRU(3, on_evict=closed.append)
    for n in range(6):
        lru.put(n, n)
    assert closed == [0, 1, 2]
    lru.pop(5)
    lru.clear()
    assert closed == [0, 1, 2]  # only for the bound


def test_bad_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        LRU(0)
    with pytest.raises(ValueError, match="go together"):
        LRU(4, max_weight=10)


def test_threads_never_break_the_bound() -> None:
    lru: LRU[int, int] = LRU(50, max_weight=500, weigh=lambda v: v % 20)

    def work(base: int) -> None:
        for n in range(2000):
            lru.put(base + n % 300, n)
            lru.get(base + (n * 7) % 300)

    threads = [threading.Thread(target=work, args=(k * 1000,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(lru) <= 50
    assert lru.weight == sum(v % 20 for v in lru.values()) <= 500


def test_the_memory_store_is_bounded_by_bytes() -> None:
    store = MemoryStore(size_limit=10)
    assert store.set("a", b"12345")
    assert store.set("b", b"12345")
    assert store.set("c", b"123")
    assert "a" not in store
    assert store.volume() == 8
    assert not store.set("huge", b"x" * 11)
    assert store.get("b") == b"12345"
    assert store.stats() == (1, 0)


def test_the_caches_that_grew_without_bound_are_bounded() -> None:
    analyze = importlib.import_module("vnb.detect.analyze")  # (the packages export functions
    model = importlib.import_module("vnb.detect.model")  # of these names)
    compose = importlib.import_module("vnb.preview.compose")

    for cache in (compose._STILLS, analyze._last, model._loaded):
        assert isinstance(cache, LRU)
    for n in range(70):  # solid colours of many sizes: decoded stills no longer pile up
        compose._solid("#102030", (16 + 2 * n, 16), "yuv420p")
    assert len(compose._STILLS) <= compose._STILLS.max_items == 64


def test_readers_beyond_the_bound_are_closed(testsrc, monkeypatch) -> None:
    reader = importlib.import_module("vnb.media.reader")
    closed: list[object] = []

    class Other:
        def close(self) -> None:
            closed.append(self)

    for old in reader._READERS.clear():  # readers other tests left open
        old.close()
    monkeypatch.setattr(reader.SourceReader, "close", lambda self: closed.append(self))  # noqa: PLW0108
    kept = reader.reader_for(testsrc)
    assert reader.reader_for(testsrc) is kept  # shared while it is cached
    for n in range(reader._MAX_OPEN):
        reader._READERS.put(("elsewhere", n, 0), Other())  # type: ignore[arg-type]
    assert closed == [kept]  # the least recently used went, closed
    assert len(reader._READERS) == reader._MAX_OPEN
    reader._READERS.clear()
