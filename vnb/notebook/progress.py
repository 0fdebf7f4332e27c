"""A render running in a background thread, shown as a progress bar with a cancel button."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vnb.errors import RenderCancelledError
from vnb.notebook.i18n import text

if TYPE_CHECKING:
    from vnb.render import Progress, RenderResult
    from vnb.schema import Project

__all__ = ["RenderJob", "jobs"]

_log = logging.getLogger("vnb")
_JOBS: list[RenderJob] = []


def jobs() -> list[RenderJob]:
    """The renders started in this kernel (the last one is the newest)."""
    return list(_JOBS)


class RenderJob:
    """Render ``project`` to ``output`` in a thread; display the job to see its progress.

    The project is copied when the job is made, so edits made meanwhile do not reach this
    render. ``cancel()`` (or the Cancel button) stops ffmpeg; no partial file is left.

    Example:
        ```python
        job = RenderJob(p, "out.mp4", preset="web-720p").start()
        job            # a progress bar with a cancel button
        job.wait(); job.result
        ```
    """

    def __init__(
        self,
        project: Project,
        output: str | os.PathLike[str],
        preset: str | None = None,
        **options: Any,
    ) -> None:
        import ipywidgets as w  # noqa: PLC0415 - the notebook extra

        self.output = Path(output)
        self.preset = preset
        self.options = options
        self.result: RenderResult | None = None
        """What the render made, once it succeeded."""
        self.error: BaseException | None = None
        """Why it failed (a `RenderCancelledError` when cancelled)."""
        self.cancel_event = threading.Event()
        self._project = type(project).model_validate(project.model_dump())
        self._project._base_dir = project.base_dir
        self.bar = w.FloatProgress(value=0.0, min=0.0, max=1.0, bar_style="info")
        self.label = w.Label(text("render_running", name=self.output.name, percent=0))
        self.button = w.Button(description=text("cancel"), icon="stop", button_style="warning")
        self.button.on_click(lambda _button: self.cancel())
        self.widget = w.HBox([self.bar, self.button, self.label])
        self._thread = threading.Thread(target=self._run, name="vnb-render", daemon=True)
        _JOBS.append(self)
        del _JOBS[:-20]

    def start(self) -> RenderJob:
        """Start rendering; returns the job."""
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the render to stop."""
        self.cancel_event.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the render to end; False if it is still running after ``timeout``."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def done(self) -> bool:
        """True once the render has ended (made, failed or cancelled)."""
        return self._thread.ident is not None and not self._thread.is_alive()

    def _progress(self, progress: Progress) -> None:
        self.bar.value = progress.fraction
        line = text("render_running", name=self.output.name, percent=round(progress.fraction * 100))
        if progress.eta_seconds is not None:
            line += " — " + text("render_eta", seconds=progress.eta_seconds)
        self.label.value = line

    def _run(self) -> None:
        try:
            self.result = self._project.render(
                self.output,
                self.preset,
                on_progress=self._progress,
                cancel=self.cancel_event,
                progress_bar=False,
                **self.options,
            )
        except RenderCancelledError as err:
            self.error = err
            self.bar.bar_style = "warning"
            self.label.value = text("render_cancelled")
        except Exception as err:
            self.error = err
            _log.warning("render of %s failed: %s", self.output, err)
            self.bar.bar_style = "danger"
            self.label.value = text("render_failed", message=str(err).splitlines()[0])
        else:
            r = self.result
            self.bar.value = 1.0
            self.bar.bar_style = "success"
            self.label.value = text(
                "render_done", path=r.path.name, duration=r.duration, elapsed=r.elapsed
            )
        finally:
            self.button.disabled = True

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
