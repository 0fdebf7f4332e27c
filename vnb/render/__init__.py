"""The edge that runs ffmpeg: find it, render projects to files with progress and cancel."""

from vnb.ffmpeg.binary import ffmpeg_has, ffmpeg_version, find_ffmpeg
from vnb.ffmpeg.run import Progress, run_ffmpeg
from vnb.render.batch import BatchResult, render_many
from vnb.render.encoders import probe_hardware
from vnb.render.export import RenderResult, render
from vnb.render.jobs import RenderJob, set_workers, submit

__all__ = [
    "BatchResult",
    "Progress",
    "RenderJob",
    "RenderResult",
    "ffmpeg_has",
    "ffmpeg_version",
    "find_ffmpeg",
    "probe_hardware",
    "render",
    "render_many",
    "run_ffmpeg",
    "set_workers",
    "submit",
]
