"""vnb in Jupyter: the editor widget, rich display of projects, and the ``%vnb`` magic.

```python
%load_ext vnb
p = vnb.load("demo.vnb.json")
p                      # the editor: preview, timeline, inspector
%vnb render out.mp4    # in the background: a progress bar with a cancel button
```

Importing this package is cheap: anywidget and ipywidgets load when an editor is made.
"""

from __future__ import annotations

import sys
import weakref
from typing import TYPE_CHECKING, Any

from vnb.notebook.i18n import get_language, set_language

if TYPE_CHECKING:
    from vnb.notebook.editor import Editor
    from vnb.schema import Project

__all__ = [
    "Editor",
    "editor_for",
    "get_language",
    "load_ipython_extension",
    "repr_mimebundle",
    "set_language",
    "unload_ipython_extension",
]

_EDITORS: dict[int, tuple[weakref.ref[Project], Editor]] = {}
_STATE: dict[str, Any] = {"loaded": False, "last": None}


def __getattr__(name: str) -> Any:
    if name == "Editor":
        from vnb.notebook.editor import Editor  # noqa: PLC0415

        return Editor
    msg = f"module 'vnb.notebook' has no attribute {name!r}"
    raise AttributeError(msg)


def editor_for(project: Project) -> Editor:
    """The editor of ``project``: made on first use, then the same one (one model, many views)."""
    from vnb.notebook.editor import Editor  # noqa: PLC0415

    for key, (ref, _editor) in list(_EDITORS.items()):
        if ref() is None:
            del _EDITORS[key]
    ref_editor = _EDITORS.get(id(project))
    editor = ref_editor[1] if ref_editor and ref_editor[0]() is project else None
    if editor is None or editor.comm is None:  # never made, or closed
        editor = Editor(project)
        _EDITORS[id(project)] = (weakref.ref(project), editor)
    _STATE["last"] = weakref.ref(project)
    return editor


def last_project() -> Project | None:
    """The project whose editor was shown last, if it is still alive."""
    ref = _STATE["last"]
    return ref() if ref is not None else None


def _in_kernel() -> bool:
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython  # noqa: PLC0415

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def repr_mimebundle(
    project: Project, include: Any = None, exclude: Any = None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The editor as the project's display; None (plain repr) outside Jupyter or without widgets."""
    if not (_STATE["loaded"] or _in_kernel()):
        return None
    try:
        import anywidget  # noqa: F401, PLC0415
    except ImportError:
        return None
    bundle = editor_for(project)._repr_mimebundle_(include=include, exclude=exclude)
    if bundle is None:  # anywidget's own answer for a widget without a view
        return None
    data, metadata = bundle
    clips = sum(len(t.clips) for t in project.tracks)
    data["text/plain"] = (
        f"<vnb.Project {project.name!r}: {len(project.tracks)} tracks, {clips} clips, "
        f"{project.duration:.2f} s>"
    )
    return data, metadata


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext vnb``: projects display as the editor; registers the ``%vnb`` magic."""
    from vnb.notebook.jobview import job_widget  # noqa: PLC0415
    from vnb.notebook.magics import register  # noqa: PLC0415
    from vnb.render.jobs import set_job_view  # noqa: PLC0415 - the engine on use

    register(ipython)
    set_job_view(job_widget)  # the display is the project's own `_repr_mimebundle_` (vnb.project)
    _STATE["loaded"] = True


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext vnb``: projects display as text again (outside a kernel)."""
    del ipython
    _STATE["loaded"] = False
