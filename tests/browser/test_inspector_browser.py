"""The editor's inspector, error area and track order in a real JupyterLab (issue #12).

Each test opens a notebook of ``conftest.py`` (clips "a" [0, 2) and "b" [2, 4) of a 5 s
testsrc2 with a tone, 320×240, 30 fps), works the editor with the pointer and the keyboard,
and checks what Python holds by running a cell that prints JSON.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers import tools

from .lab import editor_cells, kernel_value, missing_browser
from .test_editor_browser import (
    BLOCK,
    BLOCKS_JS,
    BLOCKS_PY,
    CLIP,
    EDITOR,
    content_left,
    diffs,
    drag,
    no_js_errors,
    open_editor,
    screenshot,
    zoom,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from .lab import LabServer

_MISSING = missing_browser()
pytestmark = [
    pytest.mark.browser,
    tools.unless(_MISSING),
]

INSPECTOR = "[data-testid=vnb-inspector]"
BANNER = "[data-testid=vnb-error]"
SLIDER_STEPS = 1000


def log_position(v: float, lo: float, hi: float, mid: float = 1.0) -> int:
    """The position (0…1000) of ``v`` on a logarithmic slider (logic.js ``logSlider``)."""
    d, span = mid - lo, hi - lo
    c = d * d / (span - 2 * d)
    return round(math.log1p((v - lo) / c) / math.log1p(span / c) * SLIDER_STEPS)


def painted_content(page: Page, content: str) -> None:
    """Wait until the preview shows a frame made from the project with ``content`` key."""
    page.wait_for_function(
        "(c) => { const i = document.querySelector('[data-testid=vnb-frame]');"
        " return i.dataset.content === c && i.complete; }",
        arg=content,
    )


def field(page: Page, name: str, kind: str = "number") -> Any:
    return page.locator(f"{INSPECTOR} input[type={kind}][data-field='{name}']")


def select_clip(page: Page, clip_id: str) -> None:
    page.locator(f"{CLIP}[data-clip-id={clip_id}]").click()
    page.wait_for_selector(f"{INSPECTOR} h4:text-matches('{clip_id}$')")


def test_an_effect_is_added_changed_and_removed_in_the_inspector(page: Page, lab: LabServer):
    open_editor(page, lab)
    before = page.evaluate(BLOCKS_JS, BLOCK)
    original = page.locator("[data-testid=vnb-frame]").get_attribute("data-content")
    select_clip(page, "a")

    # add: the effect's own controls appear (not "[object HTMLFieldSetElement]")
    page.locator("[data-testid=vnb-add-effect]").select_option("brightness")
    effect = page.locator(f"{INSPECTOR} [data-testid=vnb-effect][data-name=brightness]")
    effect.wait_for()
    assert "[object" not in page.locator(INSPECTOR).inner_text()
    amount = effect.locator("input[type=range][data-param=amount]")
    number = effect.locator("input[type=number][data-param=amount]")
    assert number.input_value() == "0"
    assert kernel_value(page, "[(e.name, e.params) for e in p.find_clip('a').effects]") == [
        ["brightness", {}]
    ]

    # change: click the slider three quarters along (amount -1…1: about +0.5)
    box = amount.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "(el) => Number(el.value) > 0.3", arg=number.element_handle(), timeout=10_000
    )
    shown = float(number.input_value())
    state = kernel_value(
        page,
        "{'effects': [(e.name, e.params) for e in p.find_clip('a').effects],"
        " 'content': ed.timeline['content'], 'undo': ed.history.undo_label}",
    )
    assert state["effects"] == [["brightness", {"amount": pytest.approx(shown)}]]
    assert 0.3 < shown < 0.7
    painted_content(page, state["content"])
    painted = page.evaluate(BLOCKS_JS, BLOCK)
    python = kernel_value(page, BLOCKS_PY.format(t=0.0, w=320, h=240, b=BLOCK))
    mean, worst = diffs(painted["blocks"], python)
    assert mean < 3 and worst < 60, f"the preview is not frame_at's picture: {mean}, {worst}"
    brighter = [
        b - a
        for ra, rb in zip(before["blocks"], painted["blocks"], strict=True)
        for pa, pb in zip(ra, rb, strict=True)
        for a, b in zip(pa, pb, strict=True)
    ]
    assert sum(brighter) / len(brighter) > 20, "the preview did not get brighter"
    screenshot(page, "inspector-effect")

    # remove: the project has no effect again, and the preview is the first picture again
    effect.locator("[data-testid=vnb-effect-remove]").click()
    effect.wait_for(state="detached")
    state = kernel_value(
        page, "{'effects': len(p.find_clip('a').effects), 'content': ed.timeline['content']}"
    )
    assert state == {"effects": 0, "content": original}
    painted_content(page, original)
    assert diffs(page.evaluate(BLOCKS_JS, BLOCK)["blocks"], before["blocks"])[0] < 1

    # speed and volume move along logarithmic sliders: 1.0 in the middle
    select_clip(page, "a")
    speed, volume = field(page, "speed", "range"), field(page, "volume", "range")
    assert speed.get_attribute("data-scale") == volume.get_attribute("data-scale") == "log"
    assert speed.input_value() == volume.input_value() == str(SLIDER_STEPS // 2)
    speed.fill(str(log_position(2.0, 0.1, 100.0)))
    page.wait_for_function(
        '() => document.querySelector("[data-testid=vnb-inspector] input[type=number]'
        "[data-field=speed]\").value === '2'"
    )
    assert kernel_value(page, "p.find_clip('a').speed") == pytest.approx(2.0)
    no_js_errors(page)


def test_a_refused_value_is_put_back_and_explained_beside_its_field(page: Page, lab: LabServer):
    open_editor(page, lab)
    select_clip(page, "b")
    start = field(page, "start")
    assert start.input_value() == "2"

    # typed: clip "b" cannot start at 1 s (clip "a" is there)
    start.fill("1")
    start.press("Enter")
    note = page.locator(f"{INSPECTOR} [data-testid=vnb-field-error][data-control='field:start']")
    note.wait_for()
    assert "overlap" in note.inner_text()
    assert start.input_value() == "2"  # the project's value is back in the field
    assert page.locator(BANNER).is_hidden()  # said beside the field, not twice
    # slid: 10× speed would play past the source's end; the slider goes back to 1.0
    speed = field(page, "speed", "range")
    speed.fill(str(log_position(10.0, 0.1, 100.0)))
    speed_note = page.locator(
        f"{INSPECTOR} [data-testid=vnb-field-error][data-control='field:speed']"
    )
    speed_note.wait_for()
    assert "source" in speed_note.inner_text()
    assert speed.input_value() == str(SLIDER_STEPS // 2)
    assert field(page, "speed").input_value() == "1"
    state = kernel_value(
        page, "{'b': [p.find_clip('b').start, p.find_clip('b').speed], 'error': ed.error}"
    )
    assert state == {"b": [2.0, 1.0], "error": ""}
    screenshot(page, "refused-field")

    # a value that is not a number is refused in the browser, and put back too
    start.fill("")
    start.press("Enter")
    page.wait_for_function("(el) => el.value === '2'", arg=start.element_handle(), timeout=10_000)
    assert note.is_visible()

    # a successful edit clears the notes
    opacity = field(page, "opacity")
    opacity.fill("0.5")
    opacity.press("Enter")
    note.wait_for(state="hidden")
    assert speed_note.is_hidden()
    assert kernel_value(page, "p.find_clip('b').opacity") == 0.5
    no_js_errors(page)


def test_the_error_area_can_be_dismissed_and_goes_after_the_next_edit(page: Page, lab: LabServer):
    open_editor(page, lab)
    left, z = content_left(page), zoom(page)
    banner = page.locator(BANNER)

    def refused_drag() -> None:
        # clip "b" dragged 0.6 s to the left lands on clip "a": refused, put back
        box = page.locator(f"{CLIP}[data-clip-id=b]").bounding_box()
        assert box is not None
        x = box["x"] + box["width"] / 2
        drag(page, x, box["y"] + box["height"] / 2, x - 0.6 * z)
        banner.wait_for(state="visible")
        assert "overlap" in banner.inner_text()
        page.wait_for_function(
            "(x) => Math.abs(document.querySelector('[data-clip-id=b]')"
            ".getBoundingClientRect().x - x) < 1",
            arg=left + 2.0 * z,
        )

    refused_drag()
    screenshot(page, "error-banner")
    page.locator("[data-testid=vnb-error-dismiss]").click()
    banner.wait_for(state="hidden")
    assert kernel_value(page, "{'error': ed.error, 'b': p.find_clip('b').start}") == {
        "error": "",
        "b": 2.0,
    }

    refused_drag()
    page.locator(EDITOR).focus()
    page.keyboard.press("m")  # a marker: the next successful edit
    banner.wait_for(state="hidden")
    assert kernel_value(page, "{'error': ed.error, 'markers': len(p.markers)}") == {
        "error": "",
        "markers": 1,
    }
    no_js_errors(page)


TRACKS = (
    "subprocess.run([find_ffmpeg(), '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',\n"
    "    '-f', 'lavfi', '-i', 'sine=f=330:d=3', 'tone.wav'], check=True)\n"
    "a1 = p.add_track('audio')\n"
    "a1.add_clip('tone.wav', start=0, duration=2, id='s1')\n"
    "v2 = p.add_track('video')\n"
    "v2.add_clip(SRC.name, start=1, duration=1, id='top')\n"
    "a2 = p.add_track('audio')\n"
    "a2.add_clip('tone.wav', start=0.5, duration=1, id='s2')\n"
    "[t.kind for t in p.tracks]"
)


def rgb(css: str) -> tuple[float, ...]:
    """The red, green and blue of a computed colour (``rgb(…)`` or ``color(srgb …)``)."""
    numbers = [float(x) for x in re.findall(r"[\d.]+", css)]
    if css.startswith("color("):
        return tuple(255 * x for x in numbers[:3])
    return tuple(numbers[:3])


def luminance(c: tuple[float, ...]) -> float:
    return (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255


def test_video_tracks_are_drawn_above_audio_tracks_in_the_theme_colours(page: Page, lab: LabServer):
    cells = editor_cells()
    lab.notebook("tracks.ipynb", [*cells[:2], TRACKS, *cells[2:]])
    open_editor(page, lab, "tracks.ipynb")
    # project order V1 A1 V2 A2 (indices 0 1 2 3); drawn top-down: V2 V1 | A1 A2
    lanes = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=vnb-track]')].map((el) =>
             [Number(el.dataset.trackIndex), el.dataset.kind, el.getBoundingClientRect().y])"""
    )
    lanes.sort(key=lambda lane: lane[2])
    assert [lane[:2] for lane in lanes] == [[2, "video"], [0, "video"], [1, "audio"], [3, "audio"]]
    headers = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=vnb-track-header]')].map((el) =>
             [Number(el.dataset.trackIndex), el.getBoundingClientRect().y])"""
    )
    assert [h[0] for h in headers] == [2, 0, 1, 3]  # the headers in the same order …
    for (_, y_header), lane in zip(headers, lanes, strict=True):
        assert y_header == pytest.approx(lane[2], abs=2)  # … beside their lanes
    ys = {
        c: page.locator(f"{CLIP}[data-clip-id={c}]").bounding_box()["y"]  # type: ignore[index]
        for c in ("top", "a", "s1", "s2")
    }
    assert ys["top"] < ys["a"] < ys["s1"] < ys["s2"]

    # clicking a clip in a lane selects that clip (hit-testing follows the drawn order) …
    page.locator(f"{CLIP}[data-clip-id=s1]").click()
    assert kernel_value(page, "ed.selection") == "s1"
    # … and a clip dragged down one row lands on the track drawn there: "top" from V2 [1, 2)
    # to V1 after clip "b", at 4 s (its grab point 0.5 s in, dropped at 4.5 s)
    left, z = content_left(page), zoom(page)
    top = page.locator(f"{CLIP}[data-clip-id=top]").bounding_box()
    v1 = page.locator("[data-testid=vnb-track][data-track-index='0']").bounding_box()
    assert top is not None and v1 is not None
    page.mouse.move(left + 1.5 * z, top["y"] + top["height"] / 2)
    page.mouse.down()
    page.mouse.move(left + 4.5 * z, v1["y"] + v1["height"] / 2, steps=12)
    page.mouse.up()
    page.wait_for_selector("[data-testid=vnb-track][data-track-index='0'] [data-clip-id=top]")
    moved = kernel_value(page, "[[c.id, c.start] for c in p.tracks[0].clips]")
    assert moved == [["a", 0.0], ["b", 2.0], ["top", pytest.approx(4.0)]]

    # audio clips take the theme's colours: pale in the light theme, deep in the dark one
    audio = f"{CLIP}[data-clip-id=s2]"
    light = rgb(page.locator(audio).evaluate("(el) => getComputedStyle(el).backgroundColor"))
    assert luminance(light) > 0.6 and light[1] > light[0]
    screenshot(page, "tracks-light")
    try:
        page.evaluate(
            "() => { void window.jupyterapp.commands.execute('apputils:change-theme',"
            " {theme: 'JupyterLab Dark'}); }"
        )
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        page.wait_for_function(
            "(sel) => { const c = getComputedStyle(document.querySelector(sel)).backgroundColor;"
            " const n = c.match(/[\\d.]+/g).map(Number);"
            " const v = c.startsWith('color(') ? n.map((x) => 255 * x) : n;"
            " return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2] < 0.35 * 255; }",
            arg=audio,
        )
        dark = rgb(page.locator(audio).evaluate("(el) => getComputedStyle(el).backgroundColor"))
        assert luminance(dark) < 0.35 and dark[1] > max(dark[0], dark[2])  # still green
        video = rgb(
            page.locator(f"{CLIP}[data-clip-id=top]").evaluate(
                "(el) => getComputedStyle(el).backgroundColor"
            )
        )
        assert luminance(video) < 0.35
        page.wait_for_timeout(500)  # the canvases redraw 300 ms after a theme switch
        screenshot(page, "tracks-dark")
    finally:
        page.evaluate(
            "() => { void window.jupyterapp.commands.execute('apputils:change-theme',"
            " {theme: 'JupyterLab Light'}); }"
        )
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")
    no_js_errors(page)
