"""Keyframes in the editor, in a real JupyterLab (issue #14).

A green square (a colour clip "sq" at a quarter of the 320×240 canvas's size, 0…4 s) over the
black background. Keys on ``transform.x`` are set from the inspector at two playhead
positions; scrubbing between them paints the square where the curve puts it (its centroid in
the painted frame); the easing menu changes the curve; dragging a diamond on the timeline
moves the key in the Python project, in one undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers import tools

from .lab import kernel_value, missing_browser
from .test_editor_browser import (
    CLIP,
    EDITOR,
    FPS,
    content_left,
    no_js_errors,
    open_editor,
    screenshot,
    wait_painted,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from .lab import LabServer

_MISSING = missing_browser()
pytestmark = [pytest.mark.browser, tools.unless(_MISSING)]

INSPECTOR = "[data-testid=vnb-inspector]"
X_FIELD = f"{INSPECTOR} input[type=number][data-field='transform.x']"
TOGGLE = f"{INSPECTOR} [data-testid=vnb-key-toggle][data-path='transform.x']"
DIAMOND = "[data-testid=vnb-key][data-path='transform.x']"
CELLS = [
    "import json\nimport vnb\n"
    "p = vnb.Project(name='keys', width=320, height=240, fps=30, background='black')\n"
    "p.add_track('video').add_clip(color='#00ff00', start=0, duration=4, id='sq',\n"
    "                              transform={'scale': 0.25})\n"
    "p.duration",
    "%load_ext vnb",
    "ed = vnb.notebook.editor_for(p)\np",
]

# The centroid of the green pixels of the painted frame, and the frame's width.
CENTROID_JS = """() => {
  const img = document.querySelector("[data-testid=vnb-frame]");
  const w = img.naturalWidth, h = img.naturalHeight;
  const c = document.createElement("canvas"); c.width = w; c.height = h;
  const g = c.getContext("2d"); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, w, h).data;
  let n = 0, sx = 0, sy = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = 4 * (y * w + x);
    if (d[i + 1] > 128 && d[i] < 100 && d[i + 2] < 100) { n++; sx += x + 0.5; sy += y + 0.5; }
  }
  return {width: w, height: h, n, x: sx / n, y: sy / n};
}"""


def seek(page: Page, t: float) -> None:
    """Click the ruler at ``t`` seconds and wait for that frame to be painted."""
    page.locator("[data-testid=vnb-ruler]").scroll_into_view_if_needed()
    ruler = page.locator("[data-testid=vnb-ruler]").bounding_box()
    assert ruler is not None
    page.mouse.click(content_left(page) + t * zoom(page), ruler["y"] + ruler["height"] / 2)
    wait_painted(page, round(t * FPS))


def zoom(page: Page) -> float:
    """Pixels per second, from clip "sq" (4 s long)."""
    box = page.locator(f"{CLIP}[data-clip-id=sq]").bounding_box()
    assert box is not None
    return box["width"] / 4.0


def type_x(page: Page, value: float) -> None:
    """Type ``value`` into the position-x field and wait for Python's answer."""
    before = kernel_value(page, "ed.timeline['content']")
    field = page.locator(X_FIELD)
    field.fill(f"{value:g}")
    field.press("Enter")
    page.wait_for_function(
        "(c) => document.querySelector('[data-testid=vnb-frame]').dataset.content !== c"
        " && document.querySelector('[data-testid=vnb-frame]').complete",
        arg=before,
    )


def square_at(page: Page, t: float) -> dict[str, Any]:
    """Scrub to ``t``: where the square is painted, and where the curve puts it (Python)."""
    seek(page, t)
    painted = page.evaluate(CENTROID_JS)
    assert painted["n"] > 100, painted  # the square is there
    want = kernel_value(page, f"p.find_clip('sq').value_at('transform.x', {t!r})")
    scale = painted["width"] / 320
    return {"painted": painted["x"] / scale - 160, "curve": want, "shown": page.locator(X_FIELD)}


