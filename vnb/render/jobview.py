"""A render job in a notebook: a progress bar, a cancel button and a status line (ipywidgets).

Imported only when a job is displayed; without ipywidgets the job shows as text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vnb.render.jobs import RenderJob

__all__ = ["job_widget"]


def job_widget(job: RenderJob) -> Any:
    """An ipywidgets box that follows ``job``; None when ipywidgets is not installed."""
    try:
        import ipywidgets as w  # noqa: PLC0415 - optional, imported on display only
    except ImportError:
        return None

    bar = w.FloatProgress(value=job.fraction, min=0.0, max=1.0, description=job.output.name)
    button = w.Button(description="Cancel", icon="stop", button_style="warning")
    label = w.Label(job.status())
    button.on_click(lambda _button: job.cancel())

    def update(current: RenderJob) -> None:
        bar.value = current.fraction
        label.value = current.status()
        if current.done():
            button.disabled = True
            bar.bar_style = {"done": "success", "cancelled": "warning"}.get(current.state, "danger")

    update(job)
    job.on_update(update)
    return w.HBox([bar, button, label])
