"""One composed frame through ffmpeg (the render path), as a numpy array."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vnb.errors import ProjectError, RenderError
from vnb.ffmpeg import build_graph
from vnb.ffmpeg.graph import Chain, make_filter
from vnb.render.binary import find_ffmpeg
from vnb.render.export import text_images
from vnb.schema.export import ExportSettings
from vnb.schema.timebase import to_frame

if TYPE_CHECKING:
    from vnb.schema import Project

__all__ = ["frame_at"]


def frame_at(project: Project, t: float, *, size: tuple[int, int] | None = None) -> np.ndarray:
    """The composed frame shown at timeline time ``t`` (H×W×3 uint8 RGB).

    Args:
        project: the edit.
        t: seconds; the frame shown at ``t`` is the one whose interval ``[k/fps, (k+1)/fps)``
            holds it.
        size: ``(width, height)`` to scale to; default the project's size.

    Raises:
        ProjectError: ``t`` is outside ``[0, duration)``, or the project is invalid.
        RenderError: ffmpeg failed.
    """
    from vnb.media import plan_project  # noqa: PLC0415

    plan = plan_project(project)
    k = int(to_frame(t - 0.5 / float(plan.fps), plan.fps)) if t > 0 else 0
    if not 0 <= t < plan.duration or k >= plan.frames:
        msg = f"t={t:g}: outside the project, which lasts [0, {plan.duration:g}) s"
        raise ProjectError(msg)
    width, height = size or (plan.width, plan.height)
    export = ExportSettings(audio_codec="none")
    exe = find_ffmpeg()
    with tempfile.TemporaryDirectory(prefix="vnb-frame-") as tmp:
        graph = build_graph(plan, export, text_images(plan, Path(tmp)))
        assert graph.video is not None  # noqa: S101 - video was asked for
        last = Chain(
            (graph.video,),
            (
                make_filter("trim", {"start_frame": k, "end_frame": k + 1}),
                make_filter("scale", {"w": width, "h": height}),
                make_filter("format", {"pix_fmts": "rgb24"}),
            ),
            ("frame",),
        )
        script = Path(tmp) / "graph.txt"
        script.write_text(graph.filter_complex() + ";\n" + last.text(), encoding="utf-8")
        argv = [exe, "-hide_banner", "-nostdin", "-loglevel", "error"]
        for i in graph.inputs:
            argv += i.argv()
        argv += ["-/filter_complex", str(script), "-map", "[frame]", "-frames:v", "1"]
        argv += ["-f", "rawvideo", "pipe:1"]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=600, check=False)
        except subprocess.TimeoutExpired as err:
            msg = f"frame at {t:g} s took too long"
            raise RenderError(msg, argv=argv) from err
    expected = width * height * 3
    if done.returncode != 0 or len(done.stdout) < expected:
        tail = done.stderr.decode(errors="replace")[-4000:]
        msg = f"ffmpeg could not make the frame at {t:g} s"
        raise RenderError(msg, argv=argv, returncode=done.returncode, stderr_tail=tail)
    return np.frombuffer(done.stdout[:expected], np.uint8).reshape(height, width, 3).copy()
