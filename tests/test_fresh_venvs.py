"""A newcomer's first command and Binder's environment, each in a fresh clone and a new venv.

Both tests install from nothing into a new virtual environment (about 40 s each with pip's
cache warm, as it is in CI after the main install), so they carry the ``fresh_venv`` marker:
``-m "not fresh_venv"`` leaves them out of a local run; CI runs them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.fresh_venv


def _first_readme_command(checkout: Path) -> str:
    text = (checkout / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text)[0]


def _clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """This environment without the test run's own venv, with a cache of its own."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "VNB_LAB_CHECK"}
    }
    ours = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != ours)
    env["VNB_CACHE_DIR"] = str(tmp / "vnb-cache")
    env["JUPYTER_CONFIG_DIR"] = str(tmp / "jupyter-config")
    env["JUPYTER_DATA_DIR"] = str(tmp / "jupyter-data")
    env.update(extra)
    return env


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A fresh ``git clone`` of this checkout (what a newcomer starts from): its last commit."""
    target = tmp_path / "vnb"
    subprocess.run(
        ["git", "clone", "--quiet", str(ROOT), str(target)], check=True, capture_output=True
    )
    return target


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False, **kwargs)


def test_readme_first_command_opens_jupyterlab_on_the_tutorials(clone, tmp_path):
    command = _first_readme_command(clone)
    assert command.endswith("vnb lab"), command
    out = _run(["bash", "-c", command], cwd=clone, env=_clean_env(tmp_path, VNB_LAB_CHECK="1"))
    assert out.returncode == 0, f"{command!r} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    assert (clone / ".venv" / "bin" / "jupyter").exists()  # the command made its own venv
    assert "vnb lab --check: ok" in out.stdout
    assert f"serving {clone.resolve() / 'notebooks'}" in out.stdout
    for notebook in sorted((clone / "notebooks").glob("*.ipynb")):
        assert notebook.name in out.stdout, f"{notebook.name} was not served"
    assert "/lab answered 200" in out.stdout


def test_binder_environment_runs_the_quickstart(clone, tmp_path):
    venv = tmp_path / "binder-venv"
    env = _clean_env(tmp_path)
    assert _run([sys.executable, "-m", "venv", "--clear", str(venv)], env=env).returncode == 0
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env["PATH"]])  # as mybinder's image has it
    env["VIRTUAL_ENV"] = str(venv)
    steps = [
        [str(venv / "bin" / "pip"), "install", "-q", "-r", "binder/requirements.txt"],
        ["bash", "binder/postBuild"],
    ]
    for argv in steps:
        out = _run(argv, cwd=clone, env=env)
        assert out.returncode == 0, f"{argv} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    where = _run(
        [str(venv / "bin" / "python"), "-c", "import vnb; print(vnb.__file__)"],
        cwd=tmp_path,  # not the checkout, whose vnb/ would be imported from the current folder
        env=env,
    )
    assert where.stdout.strip() == str(clone / "vnb" / "__init__.py")  # postBuild installed it
    notebook = clone / "notebooks" / "01-quickstart.ipynb"
    out = _run(
        [str(venv / "bin" / "jupyter"), "execute", "--inplace", "--timeout=300", str(notebook)],
        cwd=notebook.parent,
        env=env,
    )
    assert out.returncode == 0, f"01-quickstart failed in the binder venv:\n{out.stderr[-5000:]}"
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    ran = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in ran), "not every cell ran"
    errors = [o for c in ran for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    assert (notebook.parent / "quickstart.mp4").stat().st_size > 0  # its render exists
