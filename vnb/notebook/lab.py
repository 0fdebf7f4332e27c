"""``vnb lab``: JupyterLab on the tutorials, or a headless check that it serves them.

```python
from vnb.notebook.lab import check_lab, notebooks_folder, run_lab

folder = notebooks_folder()  # notebooks/ of the checkout vnb was installed from
run_lab(folder)  # jupyter lab on it, in the browser, until Ctrl+C
for line in check_lab(folder):  # headless: start, check over HTTP, stop
    print(line)
```

The check starts ``jupyter lab`` on a free loopback port with a random token (nothing opens a
browser), asks its contents API for the folder's listing and every tutorial, asks for the
kernel specs, the news setting and ``/lab``, and stops the server again. It is what the
README's first command runs when ``VNB_LAB_CHECK=1`` is set (CI does that), so that command is
tested as written.

The JupyterLab it starts differs from a bare ``jupyter lab`` in three settings, none written
to the user's home:

- JupyterLab's "Would you like to receive official Jupyter news?" notification, which covers
  the editor on first open, is off: ``jupyter-config/labconfig/default_setting_overrides.json``
  beside this module sets the default of ``fetchNews`` to ``"false"``; the folder is put on
  ``JUPYTER_CONFIG_PATH`` for that server only (after any folders the user put there). It is a
  default, so a choice made in JupyterLab's settings still wins.
- jupyter-lsp's start-up scan for language servers is off (``autodetect``): it imports and
  probes for ~20 servers in a worker thread, taking 10 s and more on a loaded machine, and
  Python's exit waits for that thread, so a Ctrl+C in that window hung. JupyterLab 4's LSP
  features are off by default anyway; ``vnb lab --LanguageServerManager.autodetect=True``
  brings the scan back.
- The kernel websockets get ``TCP_NODELAY`` (`vnb.notebook.labserver`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from vnb.errors import LabError

__all__ = [
    "CHECK_ENV",
    "check_lab",
    "notebooks_folder",
    "run_lab",
]

CHECK_ENV = "VNB_LAB_CHECK"
"""The environment variable that turns ``vnb lab`` into ``vnb lab --check`` when it is ``1``."""

INSTALL_HINT = "pip install -e '.[lab]'"
CONFIG_DIR = Path(__file__).resolve().parent / "jupyter-config"
"""The Jupyter config folder `vnb lab` adds to ``JUPYTER_CONFIG_PATH`` (settings defaults)."""
NEWS_PLUGIN = "@jupyterlab/apputils-extension:notification"
STOP_GRACE = 10.0
"""Seconds JupyterLab gets to stop after a Ctrl+C that stops it, before it is terminated."""


def notebooks_folder(folder: str | Path | None = None) -> Path:
    """The tutorials' folder: ``folder`` if given, else ``notebooks/`` of the checkout.

    The checkout is the one vnb runs from (an editable install); failing that, the current
    directory's ``notebooks/``.

    Raises:
        LabError: the folder does not exist or holds no ``.ipynb`` file.
    """
    if folder is not None:
        candidates = [Path(folder)]
    else:
        candidates = [Path(__file__).resolve().parents[2] / "notebooks", Path.cwd() / "notebooks"]
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob("*.ipynb")):
            return candidate.resolve()
    tried = " or ".join(str(c) for c in candidates)
    msg = (
        f"no tutorials: {tried} is not a folder of notebooks; vnb lab runs from a checkout "
        "of the repository (git clone, then pip install -e '.[lab]' in it), or name the "
        "folder with --folder"
    )
    raise LabError(msg)


def _require_jupyterlab() -> None:
    if importlib.util.find_spec("jupyterlab") is None:
        msg = f"JupyterLab is not installed in {sys.prefix}: {INSTALL_HINT}"
        raise LabError(msg)


LOW_LATENCY = "vnb.notebook.labserver.LowLatencyConnection"
"""The kernel websocket connection class `vnb lab` gives JupyterLab."""


def lab_command(folder: Path, *options: str) -> list[str]:
    """The ``jupyter lab`` argv (this Python's) serving ``folder``, plus ``options``.

    As root (a container, CI) it adds ``--allow-root``, without which Jupyter refuses to start.
    The kernel websockets get ``TCP_NODELAY`` (`vnb.notebook.labserver`).
    """
    root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={folder}",
        # TCP_NODELAY on the kernel websocket: the editor's round trips halve (`labserver`).
        f"--ServerApp.kernel_websocket_connection_class={LOW_LATENCY}",
        # No start-up scan for language servers: Python's exit waits for it (module docstring).
        "--LanguageServerManager.autodetect=False",
        *root,
        *options,
    ]


def lab_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the JupyterLab `vnb lab` starts: ``base`` plus vnb's settings defaults.

    `CONFIG_DIR` goes on ``JUPYTER_CONFIG_PATH`` after the folders already there.
    """
    env = dict(os.environ if base is None else base)
    paths = [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join([*paths, str(CONFIG_DIR)])
    return env


def run_lab(folder: Path, *options: str) -> int:
    """Run JupyterLab on ``folder`` in the foreground (it opens a browser); its exit code.

    ``options`` go to ``jupyter lab`` after vnb's own. The exit code is 130 after Ctrl+C.

    Ctrl+C reaches JupyterLab too (one process group) and it shuts down the way it always does
    (in a terminal it asks first, and a second Ctrl+C stops it at once; without a terminal the
    first one stops it); this waits for that. Once JupyterLab has been told to stop, it gets
    `STOP_GRACE` seconds; after that it is terminated, then killed (its kernels exit when
    their parent does), so ``vnb lab`` never hangs on the way out.

    Raises:
        LabError: JupyterLab is not installed.
    """
    _require_jupyterlab()
    proc = subprocess.Popen(lab_command(folder, *options), cwd=folder, env=lab_env())
    asks_first = sys.stdin is not None and sys.stdin.isatty()
    interrupts: list[float] = []
    while True:
        try:
            code = proc.wait(_grace_left(interrupts, asks_first))
        except KeyboardInterrupt:
            interrupts.append(time.monotonic())
        except subprocess.TimeoutExpired:
            _stop(proc, patience=5.0)
            return 130
        else:
            return 130 if interrupts else code


def _grace_left(interrupts: list[float], asks_first: bool) -> float | None:
    """Seconds left before a stopping JupyterLab is terminated; None while it is not stopping.

    It is stopping after one Ctrl+C without a terminal, or two within 5 s in one (the first
    only asks, and a "no" keeps it serving).
    """
    stops = [b for a, b in itertools.pairwise(interrupts) if b - a <= 5.0]
    if interrupts and not asks_first:
        stops.append(interrupts[0])
    if not stops:
        return None
    return max(0.0, min(stops) + STOP_GRACE - time.monotonic())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, token: str, timeout: float = 10) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})  # noqa: S310 (loopback)
    with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310
        return int(reply.status), reply.read()


