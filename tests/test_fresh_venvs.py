"""A newcomer's first command and Binder's environment, each in a fresh clone and a new venv.

The README's first command runs as written in a fresh clone (it makes ``.venv`` with the
``[lab]`` extra and, with ``VNB_LAB_CHECK=1``, checks that JupyterLab serves the tutorials);
then every tutorial is executed in that same venv, and the clone must be as clean as before
(the tutorials write only into their git-ignored ``scratch/``). Binder's list of packages is
that venv's (pip finds nothing to add), and Binder's postBuild runs in it. The venv installs
from nothing (about 1 min with pip's cache warm, as it is in CI after the main install), so
these carry the ``fresh_venv`` marker: ``-m "not fresh_venv"`` leaves them out of a local run;
CI runs them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
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


def _clone(target: Path) -> Path:
    """A fresh ``git clone`` of this checkout (what a newcomer starts from): its last commit."""
    subprocess.run(
        ["git", "clone", "--quiet", str(ROOT), str(target)], check=True, capture_output=True
    )
    return target


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False, **kwargs)


@pytest.fixture(scope="module")
def first_command(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    """The README's first command, run once in a fresh clone: (clone, scratch, its output)."""
    tmp = tmp_path_factory.mktemp("lab")
    clone = _clone(tmp / "vnb")
    command = _first_readme_command(clone)
    assert command.endswith("vnb lab"), command
    started = time.monotonic()
    out = _run(["bash", "-c", command], cwd=clone, env=_clean_env(tmp, VNB_LAB_CHECK="1"))
    print(f"the README's first command took {time.monotonic() - started:.0f} s")
    return clone, tmp, out


def test_readme_first_command_opens_jupyterlab_on_the_tutorials(first_command):
    clone, _, out = first_command
    assert out.returncode == 0, f"failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    assert (clone / ".venv" / "bin" / "jupyter").exists()  # the command made its own venv
    assert "vnb lab --check: ok" in out.stdout
    assert f"serving {clone.resolve() / 'notebooks'}" in out.stdout
    for notebook in sorted((clone / "notebooks").glob("*.ipynb")):
        assert notebook.name in out.stdout, f"{notebook.name} was not served"
    assert "news notification is off" in out.stdout
    assert "/lab answered 200" in out.stdout


def test_every_tutorial_runs_in_the_first_commands_venv(first_command):
    """Executed with that venv's own ``jupyter execute`` (nbclient, which JupyterLab brings),
    in ``notebooks/`` as JupyterLab would; afterwards ``git status`` shows nothing new."""
    clone, tmp, first = first_command
    assert first.returncode == 0, "the README's first command failed (see the test above)"
    venv_bin = clone / ".venv" / "bin"
    env = _clean_env(tmp)
    env["PATH"] = os.pathsep.join([str(venv_bin), env["PATH"]])
    env["VIRTUAL_ENV"] = str(clone / ".venv")
    folder = clone / "notebooks"
    for notebook in sorted(folder.glob("*.ipynb")):
        started = time.monotonic()
        out = _run(
            [str(venv_bin / "jupyter"), "execute", "--timeout=600", notebook.name],
            cwd=folder,
            env=env,
        )
        took = time.monotonic() - started
        print(f"{notebook.name}: {took:.0f} s")
        assert out.returncode == 0, (
            f"{notebook.name} failed in the [lab] venv:\n{out.stderr[-5000:]}"
        )
    status = _run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=clone)
    assert status.returncode == 0 and status.stdout == "", status.stdout
    assert any((folder / "scratch").iterdir())  # what they made is there, ignored


def test_binder_environment_is_the_one_the_tutorials_ran_in(first_command):
    """mybinder installs ``binder/requirements.txt`` into a fresh environment, then runs
    ``binder/postBuild``. Those requirements are vnb's dependencies plus the ``lab`` extra
    (`tests/test_repo.py` keeps them equal), so the venv the README's first command made, in
    which every tutorial ran above, is Binder's: pip resolving Binder's list there finds
    nothing to install. postBuild then installs vnb from the clone, as on mybinder."""
    clone, tmp, first = first_command
    assert first.returncode == 0, "the README's first command failed (see the test above)"
    venv = clone / ".venv"
    env = _clean_env(tmp)
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env["PATH"]])  # as mybinder's image has it
    env["VIRTUAL_ENV"] = str(venv)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    dry = _run([*pip, "install", "--dry-run", "-r", "binder/requirements.txt"], cwd=clone, env=env)
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert "Would install" not in dry.stdout, dry.stdout[-3000:]
    out = _run(["bash", "binder/postBuild"], cwd=clone, env=env)
    assert out.returncode == 0, f"postBuild failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    where = _run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import vnb, skimage, distributed; print(vnb.__file__)",
        ],
        cwd=tmp,  # not the checkout, whose vnb/ would be imported from the current folder
        env=env,
    )
    assert where.stdout.strip() == str(clone / "vnb" / "__init__.py"), where.stderr[-3000:]
