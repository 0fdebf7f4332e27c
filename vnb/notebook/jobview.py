"""A render job in a notebook: a progress bar, a cancel button and a status line (ipywidgets).

`vnb.render.jobs` shows a job with `job_widget` once the notebook layer names it
(`set_job_view`); without ipywidgets the job shows as text. Every word shown comes from the
table of `vnb.notebook.i18n`, in the current language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vnb.notebook.i18n import text

if TYPE_CHECKING:
    from vnb.render.jobs import RenderJob

__all__: list[str] = []  # internal: used only inside its own package


def job_status(job: RenderJob) -> str:
    """The job's status line in the current language: share done, speed, time left, outcome."""
    name = job.output.name
    if not job.done():  # (the state may say "done" a moment before the job is finished)
        if job.state == "queued":
            return text("render_queued", name=name)
        line = text("render_running", name=name, percent=f"{job.fraction * 100:.0f}")
        if job.fps:
            line += ", " + text("render_fps", fps=job.fps)
        if job.eta is not None:
            line += ", " + text("render_eta", seconds=job.eta)
        return line
    if job.state == "cancelled":
        return text("render_cancelled")
    try:
        result = job.result(timeout=0)
    except Exception as err:  # the job's own error: a VnbError, or what broke it
        return text("render_failed", message=str(err).splitlines()[0] if str(err) else repr(err))
    return text(
        "render_done", path=result.path.name, duration=result.duration, elapsed=result.elapsed
    )


def job_widget(job: RenderJob) -> Any:
    """An ipywidgets box that follows ``job``; None when ipywidgets is not installed."""
    try:
        import ipywidgets as w  # noqa: PLC0415 - optional, imported on display only
    except ImportError:
        return None

    bar = w.FloatProgress(value=job.fraction, min=0.0, max=1.0, description=job.output.name)
    button = w.Button(
        description=text("cancel"), tooltip=text("cancel"), icon="stop", button_style="warning"
    )
    label = w.Label(job_status(job))
    button.on_click(lambda _button: job.cancel())

    def update(current: RenderJob) -> None:
        bar.value = current.fraction
        label.value = job_status(current)
        if current.done():
            button.disabled = True
            bar.bar_style = {"done": "success", "cancelled": "warning"}.get(current.state, "danger")

    update(job)
    job.on_update(update)
    return w.HBox([bar, button, label])
