"""Plan → filter graph → ffmpeg arguments (pure values and text), and the edge that runs ffmpeg.

`build`, `chains`, `graph`, `command` and `escape` are pure: they build values and text and run
nothing. `binary` finds the ffmpeg executable, `run` runs it (no shell; progress, cancel, a
temporary output renamed when whole), `outputs` says where a render may write, and `filters` runs
the same filter chains in process with PyAV (the preview's pixels).
"""

from vnb.ffmpeg.build import build_graph
from vnb.ffmpeg.chains import TextImage, text_origin
from vnb.ffmpeg.command import Command, build_command
from vnb.ffmpeg.graph import Chain, Graph, Input

__all__ = [
    "Chain",
    "Command",
    "Graph",
    "Input",
    "TextImage",
    "build_command",
    "build_graph",
    "text_origin",
]
