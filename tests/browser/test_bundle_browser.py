"""The editor's module reaches the page once, however many editors it shows (issue #13).

Each editor's own ``_esm`` is the small loader; the bundle (``editor.js`` and ``editor.css``)
comes once per kernel in a shared widget model and is evaluated and styled once per page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.helpers import tools

from .conftest import ARTIFACTS
from .lab import editor_cells, kernel_value, missing_browser, open_notebook, run_all
from .test_editor_browser import EDITOR, FRAME

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from .lab import LabServer

_MISSING = missing_browser()
pytestmark = [
    pytest.mark.browser,
    tools.unless(_MISSING),
]

SHARED_JS = """() => ({
  editors: document.querySelectorAll("[data-testid=vnb-editor]").length,
  painted: [...document.querySelectorAll("[data-testid=vnb-frame]")]
    .filter((i) => i.dataset.frameIndex === "0").length,
  styles: document.querySelectorAll("style[data-vnb-editor]").length,
  modules: globalThis.__vnbEditorBundles?.size ?? 0,
  styled: getComputedStyle(document.querySelector("[data-testid=vnb-editor]")).display,
})"""


def test_two_editors_share_one_bundle(page: Page, lab: LabServer):
    cells = [*editor_cells(), "ed2 = vnb.notebook.Editor(p)\ned2"]
    open_notebook(page, lab.notebook("two-editors.ipynb", cells))
    run_all(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=vnb-frame]')]"
        ".filter((i) => i.dataset.frameIndex === '0').length === 2"
    )
    shared = page.evaluate(SHARED_JS)
    assert shared == {"editors": 2, "painted": 2, "styles": 1, "modules": 1, "styled": "flex"}
    assert page.locator(f"{EDITOR} {FRAME}").count() == 2
    same, loader = kernel_value(
        page, "[ed.bundle is ed2.bundle, len(ed._esm) < 2000 and len(ed.bundle.esm) > 20000]"
    )
    assert same and loader
    assert not page.js_errors, page.js_errors  # type: ignore[attr-defined]
    assert page.locator("[data-testid=vnb-error]:visible").count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "two-editors.png"), full_page=True)
