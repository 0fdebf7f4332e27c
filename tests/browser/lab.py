"""A real JupyterLab and headless Chromium for the editor's browser tests and benchmark.

The recipe of ``shared/docs/browser-testing.md``: JupyterLab on loopback with a random token and
isolated config/data/runtime/settings/workspace folders, Debian's Chromium driven by Playwright
for Python through ``executable_path`` (never ``playwright install``), a fixed 1280×800 viewport.

Used by ``tests/browser/conftest.py`` and ``benchmarks/browser_bench.py``; imports Playwright
only when a browser is launched, so that a machine without it can still collect the tests.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import nbformat

from vnb.notebook.lab import LOW_LATENCY

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}

KERNEL_IDLE_JS = """() => {
  const el = document.querySelector("#jp-main-statusbar span[title^='Change kernel']");
  return !!el && !el.textContent.startsWith('No Kernel') && el.textContent.endsWith('| Idle');
}"""
RUN_DONE_JS = """() => {
  const errs = [...document.querySelectorAll(
    ".jp-Notebook .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")];
  if (errs.some(e => /Traceback|Error/.test(e.textContent))) return 'error';
  const st = document.querySelector("#jp-main-statusbar span[title^='Change kernel']");
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
  return !!st && st.textContent.endsWith('| Idle') && prompts.length > 0
    && prompts.every(p => /\\[\\d+\\]/.test(p.textContent)) ? 'done' : false;
}"""


def find_chromium() -> str | None:
    """Debian's ``chromium`` (or ``chromium-browser``) on PATH, else None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing_browser() -> str:
    """Why the browser tests cannot run here ("" when they can)."""
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -e '.[test]')"
    if importlib.util.find_spec("jupyterlab") is None:
        return "jupyterlab is not installed (pip install -e '.[test]')"
    if find_chromium() is None and not _playwright_chromium():
        return "no Chromium: apt-get install chromium (never `playwright install` in CI)"
    return ""


def _playwright_chromium() -> bool:
    """Whether a Chromium of Playwright's own download exists (a developer's machine)."""
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache/ms-playwright"))
    return any(cache.glob("chromium*"))


def launch_chromium(p: Playwright) -> Browser:
    """Headless Chromium: Debian's binary if there is one, else Playwright's own."""
    return p.chromium.launch(executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS)


