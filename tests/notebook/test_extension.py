"""`%load_ext vnb`, the `%vnb` magic, rich display, and the render progress job."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("anywidget", reason="the notebook extra (anywidget, ipywidgets) is needed")
pytest.importorskip("IPython", reason="IPython is needed for the extension")

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import vnb
import vnb.notebook
from vnb.errors import VnbError
from vnb.render.jobs import jobs

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def shell(project):
    ip = InteractiveShell.instance()
    ip.user_ns["p"] = project
    ip.run_line_magic("load_ext", "vnb")
    yield ip
    ip.run_line_magic("unload_ext", "vnb")
    ip.user_ns.pop("p", None)
    for editor in list(vnb.notebook._EDITORS.values()):
        editor[1].close()
    vnb.notebook._EDITORS.clear()
    vnb.notebook._STATE["last"] = None


def test_plain_repr_outside_jupyter(project):
    assert project._repr_mimebundle_() is None


def test_load_ext_shows_projects_as_the_editor(shell, project):
    data, _metadata = shell.display_formatter.format(project)
    assert WIDGET in data
    assert data["text/plain"].startswith("<vnb.Project 'widget': 1 tracks, 2 clips")
    editor = vnb.notebook.editor_for(project)
    assert data[WIDGET]["model_id"] == editor.model_id
    # Shown again: the same editor (another view of one model), following the project.
    again, _ = shell.display_formatter.format(project)
    assert again[WIDGET]["model_id"] == editor.model_id
    project.tracks[0].clips[0].duration = 1.0
    assert editor.timeline["tracks"][0]["clips"][0]["duration"] == 1.0
    bundle = project._repr_mimebundle_()
    assert bundle is not None and WIDGET in bundle[0]


def test_magic_help_doctor_language(shell, capsys):
    shell.run_line_magic("vnb", "")
    assert "%vnb render" in capsys.readouterr().out
    shell.run_line_magic("vnb", "doctor --json")
    assert '"ffmpeg"' in capsys.readouterr().out
    try:
        shell.run_line_magic("vnb", "language ru")
        assert "русский" in capsys.readouterr().out
        assert vnb.notebook.get_language() == "ru"
    finally:
        vnb.set_language("en")
    with pytest.raises(UsageError, match="unknown language"):
        shell.run_line_magic("vnb", "language fr")
    with pytest.raises(UsageError, match="unknown command"):
        shell.run_line_magic("vnb", "explode")


def test_magic_render_shows_a_progress_job(shell, tmp_path):
    out = tmp_path / "out.mp4"
    shell.run_line_magic("vnb", f"render p {out} --crf 30 --speed ultrafast")
    job = jobs()[-1]
    assert job.wait(120)
    assert job.result().path == out.resolve()
    assert out.exists()
    with pytest.raises(UsageError, match="not a vnb project"):
        shell.run_line_magic("vnb", "render nothing out.mp4")
    with pytest.raises(UsageError, match="--crf"):
        shell.run_line_magic("vnb", "render p out.mp4 --crf many")


def test_magic_finds_the_project_without_a_name(shell, tmp_path):
    vnb.notebook.editor_for(shell.user_ns["p"])  # as if `p` had been shown
    shell.run_line_magic("vnb", f"render {tmp_path / 'o.mp4'} --speed ultrafast")
    assert jobs()[-1].wait(120)
    assert (tmp_path / "o.mp4").exists()


def test_set_language_refuses_unknown():
    with pytest.raises(VnbError, match="unknown language"):
        vnb.set_language("xx")


def test_importing_vnb_notebook_does_not_load_widgets():
    code = (
        "import sys, vnb, vnb.notebook, vnb.edit; vnb.set_language('ru'); "
        "print([m for m in ('anywidget', 'ipywidgets', 'IPython') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_render_job_view_speaks_the_current_language(project, tmp_path):
    from vnb.notebook.jobview import job_status, job_widget
    from vnb.render.jobs import submit

    try:
        vnb.set_language("ru")
        job = submit(project, tmp_path / "ru.mp4", crf=35, speed="ultrafast")
        box = job_widget(job)
        bar, button, label = box.children
        assert button.description == button.tooltip == "Отмена"
        assert job.wait(120)
        result = job.result()
        assert label.value == job_status(job)
        assert label.value.startswith("Готово: ru.mp4 (4.0 с видео за ")
        assert (bar.value, bar.bar_style, button.disabled) == (1.0, "success", True)
        assert result.path.exists()
        vnb.set_language("en")
        assert job_status(job).startswith("Rendered ru.mp4 (4.0 s of video in ")
        queued = submit(project, tmp_path / "never.mp4")
        queued.cancel()
        assert queued.wait(30)
        assert job_status(queued) == "Render cancelled."
        project.tracks[0].add_clip("missing.mp4", start=4, duration=1)
        failed = submit(project, tmp_path / "failed.mp4")
        assert failed.wait(60)
        assert job_status(failed).startswith("The render failed: ")
        assert "missing.mp4" in job_status(failed)
    finally:
        vnb.set_language("en")
