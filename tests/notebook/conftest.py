"""Fixtures for the widget tests: a small project on testsrc2, and editors that get closed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import vnb
from tests.helpers import tools

if tools.required():  # the modules here skip without them (importorskip); CI must not
    tools.module("anywidget", "the notebook extra: pip install -e '.[notebook]'")
    tools.module("IPython", "the extension needs it: pip install -e '.[test]'")


@pytest.fixture
def project(testsrc) -> vnb.Project:
    """320×240 at 30 fps: clips "a" [0, 2) and "b" [2, 4) of testsrc2 on a video track."""
    p = vnb.Project(name="widget", width=320, height=240, fps=30)
    p._base_dir = testsrc.parent
    v = p.add_track("video")
    v.add_clip(testsrc.name, start=0, duration=2, id="a")
    v.add_clip(testsrc.name, start=2, source_start=1, duration=2, id="b")
    return p


class Sent:
    """What a widget sent to the browser: ``(content, buffers)`` pairs."""

    def __init__(self) -> None:
        self.messages: list[tuple[dict[str, Any], list[Any]]] = []

    def __call__(self, content: dict[str, Any], buffers: list[Any] | None = None) -> None:
        self.messages.append((content, list(buffers or [])))

    def last(self, kind: str) -> tuple[dict[str, Any], list[Any]]:
        return next(m for m in reversed(self.messages) if m[0].get("kind") == kind)


@pytest.fixture
def make_editor(monkeypatch) -> Iterator[Callable[..., Any]]:
    """``make_editor(project, **options)`` → (editor, sent); editors are closed afterwards."""
    from vnb.notebook.editor import Editor

    made = []

    def make(project: vnb.Project, **options: Any) -> tuple[Editor, Sent]:
        editor = Editor(project, **options)
        sent = Sent()
        monkeypatch.setattr(editor, "send", sent)
        made.append(editor)
        return editor, sent

    yield make
    for editor in made:
        editor.close()
