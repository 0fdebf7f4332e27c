"""vnb: a Jupyter-native video editor.

Build a timeline in code, preview any frame, render it with FFmpeg::

    import vnb
    p = vnb.Project(name="demo", width=1280, height=720, fps=30)
    v = p.add_track("video")
    v.add_clip("a.mp4", start=0, duration=3)
    p.render("out.mp4")
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from vnb import effects, errors
from vnb.errors import VnbError
from vnb.schema import Project, load

try:
    __version__ = version("vnb")
except PackageNotFoundError:  # a source checkout that was not installed
    __version__ = "0.0.0"

__all__ = ["Project", "VnbError", "__version__", "effects", "errors", "load"]