class LabServer:
    """``jupyter lab`` on 127.0.0.1 with a random token, isolated in ``base``.

    ``nodelay``: the kernel websocket connection `vnb lab` configures (TCP_NODELAY, see
    `vnb.notebook.labserver`); without it, JupyterLab as a user who runs ``jupyter lab`` gets.
    """

    def __init__(self, base: Path, *, nodelay: bool = False) -> None:
        self.base, self.root = base, base / "root"
        self.root.mkdir(parents=True, exist_ok=True)
        self.token = secrets.token_hex(16)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = base / "server.log"
        self.nodelay = nodelay
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[str] | None = None

    def start(self, timeout: float = 60) -> LabServer:
        """Start the server and wait until ``/api/status`` answers."""
        b = self.base
        config = b / "config"
        (config / "labconfig").mkdir(parents=True, exist_ok=True)
        (config / "labconfig" / "page_config.json").write_text(
            json.dumps(
                {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
            )
        )
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_DATA_DIR": str(b / "data"),
            "JUPYTER_RUNTIME_DIR": str(b / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(b / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(b / "workspaces"),
            "VNB_CACHE_DIR": str(b / "vnb-cache"),  # frames and proxies: none from earlier runs
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
        cmd = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}", "--LabApp.expose_app_in_browser=True",
        ]  # fmt: skip
        if self.nodelay:
            cmd.append(f"--ServerApp.kernel_websocket_connection_class={LOW_LATENCY}")
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=self.root
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                msg = "jupyter lab exited:\n" + self.log_path.read_text()
                raise RuntimeError(msg)
            try:
                self.api("GET", "/api/status")
            except OSError:
                time.sleep(0.2)
            else:
                return self
        msg = "jupyter lab not ready:\n" + self.log_path.read_text()
        raise TimeoutError(msg)

    def api(self, method: str, path: str) -> Any:
        """A REST call with the token; the parsed JSON answer (None when empty)."""
        req = urllib.request.Request(  # noqa: S310 (our own server on loopback)
            self.url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Delete every session, which shuts its kernel down."""
        for s in self.api("GET", "/api/sessions"):
            with contextlib.suppress(OSError):
                self.api("DELETE", f"/api/sessions/{s['id']}")

    def stop(self) -> None:
        """Shut the kernels down, then the server (terminate, then kill after 15 s)."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.shutdown_kernels()
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log is not None:
            self._log.close()

    def notebook(self, name: str, cells: list[str]) -> str:
        """Write a notebook of code cells into the root; its URL (with ``?reset``)."""
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "language": "python",
            "display_name": "Python 3 (ipykernel)",
        }
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        nbformat.write(nb, self.root / name)
        return self.page_url(name)

    def page_url(self, name: str) -> str:
        """The URL that opens notebook ``name`` in a fresh workspace."""
        return f"{self.url}/lab/tree/{name}?reset&token={self.token}"


def editor_cells(
    *, width: int = 320, height: int = 240, seconds: float = 4.0, name: str = "testsrc2"
) -> list[str]:
    """The test notebook: lavfi media made in the notebook, a 2-clip project, the editor.

    Clip "a" is ``[0, seconds/2)`` of the source, clip "b" ``[seconds/2, seconds)`` from 1 s on
    into it; 30 fps. The last cell displays the project, which ``%load_ext vnb`` turns into the
    editor; ``ed`` is that editor.
    """
    half, d = seconds / 2, f"{seconds + 1:g}"
    return [
        "import json, subprocess\n"
        "from pathlib import Path\n"
        "import vnb\n"
        "from vnb.ffmpeg.binary import find_ffmpeg\n"
        f"SRC = Path('{name}-{width}x{height}.mp4')\n"
        "if not SRC.exists():\n"
        "    subprocess.run([\n"
        "        find_ffmpeg(), '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',\n"
        f"        '-f', 'lavfi', '-i', 'testsrc2=s={width}x{height}:r=30:d={d}',\n"
        f"        '-f', 'lavfi', '-i', 'sine=f=440:d={d}',\n"
        "        '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '12', '-g', '30',\n"
        "        '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', str(SRC),\n"
        "    ], check=True)",
        f"p = vnb.Project(name='browser', width={width}, height={height}, fps=30)\n"
        "v = p.add_track('video')\n"
        f"v.add_clip(SRC.name, start=0, duration={half:g}, id='a')\n"
        f"v.add_clip(SRC.name, start={half:g}, source_start=1, duration={half:g}, id='b')\n"
        "p.duration",
        "%load_ext vnb",
        "ed = vnb.notebook.editor_for(p)\np",
    ]


# -- driving a notebook --------------------------------------------------------------------


def open_notebook(page: Page, url: str) -> None:
    """Open a notebook and wait until its kernel is connected and idle."""
    page.goto(url)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", state="visible", timeout=60_000)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=60_000)


def run_all(page: Page, timeout: float = 120_000) -> None:
    """Run All Cells from the menu; wait until every cell ran; fail on a traceback."""
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    done = page.wait_for_function(RUN_DONE_JS, timeout=timeout)
    if done.json_value() == "error":
        stderr = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        )
        msg = "a cell raised:\n" + stderr.first.inner_text()
        raise AssertionError(msg)


def kernel_value(page: Page, expr: str, timeout: float = 30_000) -> Any:
    """Append a cell that prints ``json.dumps(expr)``, run it, return the parsed value.

    Clicking into the last cell's editor takes the focus away from the widget; Escape gives
    command mode, where "b" inserts a cell below.
    """
    cells = page.locator(".jp-Notebook .jp-Cell")
    count = cells.count()
    cells.last.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.wait_for_function(
        f"() => document.querySelectorAll('.jp-Notebook .jp-Cell').length > {count}"
    )
    page.keyboard.press("Enter")
    # one write, closed by a marker: the kernel may flush a stream in pieces under load, and
    # a piece holding only the opening "@@" is not the value
    page.keyboard.insert_text(f"import json; print('@@' + json.dumps({expr}) + '@@.')")
    page.keyboard.press("Control+Enter")  # run in place: adds no empty cell
    result = page.wait_for_function(
        """() => {
          const cells = document.querySelectorAll('.jp-Notebook .jp-Cell');
          const outs = [...cells[cells.length - 1].querySelectorAll('.jp-OutputArea-output')];
          const err = outs.find((o) => o.dataset.mimeType === 'application/vnd.jupyter.stderr'
            && /Traceback|Error/.test(o.innerText));
          if (err) return {error: err.innerText};
          const out = outs.find((o) => o.innerText.includes('@@.'));
          return out ? {text: out.innerText} : false;
        }""",
        timeout=timeout,
    ).json_value()
    if "error" in result:
        msg = f"{expr} raised in the kernel:\n{result['error']}"
        raise AssertionError(msg)
    return json.loads(result["text"].split("@@", 1)[1].split("@@.", 1)[0])
