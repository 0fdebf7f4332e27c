"""The in-memory store a process falls back to when the disk cache cannot be used."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

__all__: list[str] = []  # internal: used only inside its own package


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
        self._items: OrderedDict[str, bytes | str] = OrderedDict()
        self._volume = 0
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None, read: bool = False) -> Any:
        """Return the value stored under ``key`` (most recently used now), or ``default``."""
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self._misses += 1
                return default
            self._items.move_to_end(key)
            self._hits += 1
            return value

    def set(self, key: str, value: bytes | str, read: bool = False) -> bool:
        """Store ``value`` under ``key``, evicting the least recently used beyond the bound."""
        size = len(value)
        with self._lock:
            self._delete(key)
            if size > self.size_limit:
                return False
            self._items[key] = value
            self._volume += size
            while self._volume > self.size_limit and self._items:
                _, old = self._items.popitem(last=False)
                self._volume -= len(old)
            return True

    def delete(self, key: str) -> bool:
        """Forget ``key``; True if it was there."""
        with self._lock:
            return self._delete(key)

    def drop_as_miss(self, key: str) -> None:
        """Forget a malformed entry and count the hit it gave as a miss."""
        with self._lock:
            self._delete(key)
            self._hits = max(0, self._hits - 1)
            self._misses += 1

    def _delete(self, key: str) -> bool:
        old = self._items.pop(key, None)
        if old is None:
            return False
        self._volume -= len(old)
        return True

    def clear(self) -> int:
        """Forget everything; returns how many entries there were."""
        with self._lock:
            count = len(self._items)
            self._items.clear()
            self._volume = 0
            return count

    def stats(self, enable: bool = True, reset: bool = False) -> tuple[int, int]:
        """Return ``(hits, misses)``, then zero them if ``reset``."""
        with self._lock:
            result = (self._hits, self._misses)
            if reset:
                self._hits = self._misses = 0
            return result

    def volume(self) -> int:
        """Return the bytes held."""
        return self._volume

    def close(self) -> None:
        """Do nothing: there is nothing to close."""

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items


# --------------------------------------------------------------------------- settings
