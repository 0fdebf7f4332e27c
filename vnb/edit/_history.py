"""Undo and redo over snapshots of a project (``model_dump``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vnb.edit._transaction import restore

if TYPE_CHECKING:
    from vnb.schema import Project

__all__ = ["History"]


@dataclass
class _Step:
    label: str
    state: dict[str, Any]
    key: str | None = None


class History:
    """Undo and redo over snapshots of a project.

    By default it follows the project: every change event (an edit made in a widget, an
    assignment in a cell) becomes one undo step. Steps recorded with the same ``key`` merge
    into one, so a drag that writes many times undoes in one go. With ``follow=False``, call
    `record` after each change you want to be a step.

    Undo puts the whole document back: the tracks and clips in the project are then new
    objects (references to the old ones held in cells no longer belong to it).

    Example:
        ```python
        h = History(p)
        p.tracks[0].clips[0].duration = 2
        h.undo()   # the old duration
        h.redo()   # 2 again
        ```
    """

    def __init__(
        self, project: Project, *, limit: int = 200, follow: bool = True, label: str = "edit"
    ) -> None:
        self.project = project
        self.limit = limit
        self.label = label
        """The label of steps made outside `step` (assignments in a cell, say)."""
        self._past: list[_Step] = []
        self._future: list[_Step] = []
        self._state = project.model_dump()
        self._busy = False
        self._label: tuple[str, str | None] | None = None
        self._unsubscribe = project.on_change(self._on_change) if follow else None

    def close(self) -> None:
        """Stop following the project."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    @contextmanager
    def step(self, label: str, key: str | None = None) -> Iterator[None]:
        """Name the step the changes made in this block make (and merge by ``key``)."""
        self._label = (label, key)
        try:
            yield
        finally:
            self._label = None

    def record(self, label: str = "edit", *, key: str | None = None) -> bool:
        """Make the changes since the last record one undo step; False when there were none."""
        now = self.project.model_dump()
        if now == self._state:
            return False
        if key is None or not self._past or self._past[-1].key != key:
            self._past.append(_Step(label, self._state, key))
            del self._past[: -self.limit]
        self._state = now
        self._future.clear()
        return True

    @property
    def undo_label(self) -> str | None:
        """The label of the step `undo` would take back, or None."""
        return self._past[-1].label if self._past else None

    @property
    def redo_label(self) -> str | None:
        """The label of the step `redo` would make again, or None."""
        return self._future[-1].label if self._future else None

    def undo(self) -> str | None:
        """Go back one step; returns its label, or None when there is nothing to undo."""
        self.record()
        if not self._past:
            return None
        step = self._past.pop()
        self._future.append(_Step(step.label, self._state))
        self._go(step.state)
        return step.label

    def redo(self) -> str | None:
        """Make the last undone step again; returns its label, or None."""
        if self.record() or not self._future:
            return None  # a new change since the undo ends the redo chain
        step = self._future.pop()
        self._past.append(_Step(step.label, self._state))
        self._go(step.state)
        return step.label

    def cancel(self, key: str) -> bool:
        """Take back the step recorded under ``key`` if it is the last one, with no redo."""
        self.record()
        if not self._past or self._past[-1].key != key:
            return False
        self._go(self._past.pop().state)
        return True

    def _go(self, state: dict[str, Any]) -> None:
        self._busy = True
        try:
            restore(self.project, state)
        finally:
            self._busy = False
        self._state = self.project.model_dump()

    def _on_change(self, _project: Project) -> None:
        if self._busy:
            return
        label, key = self._label or (self.label, None)
        self.record(label, key=key)
