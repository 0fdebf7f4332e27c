"""One rule for vnb's tqdm progress bars: the 100 % line is printed once.

tqdm shows a bar whenever ``update`` moves it, and ``close`` shows it once more, so a bar
moved to its total and then closed prints its 100 % line twice (in a log, a notebook, a pipe).
`advance` moves a bar and leaves the last step for ``close`` to show.
"""

from __future__ import annotations

from typing import Any

__all__ = ["advance"]


def advance(bar: Any, n: float = 1) -> None:
    """Move the tqdm ``bar`` on by ``n``; reaching its total, leave the display to ``close``."""
    if bar.total is not None and bar.n + n >= bar.total:
        bar.n += n
    else:
        bar.update(n)
