"""`vnb.Project`: the project document with the engine's friendly calls — the one facade.

`vnb.schema.Project` is the data model (tracks, clips, titles, export settings; JSON on disk)
and imports nothing above the schema. This module, at the top of the layers, adds what needs
the engine: ``p.probe(path)`` (and so ``track.add_clip(path)`` without a duration),
``p.frame_at(t)``, ``p.render(...)``, ``p.render_async(...)``, ``p.add_overlay(dets)``,
``p.blur(dets)``, the timeline check of ``p.save()`` and the editor shown when a notebook
displays the project. Each call imports its engine part when first used, so ``import vnb``
stays light.

`vnb.Project`, `vnb.load` and everything that hands a project to a user give this class;
copies (``model_copy``, ``type(p).model_validate``) keep it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Literal

from vnb import schema
from vnb.schema.project import load as _load

if TYPE_CHECKING:
    import numpy as np

    from vnb.detect import Detections
    from vnb.render import RenderResult
    from vnb.render.jobs import RenderJob
    from vnb.schema import Overlay, Redaction
    from vnb.schema.media import MediaInfo

__all__ = ["Project", "load"]


class Project(schema.Project):
    """A video edit (`vnb.schema.Project`) that can also probe, preview, render and display.

    Example:
        ```python
        p = vnb.Project(name="demo", width=1280, height=720, fps=30)
        v = p.add_track("video")
        a = v.add_clip("a.mp4", start=0)         # probes a.mp4 for its length
        frame = p.frame_at(1.5)                  # numpy uint8 H×W×3
        p.render("out.mp4", preset="web-720p")
        ```
    """

    def probe(self, source: str | os.PathLike[str]) -> MediaInfo:
        """Probe a source relative to this project (cached by path, size and mtime)."""
        from vnb.media import probe  # noqa: PLC0415 - media imports PyAV

        return probe(source, base_dir=self.base_dir)

    def timeline_problems(self) -> list[str]:
        """Structural problems of the timeline (`vnb.plan.check_timeline`); `save` refuses them."""
        from vnb.plan import check_timeline  # noqa: PLC0415

        return check_timeline(self)

    # -- detections ----------------------------------------------------------------------

    def add_overlay(
        self,
        detections: Detections,
        classes: list[str] | None = None,
        min_score: float = 0.0,
        burn: bool = False,
    ) -> Overlay:
        """Show ``detections`` over every clip of their source; see `vnb.detect.add_overlay`.

        Raises:
            DetectionError: too many boxes, or detections without a source.
        """
        from vnb.detect.overlay import add_overlay  # noqa: PLC0415 - numpy on use

        return add_overlay(self, detections, classes=classes, min_score=min_score, burn=burn)

    def blur(
        self,
        detections: Detections,
        *,
        mode: Literal["blur", "pixelate"] = "blur",
        strength: float = 0.5,
        margin: float = 0.15,
        hold: float = 1.0,
    ) -> Redaction:
        """Blur one tracked object (``dets.track(7)``) wherever its source is shown.

        In the preview and the render alike; see `vnb.detect.blur`.

        Raises:
            DetectionError: no boxes, several tracks, or too many boxes.
        """
        from vnb.detect.overlay import blur  # noqa: PLC0415 - numpy on use

        return blur(self, detections, mode=mode, strength=strength, margin=margin, hold=hold)

    def pixelate(
        self,
        detections: Detections,
        *,
        strength: float = 0.5,
        margin: float = 0.15,
        hold: float = 1.0,
    ) -> Redaction:
        """`blur` with ``mode="pixelate"``: the object becomes blocks of flat colour."""
        return self.blur(detections, mode="pixelate", strength=strength, margin=margin, hold=hold)

    # -- the engine ----------------------------------------------------------------------

    def frame_at(self, t: float, *, size: tuple[int, int] | None = None) -> np.ndarray:
        """The composed frame at timeline time ``t`` as an H×W×3 uint8 array."""
        from vnb.preview import frame_at  # noqa: PLC0415 - the engine is imported on use

        return frame_at(self, t, size=size)

    def render(
        self, output: str | os.PathLike[str], preset: str | None = None, **options: Any
    ) -> RenderResult:
        """Render to ``output`` with the export settings, a preset, and overrides.

        See `vnb.render.render` for the options (``crf``, ``speed``, ``video_codec``,
        ``audio_codec``, ``audio_bitrate``, ``hardware``, ``on_progress``, ``cancel``…).
        """
        from vnb.render import render  # noqa: PLC0415 - the engine is imported on use

        return render(self, output, preset=preset, **options)

    def render_async(
        self, output: str | os.PathLike[str], preset: str | None = None, **options: Any
    ) -> RenderJob:
        """Start rendering in the background and return the job at once (`vnb.render.submit`).

        ``job.result()`` waits, ``job.cancel()`` stops it; in a notebook it shows a progress bar.
        """
        from vnb.notebook.jobview import job_widget  # noqa: PLC0415 - the engine on use
        from vnb.render.jobs import set_job_view, submit  # noqa: PLC0415

        set_job_view(job_widget)  # shown as a progress bar and a cancel button in notebooks
        return submit(self, output, preset, **options)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        """In Jupyter: the editor widget (`vnb.notebook`); elsewhere None, the plain repr.

        The one display path of a project in a notebook (``%load_ext vnb`` adds the magic).
        """
        from vnb.notebook import repr_mimebundle  # noqa: PLC0415 - widgets load on display

        return repr_mimebundle(self, include, exclude)


def load(path: str | os.PathLike[str]) -> Project:
    """Read a project file, upgrading older versions (see `vnb.schema.load`).

    Raises:
        ProjectError: unreadable, not JSON, not a vnb project, or invalid — every problem
            listed with its field path and the file's name.
    """
    return _load(path, Project)
