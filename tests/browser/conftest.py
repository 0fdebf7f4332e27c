"""Fixtures of the browser tests: one JupyterLab and one headless Chromium per session.

``lab`` serves a temporary root holding the test notebook (made here with nbformat: lavfi
media made in the notebook, a 2-clip testsrc2 project, ``%load_ext vnb``, the editor);
``page`` is a fresh 1280×800 browser context per test, which records page errors and console
lines and, when the test fails, leaves a screenshot, the console and the server log in
``tests/browser/artifacts/`` (``VNB_BROWSER_ARTIFACTS`` moves it).

Without Chromium or Playwright the tests are skipped with the reason; ``VNB_REQUIRE_TOOLS=1``
(set by CI) turns that skip into a failure (`tests.helpers.tools`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers import tools

from .lab import VIEWPORT, LabServer, editor_cells, launch_chromium, missing_browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ARTIFACTS = Path(os.environ.get("VNB_BROWSER_ARTIFACTS") or Path(__file__).parent / "artifacts")
NOTEBOOK = "editor.ipynb"


def _require_browser() -> None:
    reason = missing_browser()
    if reason:
        tools.missing(reason)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab on 127.0.0.1 serving a temporary root with the editor notebook."""
    _require_browser()
    for stale in ARTIFACTS.glob("*-FAILED.png"):  # what an earlier run's failures left
        for path in ARTIFACTS.glob(stale.name.removesuffix("-FAILED.png") + "-*"):
            path.unlink()
    server = LabServer(tmp_path_factory.mktemp("jlab"), nodelay=True)  # as `vnb lab` runs it
    server.notebook(NOTEBOOK, editor_cells())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Debian's, through Playwright's ``executable_path``)."""
    _require_browser()
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as p:
        try:
            b = launch_chromium(p)
        except Error as exc:
            if tools.required():
                raise
            pytest.skip(f"no usable Chromium (apt-get install chromium): {exc.message[:300]}")
        yield b
        b.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.call_report = report  # type: ignore[attr-defined]
    return report


@pytest.fixture
def page(browser: Browser, lab: LabServer, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page; on failure its screenshot, console and the server log are kept."""
    ctx = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    console: list[str] = []
    errors: list[str] = []
    pg.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.console_lines = console  # type: ignore[attr-defined]
    pg.js_errors = errors  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        report = getattr(request.node, "call_report", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = request.node.name
            try:
                pg.screenshot(path=str(ARTIFACTS / f"{name}-FAILED.png"))
            finally:
                (ARTIFACTS / f"{name}-console.txt").write_text("\n".join(console + errors))
                (ARTIFACTS / f"{name}-server.log").write_text(lab.log_path.read_text()[-20_000:])
        ctx.close()
        lab.shutdown_kernels()
