"""The fresh-venv work, started in the background as soon as the session's tests are known.

`tests/test_fresh_venvs.py` checks a newcomer's path: the README's first command in a fresh
clone (it makes ``.venv`` with the ``[lab]`` extra), then every tutorial executed in that venv.
That is about three minutes of pip and notebooks, mostly waiting on one core while the rest of
the suite leaves the other half idle; so `start` (called by ``tests/conftest.py`` when a
``fresh_venv`` test is selected) runs it in a thread beside the suite, and the tests read
`outcome`, which waits for it. Nothing here asserts: the tests do.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Outcome:
    """What the background run saw: the clone, its scratch folder and every command's result."""

    clone: Path
    tmp: Path
    command: str
    first: subprocess.CompletedProcess[str]
    first_seconds: float
    tutorials: list[tuple[str, subprocess.CompletedProcess[str], float]] = field(
        default_factory=list
    )
    status: subprocess.CompletedProcess[str] | None = None


_POOL: cf.ThreadPoolExecutor | None = None
_FUTURE: cf.Future[Outcome] | None = None
_TMP: Path | None = None


def first_readme_command(checkout: Path) -> str:
    """The README's first ``bash`` block: the command that sets up and opens JupyterLab."""
    text = (checkout / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text)[0]


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
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


def venv_env(clone: Path, tmp: Path) -> dict[str, str]:
    """`clean_env` with the clone's ``.venv`` activated."""
    env = clean_env(tmp)
    env["PATH"] = os.pathsep.join([str(clone / ".venv" / "bin"), env["PATH"]])
    env["VIRTUAL_ENV"] = str(clone / ".venv")
    return env


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` capturing text output, with a 15-minute bound."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False, **kwargs)


def _work(tmp: Path) -> Outcome:
    clone = tmp / "vnb"
    subprocess.run(  # what a newcomer starts from: the last commit
        ["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True
    )
    command = first_readme_command(clone)
    started = time.monotonic()
    # pip's byte-compiling of every installed module (JupyterLab's…) is CPU the suite beside
    # this thread needs more; Python compiles what the tutorials import when they import it
    env = clean_env(tmp, VNB_LAB_CHECK="1", PIP_NO_COMPILE="0")  # pip reads it as --no-compile
    first = run(["bash", "-c", command], cwd=clone, env=env)
    outcome = Outcome(clone, tmp, command, first, time.monotonic() - started)
    if first.returncode != 0:
        return outcome
    folder, env = clone / "notebooks", venv_env(clone, tmp)
    for notebook in sorted(folder.glob("*.ipynb")):  # as JupyterLab would: from notebooks/
        started = time.monotonic()
        jupyter = str(clone / ".venv" / "bin" / "jupyter")
        out = run([jupyter, "execute", "--timeout=600", notebook.name], cwd=folder, env=env)
        outcome.tutorials.append((notebook.name, out, time.monotonic() - started))
    outcome.status = run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=clone)
    return outcome


def start() -> None:
    """Start the work in a background thread (once)."""
    global _POOL, _FUTURE, _TMP  # noqa: PLW0603 - one run per test session
    if _FUTURE is None:
        _TMP = Path(tempfile.mkdtemp(prefix="vnb-fresh-venv-"))
        _POOL = cf.ThreadPoolExecutor(1, thread_name_prefix="fresh-venv")
        _FUTURE = _POOL.submit(_work, _TMP)


def outcome() -> Outcome:
    """The background run's outcome (starting it now if nothing did), once it has finished."""
    start()
    assert _FUTURE is not None
    return _FUTURE.result(timeout=1800)


def finish() -> None:
    """Wait for the work (a session may end before a test read it) and delete its folder."""
    if _POOL is not None:
        _POOL.shutdown(wait=True)
    if _TMP is not None:
        shutil.rmtree(_TMP, ignore_errors=True)
