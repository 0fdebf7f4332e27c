"""The detection overlay in the editor, in a real JupyterLab and headless Chromium (#5 item 5).

The notebook pans across scikit-image's astronaut (a lavfi ``crop`` window moving right, so the
subject moves left), analyses it with the shipped model, adds the detections as an overlay and
shows the editor. The test checks that the boxes drawn over the preview are `overlay_boxes`'s
for the frame painted, that they move when the playhead moves, that a click on a box selects
its track in Python, and that the class filter reaches the project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers import tools

from .conftest import ARTIFACTS
from .lab import kernel_value, missing_browser, open_notebook, run_all

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from .lab import LabServer

_MISSING = missing_browser()
pytestmark = [
    pytest.mark.browser,
    tools.unless(_MISSING),
]

FPS = 10
SIZE = 512  # the project is the astronaut's size: canvas pixels are source pixels
PAN = 64  # pixels per second the window moves right (the subject moves left)

CELLS = [
    "import subprocess\n"
    "from PIL import Image\n"
    "from skimage import data\n"
    "import vnb\n"
    "from vnb.ffmpeg.binary import find_ffmpeg\n"
    "Image.fromarray(data.astronaut()).save('astronaut.png')\n"
    "subprocess.run([find_ffmpeg(), '-v', 'error', '-y', '-loop', '1',\n"
    "    '-framerate', '10', '-i', 'astronaut.png', '-vf',\n"
    f"    'pad=1024:512:256:0:gray,crop=512:512:192+t*{PAN}:0,format=yuv420p',\n"
    "    '-t', '2', '-r', '10', '-c:v', 'libx264', '-crf', '14', 'pan.mp4'], check=True)",
    "dets = vnb.detect.analyze('pan.mp4', progress=False)\n"
    f"p = vnb.Project(name='overlay', width={SIZE}, height={SIZE}, fps={FPS})\n"
    "p.add_track('video').add_clip('pan.mp4', start=0, duration=2, id='pan')\n"
    "p.add_overlay(dets)",
    "%load_ext vnb",
    "ed = vnb.notebook.editor_for(p)\np",
]

OVERLAY = "[data-testid=vnb-overlay]"

# What the overlay canvas shows: its frame, boxes ([track, class, x, y, w, h] in picture
# pixels) and the picture's width on screen.
SHOWN_JS = """() => {
  const c = document.querySelector("[data-testid=vnb-overlay]");
  const img = document.querySelector("[data-testid=vnb-frame]");
  return {frame: Number(c.dataset.frameIndex), boxes: JSON.parse(c.dataset.json || "[]"),
          picture: Number(img.dataset.frameIndex), width: img.clientWidth,
          rect: c.getBoundingClientRect().toJSON()};
}"""


def shown(page: Page, frame: int) -> dict[str, Any]:
    page.wait_for_function(
        "(k) => { const c = document.querySelector('[data-testid=vnb-overlay]');"
        " const i = document.querySelector('[data-testid=vnb-frame]');"
        " return c && c.dataset.frameIndex === String(k) && i.dataset.frameIndex === String(k); }",
        arg=frame,
    )
    return page.evaluate(SHOWN_JS)


def python_boxes(page: Page, t: float) -> list[list[Any]]:
    return kernel_value(
        page,
        "[[b['track_id'], b['class_name'], b['x1'], b['y1'], b['x2'] - b['x1'], b['y2'] - b['y1']]"
        f" for b in vnb.detect.overlay_boxes(p, {t!r})]",
    )


def person(boxes: list[list[Any]]) -> list[Any]:
    people = [b for b in boxes if b[1] == "person"]
    assert people, f"no person among {boxes}"
    return max(people, key=lambda b: b[4] * b[5])


def test_boxes_follow_the_playhead_select_a_track_and_filter(page: Page, lab: LabServer):
    lab.notebook("overlay.ipynb", CELLS)
    open_notebook(page, lab.page_url("overlay.ipynb"))
    page.evaluate(
        "() => { const s = window.jupyterapp.shell; if (!s.leftCollapsed) s.collapseLeft(); }"
    )
    run_all(page, timeout=240_000)
    page.locator("[data-testid=vnb-editor]").scroll_into_view_if_needed()

    # frame 0: the boxes drawn are those overlay_boxes gives, scaled to the picture
    first = shown(page, 0)
    scale = first["width"] / SIZE
    expected = python_boxes(page, 0.0)
    assert len(first["boxes"]) == len(expected) > 0
    for got, want in zip(first["boxes"], expected, strict=True):
        assert got[:2] == want[:2]
        assert got[2:] == pytest.approx([v * scale for v in want[2:]], abs=0.2)
    a = person(first["boxes"])

    # the playhead to 1.5 s (click the ruler): new boxes, moved left with the pan
    ruler = page.locator("[data-testid=vnb-ruler]").bounding_box()
    clip = page.locator("[data-testid=vnb-clip][data-clip-id=pan]").bounding_box()
    assert ruler is not None and clip is not None
    page.mouse.click(clip["x"] + 1.5 * clip["width"] / 2 + 1, ruler["y"] + ruler["height"] / 2)
    later = shown(page, 15)
    b = person(later["boxes"])
    expected = person(python_boxes(page, 1.5))
    assert b[2:] == pytest.approx([v * scale for v in expected[2:]], abs=0.2)
    moved = (b[2] - a[2]) / scale  # in source pixels
    assert -1.5 * PAN - 40 < moved < -1.5 * PAN + 40, (a, b)
    assert abs((b[3] - a[3]) / scale) < 40  # the pan is horizontal
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("[data-testid=vnb-editor]").screenshot(path=str(ARTIFACTS / "overlay.png"))

    # a click inside the person's box selects its track, in Python
    rect = later["rect"]
    page.mouse.click(rect["x"] + b[2] + b[4] / 2, rect["y"] + b[3] + b[5] / 2)
    page.wait_for_selector(f"{OVERLAY}[data-selected='{b[0]}']")  # drawn highlighted
    state = kernel_value(page, "ed.selected_track")
    assert state == b[0] is not None

    # the class filter: "person" off → no person box, and the project's overlay says so
    page.locator("[data-testid=vnb-overlay-class][data-class-name=person]").uncheck()
    page.wait_for_function(
        "() => !JSON.parse(document.querySelector('[data-testid=vnb-overlay]').dataset.json"
        " || '[]').some((b) => b[1] === 'person')"
    )
    classes = kernel_value(page, "p.overlays[0].classes")
    assert classes is not None and "person" not in classes
    assert not page.js_errors, page.js_errors  # type: ignore[attr-defined]
    assert page.locator("[data-testid=vnb-error]").is_hidden()