def test_keys_set_in_the_inspector_move_the_square_and_a_dragged_diamond_moves_a_key(
    page: Page, lab: LabServer
):
    lab.notebook("keys.ipynb", CELLS)
    open_editor(page, lab, "keys.ipynb")
    page.locator(f"{CLIP}[data-clip-id=sq]").click()
    page.wait_for_selector(f"{INSPECTOR} h4:text-matches('sq$')")

    # a key at 0.5 s with the toggle (the value there: 0), then typed: the key takes -80
    seek(page, 0.5)
    page.locator(TOGGLE).click()
    page.wait_for_selector(f"{TOGGLE}[data-on=true]")
    assert kernel_value(page, "p.find_clip('sq').animations['transform.x'][0].value") == 0.0
    type_x(page, -80)
    # at 2.5 s, typing into the animated control sets a second key there
    seek(page, 2.5)
    assert page.locator(TOGGLE).get_attribute("data-on") == "false"
    type_x(page, 80)
    page.wait_for_selector(f"{TOGGLE}[data-on=true]")
    keys = "[(k.t, k.value, k.easing) for k in p.find_clip('sq').keyframes('transform.x')]"
    assert kernel_value(page, keys) == [[0.5, -80.0, "linear"], [2.5, 80.0, "linear"]]
    assert kernel_value(page, "p.find_clip('sq').transform.x") == 0.0  # the static value stays
    assert page.locator(DIAMOND).count() == 2
    # ◂ goes back to the first key, ▸ on to the second
    page.locator(f"{INSPECTOR} [data-testid=vnb-key-prev][data-path='transform.x']").click()
    wait_painted(page, 15)
    page.wait_for_selector(f"{TOGGLE}[data-on=true]")
    page.locator(f"{INSPECTOR} [data-testid=vnb-key-next][data-path='transform.x']").click()
    wait_painted(page, 75)

    # scrubbing between the keys: the square is painted where the curve is, the field says so
    for t in (0.5, 1.2, 2.0, 3.5):
        at = square_at(page, t)
        assert at["painted"] == pytest.approx(at["curve"], abs=2), (t, at)
        assert float(at["shown"].input_value()) == pytest.approx(at["curve"], abs=0.01)
    assert kernel_value(page, "p.find_clip('sq').value_at('transform.x', 1.2)") == pytest.approx(
        -24.0
    )

    # the easing menu (of the key at or before the playhead: 0.5 s) bends the curve
    seek(page, 1.2)
    easing = page.locator(f"{INSPECTOR} [data-testid=vnb-key-easing][data-path='transform.x']")
    assert easing.input_value() == "linear"
    curve_before = page.locator("[data-testid=vnb-curve] polyline").get_attribute("points")
    easing.select_option("ease_in_out")
    page.wait_for_function(
        "(p) => document.querySelector('[data-testid=vnb-curve] polyline')"
        ".getAttribute('points') !== p",
        arg=curve_before,
    )
    assert kernel_value(page, keys)[0] == [0.5, -80.0, "ease_in_out"]
    at = square_at(page, 1.2)
    assert at["curve"] == pytest.approx(-80 + 160 * 4 * 0.35**3)  # cubic ease-in-out
    assert at["painted"] == pytest.approx(at["curve"], abs=2), at
    screenshot(page, "keyframes")

    # dragging the diamond of the 2.5 s key to 3 s moves the key in Python, one undo step
    steps = kernel_value(page, "len(ed.history._past)")
    page.locator(f"{DIAMOND}[data-t='2.5']").scroll_into_view_if_needed()
    diamond = page.locator(f"{DIAMOND}[data-t='2.5']").bounding_box()
    assert diamond is not None
    x, y = diamond["x"] + diamond["width"] / 2, diamond["y"] + diamond["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 0.5 * zoom(page), y, steps=10)
    page.mouse.up()
    page.wait_for_selector(f"{DIAMOND}[data-t='3']")
    assert kernel_value(page, keys) == [[0.5, -80.0, "ease_in_out"], [3.0, 80.0, "linear"]]
    assert kernel_value(page, "[len(ed.history._past), ed.history.undo_label]") == [
        steps + 1,
        "move key",
    ]
    at = square_at(page, 2.5)  # the square follows the moved key
    assert at["curve"] < 80
    assert at["painted"] == pytest.approx(at["curve"], abs=2), at
    page.locator(EDITOR).focus()
    no_js_errors(page)