def _get_json(url: str, token: str) -> Any:
    return json.loads(_get(url, token)[1])


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def check_lab(folder: Path, timeout: float = 120.0) -> list[str]:
    """Start JupyterLab headless on ``folder``, check that it serves the tutorials, stop it.

    Checked over HTTP, with a random token, on a free 127.0.0.1 port: the contents API lists
    every ``*.ipynb`` of ``folder`` and returns each one as a notebook, a Python kernel spec
    exists, and ``/lab`` answers 200. The server runs with its own runtime folder and is
    stopped (terminated, then killed after 15 s) whatever happens.

    Returns:
        One line per thing checked, for the user to read.

    Raises:
        LabError: JupyterLab is missing, did not start within ``timeout`` seconds, or one of
            the checks failed (the message says which, with the end of the server's log).
    """
    _require_jupyterlab()
    expected = sorted(p.name for p in folder.glob("*.ipynb"))
    port, token = _free_port(), secrets.token_hex(16)
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="vnb-lab-") as tmp:
        log_path = Path(tmp) / "server.log"
        env = lab_env({**os.environ, "JUPYTER_RUNTIME_DIR": str(Path(tmp) / "runtime")})
        argv = lab_command(
            folder,
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
        )
        with log_path.open("w", encoding="utf-8") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=folder, env=env)
            try:
                return _checks(
                    proc, url=url, token=token, folder=folder, expected=expected, timeout=timeout
                )
            except (OSError, ValueError, KeyError) as err:
                msg = f"JupyterLab on {folder} failed a check: {err}"
                raise LabError(msg + "\n" + _tail(log_path)) from None
            except LabError as err:
                msg = f"{err}\n{_tail(log_path)}"
                raise LabError(msg) from None
            finally:
                _stop(proc)


