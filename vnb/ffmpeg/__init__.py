"""Plan → filter graph → ffmpeg arguments (pure: builds values and text, runs nothing)."""

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
