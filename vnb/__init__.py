"""vnb: a Jupyter-native video editor.

Build a timeline in code, preview any frame, render it with FFmpeg::

    import vnb
    p = vnb.Project(name="demo", width=1280, height=720, fps=30)
    v = p.add_track("video")
    v.add_clip("a.mp4", start=0, duration=3)
    p.render("out.mp4")
"""

from __future__ import annotations

import importlib
from typing import Any

from vnb import effects, errors
from vnb._version import __version__
from vnb.errors import VnbError
from vnb.project import Project, load

_SUBMODULES = frozenset(
    {
        "cache", "demo", "detect", "doctor", "edit", "ffmpeg", "media", "notebook", "plan",
        "preview", "project", "render", "schema", "telemetry", "templates", "text",
    }
)  # fmt: skip
"""The documented submodules: ``vnb.templates.grid(...)`` works after a bare ``import vnb``."""

__all__ = [
    "Project",
    "VnbError",
    "__version__",
    "cache",
    "demo",
    "detect",
    "doctor",
    "edit",
    "effects",
    "errors",
    "ffmpeg",
    "load",
    "load_ipython_extension",
    "media",
    "notebook",
    "plan",
    "preview",
    "project",
    "render",
    "render_many",
    "schema",
    "set_language",
    "telemetry",
    "templates",
    "text",
    "unload_ipython_extension",
]


def __getattr__(name: str) -> Any:
    """Import a documented submodule (or ``vnb.render_many``) when it is first used.

    Keeps ``import vnb`` light: the render engine, the widgets and onnxruntime load on use.
    """
    if name == "render_many":
        from vnb.render.batch import render_many  # noqa: PLC0415

        return render_many
    if name in _SUBMODULES:
        return importlib.import_module(f"vnb.{name}")
    msg = f"module 'vnb' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext vnb``: projects display as the editor widget; adds the ``%vnb`` magic."""
    from vnb.notebook import load_ipython_extension as load  # noqa: PLC0415 - widgets on use

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext vnb``: projects display as text again."""
    from vnb.notebook import unload_ipython_extension as unload  # noqa: PLC0415

    unload(ipython)


def set_language(language: str) -> None:
    """Switch the editor's user interface to ``"en"`` or ``"ru"`` (live editors too)."""
    from vnb.notebook.i18n import set_language as switch  # noqa: PLC0415

    switch(language)
