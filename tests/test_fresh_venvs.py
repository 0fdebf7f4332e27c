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

import pytest

from tests.freshvenv import Outcome, outcome, run, venv_env

pytestmark = pytest.mark.fresh_venv


@pytest.fixture(scope="module")
def first_command() -> Outcome:
    """The README's first command in a fresh clone, and the tutorials run in its venv.

    The work started in the background when the session began (`tests.freshvenv`).
    """
    done = outcome()
    print(f"the README's first command took {done.first_seconds:.0f} s")
    for name, _, seconds in done.tutorials:
        print(f"{name}: {seconds:.0f} s")
    return done


def test_readme_first_command_opens_jupyterlab_on_the_tutorials(first_command):
    clone, out = first_command.clone, first_command.first
    assert first_command.command.endswith("vnb lab"), first_command.command
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
    assert first_command.first.returncode == 0, "the README's first command failed (see above)"
    folder = first_command.clone / "notebooks"
    ran = [name for name, _, _ in first_command.tutorials]
    assert ran == sorted(p.name for p in folder.glob("*.ipynb"))
    for name, out, _ in first_command.tutorials:
        assert out.returncode == 0, f"{name} failed in the [lab] venv:\n{out.stderr[-5000:]}"
    status = first_command.status
    assert status is not None and status.returncode == 0 and status.stdout == "", status
    assert any((folder / "scratch").iterdir())  # what they made is there, ignored


def test_binder_environment_is_the_one_the_tutorials_ran_in(first_command):
    """mybinder installs ``binder/requirements.txt`` into a fresh environment, then runs
    ``binder/postBuild``. Those requirements are vnb's dependencies plus the ``lab`` extra
    (`tests/test_repo.py` keeps them equal), so the venv the README's first command made, in
    which every tutorial ran above, is Binder's: pip resolving Binder's list there finds
    nothing to install. postBuild then installs vnb from the clone, as on mybinder."""
    clone, tmp = first_command.clone, first_command.tmp
    assert first_command.first.returncode == 0, "the README's first command failed (see above)"
    env = venv_env(clone, tmp)  # as mybinder's image has it: the environment's bin on PATH
    python = str(clone / ".venv" / "bin" / "python")
    dry = run([python, "-m", "pip", "install", "--dry-run", "-r", "binder/requirements.txt"],
              cwd=clone, env=env)  # fmt: skip
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert "Would install" not in dry.stdout, dry.stdout[-3000:]
    out = run(["bash", "binder/postBuild"], cwd=clone, env=env)
    assert out.returncode == 0, f"postBuild failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    where = run(
        [python, "-c", "import vnb, skimage, distributed; print(vnb.__file__)"],
        cwd=tmp,  # not the checkout, whose vnb/ would be imported from the current folder
        env=env,
    )
    assert where.stdout.strip() == str(clone / "vnb" / "__init__.py"), where.stderr[-3000:]
