"""The edge that runs ffmpeg: find it, render projects to files with progress and cancel."""

from vnb.render.binary import ffmpeg_has, ffmpeg_version, ffmpeg_version_tuple, find_ffmpeg
from vnb.render.export import RenderResult, render
from vnb.render.run import Progress, run_ffmpeg

__all__ = [
    "Progress",
    "RenderResult",
    "ffmpeg_has",
    "ffmpeg_version",
    "ffmpeg_version_tuple",
    "find_ffmpeg",
    "render",
    "run_ffmpeg",
]
