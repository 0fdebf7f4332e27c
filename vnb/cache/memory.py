"""Bounded in-memory caches: `LRU`, and the store a process falls back to without a disk cache.

Every cache vnb keeps in memory (compiled plugins, decoded stills, open readers, rasterised
titles...) is an `LRU`: bounded by a count of entries and/or a weight (bytes), the least
recently used entry dropped first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar, overload

__all__ = ["LRU"]

_MAX_ENTRIES = 1 << 20  # the fallback store's bound on entries (its bound on bytes comes first)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")


class LRU(Generic[K, V]):
    """A thread-safe mapping that keeps only the most recently used entries.

    Args:
        max_items: The bound on the number of entries.
        max_weight: A bound on the entries' total weight (bytes, say) too; the newest entry
            is kept even when it alone weighs more.
        weigh: An entry's weight (required with ``max_weight``).
        on_evict: Called with each value dropped to keep the bound (to close a file, say);
            not for `pop`, `clear` or a value replaced under the same key.
    """

    def __init__(
        self,
        max_items: int,
        *,
        max_weight: int | None = None,
        weigh: Callable[[V], int] | None = None,
        on_evict: Callable[[V], None] | None = None,
    ) -> None:
        if max_items < 1:
            msg = f"an LRU cache holds at least one entry, not {max_items}"
            raise ValueError(msg)
        if (max_weight is None) != (weigh is None):
            msg = "max_weight and weigh go together"
            raise ValueError(msg)
        self.max_items = max_items
        self.max_weight = max_weight
        self._weigh = weigh
        self._on_evict = on_evict
        self._items: OrderedDict[K, V] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: D) -> V | D: ...
    def get(self, key: K, default: object = None) -> object:
        """The value under ``key`` (now the most recently used), or ``default``."""
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` under ``key``, dropping the least recently used beyond the bounds."""
        dropped: list[V] = []
        with self._lock:
            self._remove(key)
            self._items[key] = value
            self._weight += self._weight_of(value)
            while len(self._items) > 1 and (
                len(self._items) > self.max_items
                or (self.max_weight is not None and self._weight > self.max_weight)
            ):
                _, old = self._items.popitem(last=False)
                self._weight -= self._weight_of(old)
                dropped.append(old)
        if self._on_evict is not None:
            for old in dropped:
                self._on_evict(old)

    def pop(self, key: K) -> V | None:
        """Remove and return the value under ``key``, or ``None``."""
        with self._lock:
            return self._remove(key)

    def clear(self) -> list[V]:
        """Forget every entry; returns their values."""
        with self._lock:
            values = list(self._items.values())
            self._items.clear()
            self._weight = 0
            return values

    def values(self) -> list[V]:
        """The values held, the least recently used first."""
        with self._lock:
            return list(self._items.values())

    @property
    def weight(self) -> int:
        """The total weight held (0 without a ``weigh``)."""
        return self._weight

    def _weight_of(self, value: V) -> int:
        return 0 if self._weigh is None else self._weigh(value)

    def _remove(self, key: K) -> V | None:
        if key not in self._items:
            return None
        old = self._items.pop(key)
        self._weight -= self._weight_of(old)
        return old

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items


class MemoryStore:
    """The fallback when no folder can hold the cache: a small in-process LRU store.

    It offers the part of :class:`diskcache.Cache` that this module uses, so the rest of vnb
    never notices the difference, except that nothing survives the process.

    Args:
        size_limit: The bound on the bytes held (values' lengths).
    """

    def __init__(self, size_limit: int) -> None:
        self.size_limit = size_limit
        self.directory: str | None = None
        self._items: LRU[str, tuple[bytes | str, str | None]] = LRU(
            _MAX_ENTRIES, max_weight=size_limit, weigh=lambda entry: len(entry[0])
        )
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None, read: bool = False) -> Any:
        """Return the value stored under ``key`` (most recently used now), or ``default``."""
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                self._misses += 1
                return default
            self._hits += 1
            return entry[0]

    def set(self, key: str, value: bytes | str, read: bool = False, tag: str | None = None) -> bool:
        """Store ``value`` under ``key``, evicting the least recently used beyond the bound."""
        with self._lock:
            self._items.pop(key)
            if len(value) > self.size_limit:
                return False
            self._items.put(key, (value, tag))
            return True

    def count(self, tag: str) -> int:
        """How many entries were stored with ``tag``."""
        return sum(entry[1] == tag for entry in self._items.values())

    def delete(self, key: str) -> bool:
        """Forget ``key``; True if it was there."""
        with self._lock:
            return self._items.pop(key) is not None

    def drop_as_miss(self, key: str) -> None:
        """Forget a malformed entry and count the hit it gave as a miss."""
        with self._lock:
            self._items.pop(key)
            self._hits = max(0, self._hits - 1)
            self._misses += 1

    def clear(self) -> int:
        """Forget everything; returns how many entries there were."""
        with self._lock:
            return len(self._items.clear())

    def stats(self, enable: bool = True, reset: bool = False) -> tuple[int, int]:
        """Return ``(hits, misses)``, then zero them if ``reset``."""
        with self._lock:
            result = (self._hits, self._misses)
            if reset:
                self._hits = self._misses = 0
            return result

    def volume(self) -> int:
        """Return the bytes held."""
        return self._items.weight

    def close(self) -> None:
        """Do nothing: there is nothing to close."""

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items


# --------------------------------------------------------------------------- settings
