"""The tutorials run top to bottom in a fresh kernel, write only into their git-ignored
``scratch/`` folder, and are committed without outputs.

`tests/test_fresh_venvs.py` runs them in the environment the README's first command makes; a
session that runs that test (the full suite) skips the execution here, which runs them in the
test environment for a quicker answer (``pytest tests/test_notebooks.py``, or with
``-m "not fresh_venv"``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


FRESH = "test_every_tutorial_runs_in_the_first_commands_venv"


@pytest.fixture
def once(request):
    """Skip when this session also runs the tutorials in the fresh ``[lab]`` venv (a full run):
    there they run in the environment users get, so running them here too only costs time."""
    if any(item.name == FRESH for item in request.session.items):
        pytest.skip(f"executed in the [lab] venv by tests/test_fresh_venvs.py::{FRESH}")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch, once):
    monkeypatch.setenv("VNB_CACHE_DIR", str(tmp_path / "cache"))
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(path, work / path.name)
    nb = nbformat.read(work / path.name, as_version=4)
    NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    ).execute()
    assert sorted(p.name for p in work.iterdir()) == sorted([path.name, "scratch"])
    assert any((work / "scratch").iterdir())


def test_the_scratch_folder_is_git_ignored():
    root = Path(__file__).resolve().parent.parent
    lines = (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "notebooks/scratch/" in lines


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name}: strip the outputs before committing"
            assert cell.execution_count is None


def test_readme_lists_every_tutorial():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    tutorials = readme.split("## Tutorials", 1)[1].split("\n## ", 1)[0]
    missing = [p.stem for p in NOTEBOOKS if f"`{p.stem}`" not in tutorials]
    assert not missing, f"README's Tutorials section lacks {missing}"