def _checks(
    proc: subprocess.Popen[bytes],
    *,
    url: str,
    token: str,
    folder: Path,
    expected: list[str],
    timeout: float,
) -> list[str]:
    started = time.monotonic()
    while True:
        if proc.poll() is not None:
            msg = f"jupyter lab exited with code {proc.returncode} before it answered"
            raise LabError(msg)
        try:
            version = _get_json(f"{url}/api", token)["version"]
            break
        except (OSError, ValueError):
            if time.monotonic() - started > timeout:
                msg = f"jupyter lab did not answer on {url} within {timeout:.0f} s"
                raise LabError(msg) from None
            time.sleep(0.25)
    lines = [f"JupyterLab (jupyter_server {version}) answered on {url} after "
             f"{time.monotonic() - started:.1f} s, serving {folder}"]  # fmt: skip
    listing = _get_json(f"{url}/api/contents?content=1", token)
    served = sorted(item["name"] for item in listing["content"] if item["name"].endswith(".ipynb"))
    missing = sorted(set(expected) - set(served))
    if missing:
        msg = f"the contents API does not list {', '.join(missing)} (it lists {served})"
        raise LabError(msg)
    for name in expected:
        model = _get_json(f"{url}/api/contents/{urllib.parse.quote(name)}?content=1", token)
        cells = (model.get("content") or {}).get("cells")
        if model.get("type") != "notebook" or not cells:
            msg = f"{name} is not served as a notebook with cells"
            raise LabError(msg)
    lines.append(f"{len(expected)} tutorials served: {', '.join(expected)}")
    specs = _get_json(f"{url}/api/kernelspecs", token)
    python = [n for n, s in specs["kernelspecs"].items() if s["spec"]["language"] == "python"]
    if not python:
        msg = "no Python kernel spec (pip install ipykernel)"
        raise LabError(msg)
    lines.append(f"kernels: {', '.join(sorted(python))} (default {specs['default']})")
    news = _get_json(f"{url}/lab/api/settings/{NEWS_PLUGIN}", token)
    fetch_news = news["schema"]["properties"]["fetchNews"].get("default")
    if fetch_news != "false":
        msg = f"JupyterLab's news notification is not off (fetchNews default {fetch_news!r})"
        raise LabError(msg)
    lines.append("JupyterLab's news notification is off (fetchNews default 'false')")
    try:
        status, body = _get(f"{url}/lab", token)
    except urllib.error.HTTPError as err:
        msg = f"/lab answered {err.code}"
        raise LabError(msg) from None
    if status != 200 or b"jupyter-config-data" not in body:
        msg = f"/lab answered {status} without JupyterLab's page"
        raise LabError(msg)
    lines.append("/lab answered 200 with JupyterLab's page")
    return lines


def _stop(proc: subprocess.Popen[bytes], patience: float = 15.0) -> None:
    """Terminate ``proc``, then kill it after ``patience`` seconds; wait for it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(patience)
        except subprocess.TimeoutExpired:
            proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
