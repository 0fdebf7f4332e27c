"""The editor widget without a browser: drive its message handler, check traits and replies."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

pytest.importorskip("anywidget", reason="the notebook extra (anywidget, ipywidgets) is needed")

from PIL import Image

import vnb
from vnb.notebook.i18n import TEXT
from vnb.preview import frame_at


def deliver(editor, content, buffers=()):
    """A custom message from the browser, delivered as ipywidgets does."""
    editor._handle_custom_msg(content, list(buffers))


def decode(jpeg: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(bytes(jpeg))).convert("RGB"))


def diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_traits_describe_the_project(project, make_editor):
    editor, _ = make_editor(project)
    tl = editor.timeline
    assert tl["fps"] == 30 and tl["frames"] == 120 and tl["duration"] == 4.0
    [track] = tl["tracks"]
    assert [c["id"] for c in track["clips"]] == ["a", "b"]
    b = track["clips"][1]
    assert (b["start"], b["duration"], b["source_start"]) == (2.0, 2.0, 1.0)
    assert b["max_end"] == pytest.approx(5.0)  # the 4 s source allows 3 s after source_start 1
    assert b["min_start"] == pytest.approx(1.0)
    assert b["has_video"] and b["has_audio"]
    assert editor.labels == TEXT["en"]
    assert editor.inspector == {}
    assert editor.undo == {"undo": None, "redo": None}
    assert re.search(r"export\s*\{[^}]*\bas default\}", editor.bundle.esm)  # the shared bundle
    assert ".vnb-editor" in editor.bundle.css


def test_unknown_options_are_refused_with_a_hint(project):
    from vnb.notebook.editor import Editor

    with pytest.raises(TypeError, match="preview_width"):
        Editor(project, preview_widht=300)


@pytest.mark.parametrize(("t", "expected"), [(0.0, 0), (1.0, 30), (2.5, 75), (3.99, 119)])
def test_frame_request_gets_that_frame_as_jpeg(project, make_editor, t, expected):
    editor, sent = make_editor(project)
    deliver(editor, {"kind": "frame", "id": 7, "t": t, "width": 320})
    reply, buffers = sent.last("frame")
    assert reply["ok"] and reply["id"] == 7
    assert reply["frame_index"] == expected
    assert (reply["width"], reply["height"]) == (320, 240)
    shown = decode(buffers[0])
    assert shown.shape == (240, 320, 3)
    right = frame_at(project, expected / 30, size=(320, 240))
    neighbour = frame_at(
        project, (expected + 1 if expected < 119 else expected - 1) / 30, size=(320, 240)
    )
    # JPEG noise is about as large as the change from one testsrc2 frame to the next, so the
    # picture must be clearly nearer the right frame than its neighbour.
    assert diff(shown, right) < 5.0
    assert diff(shown, right) < 0.75 * diff(shown, neighbour)


def test_settled_frame_is_kept_in_a_trait(project, make_editor):
    editor, _ = make_editor(project)
    editor.playhead = 1.0
    deliver(editor, {"kind": "frame", "id": 1, "t": 1.0, "width": 160})
    assert editor.frame_index == 30
    assert decode(editor.frame_jpeg).shape == (120, 160, 3)
    deliver(editor, {"kind": "frame", "id": 2, "t": 2.0, "width": 160})  # not the playhead
    assert editor.frame_index == 30
    editor.playhead = 2.0  # the playhead arrives after the frame request (a scrub's end)
    assert editor.frame_index == 60


def test_a_frame_painted_from_the_browser_cache_still_settles(project, make_editor):
    """The browser paints a frame it has cached without asking; it tells Python (``settle``),
    which keeps that frame as the settled one without sending anything back."""
    editor, sent = make_editor(project)
    editor.playhead = 1.0
    deliver(editor, {"kind": "frame", "id": 1, "t": 1.0, "width": 160})
    before = len(sent.messages)
    editor.playhead = 0.5  # a key step: the playhead first, then the cached frame is painted
    deliver(editor, {"kind": "settle", "t": 0.5, "width": 160})
    assert editor.frame_index == 15
    shown = decode(editor.frame_jpeg)
    right, neighbour = (frame_at(project, t, size=(160, 120)) for t in (15 / 30, 16 / 30))
    assert diff(shown, right) < 0.75 * diff(shown, neighbour)
    deliver(editor, {"kind": "settle", "t": 3.0, "width": 160})  # a drag: playhead comes later
    assert editor.frame_index == 15
    editor.playhead = 3.0
    assert editor.frame_index == 90
    deliver(editor, {"kind": "settle", "t": "soon", "width": 160})  # nonsense is ignored
    assert editor.frame_index == 90 and editor.error == ""
    assert len(sent.messages) == before  # no frame went back to the browser


def test_one_request_can_ask_for_several_frames(project, make_editor):
    """Playback sends frames ahead in one message (`more`); each gets its own reply."""
    editor, sent = make_editor(project)
    more = [{"id": "p-2", "t": 11 / 30, "width": 320}, {"id": "p-3", "t": 2.5, "width": 320}]
    more.append("not a request")  # ignored
    deliver(editor, {"kind": "frame", "id": "p-1", "t": 10 / 30, "width": 320, "more": more})
    replies = [m for m in sent.messages if m[0].get("kind") == "frame"]
    assert [(r["id"], r["frame_index"], r["ok"]) for r, _ in replies] == [
        ("p-1", 10, True),
        ("p-2", 11, True),
        ("p-3", 75, True),
    ]
    for (reply, buffers), k in zip(replies, (10, 11, 75), strict=True):
        right = frame_at(project, k / 30, size=(320, 240))
        other = frame_at(project, (k + 1) / 30, size=(320, 240))
        shown = decode(buffers[0])
        assert diff(shown, right) < 5.0, reply["id"]
        assert diff(shown, right) < 0.75 * diff(shown, other), reply["id"]
    assert all(r["content"] == editor.timeline["content"] for r, _ in replies)


def test_frame_requests_out_of_range_and_empty_projects(project, make_editor):
    editor, sent = make_editor(project, preview_width=200)
    deliver(editor, {"kind": "frame", "id": 1, "t": 99.0, "width": 10_000})
    reply, _ = sent.last("frame")
    assert reply["frame_index"] == 119
    assert reply["width"] == 200  # capped by preview_width
    empty, sent2 = make_editor(vnb.Project(width=320, height=240, background="red"))
    deliver(empty, {"kind": "frame", "id": 1, "t": 0.0})
    reply, buffers = sent2.last("frame")
    assert reply["frame_index"] == -1
    assert decode(buffers[0])[0, 0, 0] > 200


def test_frame_errors_show_in_the_error_area(project, make_editor):
    project.tracks[0].add_clip("missing.mp4", start=4, duration=1, id="m")
    editor, sent = make_editor(project)
    deliver(editor, {"kind": "frame", "id": 3, "t": 4.5})
    reply, buffers = sent.last("frame")
    assert reply["ok"] is False and buffers == []
    assert "missing.mp4" in editor.error
    edit_reply(editor, sent, op="delete", clip_id="m")
    deliver(editor, {"kind": "frame", "id": 4, "t": 1.0})
    assert sent.last("frame")[0]["ok"]
    assert editor.error == ""  # the frame error went with its cause


def test_python_edits_reach_the_traits(project, make_editor):
    editor, _ = make_editor(project)
    rev = editor.timeline["rev"]
    project.tracks[0].clips[1].duration = 1.5
    assert editor.timeline["tracks"][0]["clips"][1]["duration"] == 1.5
    assert editor.timeline["rev"] > rev
    project.add_marker(1.0, "here")
    assert editor.timeline["markers"][0]["label"] == "here"
    editor.selection = "b"
    assert editor.inspector["clip_id"] == "b"
    project.tracks[0].clips[1].opacity = 0.5
    assert {f["key"]: f["value"] for f in editor.inspector["fields"]}["opacity"] == 0.5
    assert editor.undo["undo"] == TEXT["en"]["op_python"]


def edit_reply(editor, sent, **msg):
    deliver(editor, {"kind": "edit", "id": 1, **msg})
    return sent.last("edit")[0]


def test_widget_edits_change_the_project_and_undo(project, make_editor):
    editor, sent = make_editor(project)
    assert edit_reply(editor, sent, op="move", clip_id="b", start=2.5)["ok"]
    assert project.find_clip("b").start == 2.5
    assert edit_reply(editor, sent, op="trim", clip_id="b", end=4.0)["ok"]
    assert project.find_clip("b").duration == 1.5
    assert edit_reply(editor, sent, op="split", clip_id="a", t=1.0)["ok"]
    assert len(project.tracks[0].clips) == 3
    editor.selection = "b"
    assert edit_reply(editor, sent, op="delete", clip_id="b")["ok"]
    assert project.find_clip("b") is None
    assert editor.selection == ""  # the selected clip is gone
    assert editor.undo["undo"] == TEXT["en"]["op_delete"]
    assert edit_reply(editor, sent, op="marker", t=0.5)["ok"]
    assert edit_reply(editor, sent, op="set", clip_id="a", field="opacity", value=0.25)["ok"]
    assert project.find_clip("a").opacity == 0.25
    assert edit_reply(editor, sent, op="add_effect", clip_id="a", name="blur")["ok"]
    assert edit_reply(editor, sent, op="effect", clip_id="a", index=0, param="radius", value=2)[
        "ok"
    ]
    assert project.find_clip("a").effects[0].params["radius"] == 2
    for _ in range(8):  # move, trim, split, delete, marker, set, add_effect, effect
        assert edit_reply(editor, sent, op="undo")["ok"]
    assert [(c.id, c.start, c.duration) for c in project.tracks[0].clips] == [
        ("a", 0.0, 2.0),
        ("b", 2.0, 2.0),
    ]
    assert project.markers == []
    assert edit_reply(editor, sent, op="redo")["ok"]
    assert project.find_clip("b").start == 2.5
    assert editor.undo["redo"] == TEXT["en"]["op_trim"]
    assert editor.timeline["tracks"][0]["clips"][1]["start"] == 2.5


@pytest.mark.parametrize(
    ("msg", "words"),
    [
        ({"op": "move", "clip_id": "b", "start": 1.0}, "overlap"),
        ({"op": "move", "clip_id": "b", "start": -1.0}, "before the start"),
        ({"op": "trim", "clip_id": "b", "end": 9.0}, "source's end"),
        ({"op": "split", "clip_id": "a", "t": 3.0}, "not inside"),
        ({"op": "move", "clip_id": 5, "start": 1.0}, "must be a string"),
        ({"op": "move", "clip_id": "b"}, "expected a number"),
        ({"op": "explode"}, "unknown edit"),
        ({"op": "set", "clip_id": "a", "field": "opacity", "value": "x"}, "opacity"),
    ],
)
def test_refused_edits_leave_the_project_and_set_the_error(project, make_editor, msg, words):
    editor, sent = make_editor(project)
    before = project.model_dump()
    reply = edit_reply(editor, sent, **msg)
    assert reply["ok"] is False
    assert words in reply["error"]
    assert project.model_dump() == before
    assert editor.error.startswith("Refused:") and words in editor.error
    assert edit_reply(editor, sent, op="marker", t=1.0)["ok"]
    assert editor.error == ""  # a successful edit clears it


def test_inspector_refusals_are_answered_not_shown_in_the_error_area(project, make_editor):
    editor, sent = make_editor(project)
    before = project.model_dump()
    msg = {"op": "set", "clip_id": "b", "field": "start", "value": 1.0, "inline": True}
    reply = edit_reply(editor, sent, **msg)
    assert reply["ok"] is False and "overlap" in reply["error"]
    assert editor.error == ""  # the inspector shows it under the field
    assert project.model_dump() == before
    reply = edit_reply(editor, sent, op="set", clip_id="b", field="start", value=1.0)
    assert "overlap" in editor.error  # an edit from elsewhere (a drag) still uses the area


def test_any_successful_edit_clears_the_error_area_even_one_made_in_python(project, make_editor):
    editor, sent = make_editor(project)
    edit_reply(editor, sent, op="move", clip_id="b", start=1.0)
    assert "overlap" in editor.error
    project.add_marker(1.0, "here")
    assert editor.error == ""
    edit_reply(editor, sent, op="move", clip_id="b", start=1.0)
    editor.error = ""  # the browser's dismiss button
    edit_reply(editor, sent, op="move", clip_id="b", start=1.0)
    assert "overlap" in editor.error  # the same refusal again shows again


def test_speed_volume_and_scale_get_logarithmic_sliders(project, make_editor):
    editor, _ = make_editor(project, selection="a")
    fields = {f["key"]: f for f in editor.inspector["fields"]}
    for key, low, high in (
        ("speed", 0.1, 100.0),
        ("volume", 0.0, 10.0),
        ("transform.scale", 0.01, 20.0),
    ):
        assert (fields[key]["scale"], fields[key]["mid"]) == ("log", 1.0)
        assert (fields[key]["min"], fields[key]["max"]) == (low, high)
    assert "scale" not in fields["opacity"]


def test_locked_track_refuses_widget_edits(project, make_editor):
    editor, sent = make_editor(project)
    assert edit_reply(editor, sent, op="track", index=0, field="locked", value=True)["ok"]
    assert editor.timeline["tracks"][0]["locked"] is True
    before = project.model_dump()
    for msg in ({"op": "move", "clip_id": "a", "start": 5.0}, {"op": "delete", "clip_id": "a"}):
        assert edit_reply(editor, sent, **msg)["ok"] is False
        assert "locked" in editor.error
    assert project.model_dump() == before


def test_a_drag_is_one_undo_step_and_a_refused_drag_puts_everything_back(project, make_editor):
    editor, sent = make_editor(project)
    for start in (3.0, 4.0):
        edit_reply(editor, sent, op="move", clip_id="b", start=start, key="d1", final=False)
    assert project.find_clip("b").start == 4.0
    reply = edit_reply(editor, sent, op="move", clip_id="b", start=5.0, key="d1", final=True)
    assert reply["ok"] and project.find_clip("b").start == 5.0
    edit_reply(editor, sent, op="undo")
    assert project.find_clip("b").start == 2.0
    # A drag through good places that ends on a bad one: back to before the drag.
    edit_reply(editor, sent, op="move", clip_id="b", start=3.0, key="d2", final=False)
    quiet = edit_reply(editor, sent, op="move", clip_id="b", start=1.5, key="d2", final=False)
    assert quiet["ok"] is False and editor.error == ""  # no message while dragging
    reply = edit_reply(editor, sent, op="move", clip_id="b", start=1.0, key="d2", final=True)
    assert reply["ok"] is False and "overlap" in editor.error
    assert project.find_clip("b").start == 2.0
    assert editor.timeline["tracks"][0]["clips"][1]["start"] == 2.0


def test_browser_errors_land_in_the_error_trait(project, make_editor):
    editor, _ = make_editor(project)
    deliver(editor, {"kind": "error", "message": "TypeError: x is undefined"})
    assert editor.error == "Error in the browser: TypeError: x is undefined"
    deliver(editor, ["not", "a", "dict"])  # ignored, never raised
    deliver(editor, {"kind": "frame", "id": 1, "t": "soon", "width": "wide"})


def test_media_sends_sprite_sheets_and_peak_envelopes(project, make_editor):
    from vnb.notebook.view import media_key

    editor, sent = make_editor(project)
    deliver(editor, {"kind": "media", "clips": ["a", "b", "nope"], "height": 32})
    editor.media_future.result(timeout=60)
    content, buffers = sent.last("media")
    assert set(content["thumbs"]) == {"a", "b"}
    assert content["keys"]["a"] == media_key(project.find_clip("a"))
    meta = content["thumbs"]["a"]
    sheet = decode(buffers[meta["buffer"]])
    assert sheet.shape == (32, meta["count"] * meta["width"], 3)
    assert meta["count"] == 2  # ceil(2 s), at least 2
    wave = content["waves"]["b"]
    assert wave["dtype"] == "float32" and wave["shape"][1] == 2
    peaks = np.frombuffer(bytes(buffers[wave["buffer"]]), "<f4").reshape(wave["shape"])
    assert peaks[:, 1].max() > 0.05 and peaks[:, 0].min() < -0.05  # the 440 Hz tone (1/8)


def test_language_switch_reaches_live_editors(project, make_editor):
    editor, _ = make_editor(project)
    try:
        vnb.set_language("ru")
        assert editor.labels == TEXT["ru"]
        assert editor.language == "ru"
    finally:
        vnb.set_language("en")
    assert editor.labels == TEXT["en"]


def test_closed_editor_stops_following(project, make_editor):
    editor, _ = make_editor(project)
    editor.close()
    rev = editor.timeline["rev"]
    project.tracks[0].clips[0].duration = 1.0
    assert editor.timeline["rev"] == rev


def test_text_tracks_show_titles_and_subtitle_cues(project, make_editor):
    project.add_title("Hello", start=0.5, duration=1.0)
    project.tracks[-1].add_subtitles(cues=[{"start": 1.0, "end": 2.5, "text": "hi"}], offset=0.5)
    editor, _ = make_editor(project)
    items = editor.timeline["tracks"][-1]["titles"]
    assert [(i["text"], i["start"], i["duration"]) for i in items] == [
        ("Hello", 0.5, 1.0),
        ("hi", 1.5, 1.5),
    ]
