"""vnb.edit's keyframe operations, the editor's key messages and the inspector's curves."""

from __future__ import annotations

import pytest

import vnb
from vnb import edit
from vnb.errors import ProjectError
from vnb.notebook import actions
from vnb.notebook.view import inspector_view


@pytest.fixture
def project():
    """A 2 s red clip "a" at 1 s and a 2 s blue clip "b" at 3 s (30 fps), and a title "t"."""
    p = vnb.Project(name="keys", width=320, height=240, fps=30)
    v = p.add_track("video")
    v.add_clip(color="red", start=1, duration=2, id="a")
    v.add_clip(color="blue", start=3, duration=2, id="b")
    p.add_track("text").add_title("hello", start=0.5, duration=2).id = "t"
    return p


def keys(p, item, path):
    found = p.find_clip(item) or next(x for t in p.tracks for x in t.titles if x.id == item)
    return [
        (round(k.t, 6), k.value, k.model_dump(mode="json")["easing"]) for k in found.keyframes(path)
    ]


def test_set_key_adds_keys_on_frames_and_updates_the_one_on_a_frame(project):
    h = edit.History(project)
    edit.set_key(project, "a", "transform.x", 0.51, -100)  # 15.3 frames → frame 15
    edit.set_key(project, "a", "transform.x", 1.5, 60, easing="ease_out")
    assert keys(project, "a", "transform.x") == [(0.5, -100.0, "linear"), (1.5, 60.0, "ease_out")]
    edit.set_key(project, "a", "transform.x", 1.51, 80)  # the same frame: the value changes …
    assert keys(project, "a", "transform.x")[1] == (1.5, 80.0, "ease_out")  # … the easing stays
    assert project.find_clip("a").value_at("transform.x", 1.0) == pytest.approx(-10.0)
    assert project.find_clip("b").animations == {}
    assert h.undo() is not None
    assert keys(project, "a", "transform.x")[1] == (1.5, 60.0, "ease_out")  # one step each
    h.undo()
    h.undo()
    assert project.find_clip("a").animations == {}


def test_remove_key_and_the_last_one_stops_the_animation(project):
    edit.set_key(project, "a", "opacity", 0, 0.0)
    edit.set_key(project, "a", "opacity", 1, 1.0)
    edit.remove_key(project, "a", "opacity", 0.0)
    assert keys(project, "a", "opacity") == [(1.0, 1.0, "linear")]
    edit.remove_key(project, "a", "opacity", 1.01)  # on the key's frame
    assert project.find_clip("a").animations == {}
    with pytest.raises(ProjectError, match=r"clip 'a'.*opacity.*no key at 1 s"):
        edit.remove_key(project, "a", "opacity", 1.0)


def test_move_key_in_time_and_not_onto_another_or_out_of_the_clip(project):
    edit.set_key(project, "a", "transform.scale", 0.0, 1.0)
    edit.set_key(project, "a", "transform.scale", 1.0, 2.0, easing="hold")
    edit.move_key(project, "a", "transform.scale", 1.0, 1.7)
    assert keys(project, "a", "transform.scale") == [
        (0.0, 1.0, "linear"),
        (pytest.approx(1.7), 2.0, "hold"),
    ]
    edit.move_key(project, "a", "transform.scale", 0.0, 1.9)  # past the other: order follows
    assert [k[1] for k in keys(project, "a", "transform.scale")] == [2.0, 1.0]
    before = project.model_dump()
    with pytest.raises(ProjectError, match=r"clip 'a'.*transform.scale.*already at 1.9"):
        edit.move_key(project, "a", "transform.scale", 1.7, 1.9)
    with pytest.raises(ProjectError, match=r"clip 'a'.*transform.scale.*outside it"):
        edit.move_key(project, "a", "transform.scale", 1.7, 2.5)
    with pytest.raises(ProjectError, match=r"no key at 0.3 s \(keys at: 1.7, 1.9 s\)"):
        edit.move_key(project, "a", "transform.scale", 0.3, 1.0)
    assert project.model_dump() == before


def test_set_key_easing_by_name_and_as_json(project):
    edit.set_key(project, "a", "volume", 0, 1.0)
    edit.set_key(project, "a", "volume", 1, 0.2)
    edit.set_key_easing(project, "a", "volume", 0, "ease_in_out")
    assert keys(project, "a", "volume")[0][2] == "ease_in_out"
    bezier = {"kind": "bezier", "x1": 0.25, "y1": 0.1, "x2": 0.25, "y2": 1.0}
    edit.set_key_easing(project, "a", "volume", 0, bezier)
    assert keys(project, "a", "volume")[0][2] == bezier
    before = project.model_dump()
    with pytest.raises(ProjectError, match=r"volume"):
        edit.set_key_easing(project, "a", "volume", 0, "wobbly")
    assert project.model_dump() == before


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda p: edit.set_key(p, "zz", "opacity", 0, 1), "no clip or title with id 'zz'"),
        (lambda p: edit.set_key(p, "a", "fade_in", 0, 1), r"'fade_in' cannot be animated.*speed"),
        (lambda p: edit.set_key(p, "a", "effects[0].amount", 0, 1), r"effects\[0\].amount"),
        (lambda p: edit.set_key(p, "a", "opacity", 0, 2.0), r"clip 'a'.*opacity.*2\.0"),
        (lambda p: edit.set_key(p, "a", "opacity", 0, "x"), r"clip 'a': opacity.*number"),
        (lambda p: edit.set_key(p, "a", "opacity", -0.5, 1), r"clip 'a': opacity.*outside"),
        (lambda p: edit.set_key(p, "a", "opacity", 2.5, 1), r"clip 'a': opacity.*outside"),
        (lambda p: edit.set_key(p, "a", 3, 0, 1), r"clip 'a'.*path must be a string"),
        (lambda p: edit.set_key(p, "t", "transform.x", 0, 1), r"title 't'.*cannot be animated"),
    ],
)
def test_bad_keys_are_refused_naming_the_clip_and_path(project, call, match):
    before = project.model_dump()
    with pytest.raises(ProjectError, match=match):
        call(project)
    assert project.model_dump() == before


def test_a_locked_track_refuses_keys(project):
    project.tracks[0].locked = True
    with pytest.raises(ProjectError, match="locked"):
        edit.set_key(project, "a", "opacity", 0, 0.5)


def test_keys_of_a_title_and_of_an_effect_parameter(project):
    edit.set_key(project, "t", "y", 0, 40)
    edit.set_key(project, "t", "y", 1, 0, easing="ease_out")
    assert keys(project, "t", "y") == [(0.0, 40.0, "linear"), (1.0, 0.0, "ease_out")]
    edit.add_effect(project, "a", "brightness")
    edit.set_key(project, "a", "effects[0].amount", 0.5, 0.4)
    assert keys(project, "a", "effects[0].amount") == [(0.5, 0.4, "linear")]


def test_the_editor_messages_make_one_labelled_step_each(project):
    h = edit.History(project)
    base = {"kind": "edit", "clip_id": "a", "path": "transform.x"}
    for msg in (
        {**base, "op": "key_set", "t": 0.0, "value": -50},
        {**base, "op": "key_set", "t": 1.0, "value": 50, "easing": "ease_in"},
        {**base, "op": "key_move", "t": 1.0, "to": 1.5},
        {**base, "op": "key_easing", "t": 0.0, "easing": "hold"},
        {**base, "op": "key_remove", "t": 1.5},
    ):
        with h.step(actions.describe(msg)):
            actions.apply(project, msg)
    assert keys(project, "a", "transform.x") == [(0.0, -50.0, "hold")]
    assert [s.label for s in h._past] == [
        "set key",
        "set key",
        "move key",
        "change easing",
        "remove key",
    ]
    with pytest.raises(ProjectError, match="'path' must be a string"):
        actions.apply(project, {"op": "key_set", "clip_id": "a", "t": 0, "value": 1})


def test_the_inspector_sends_keys_and_the_curve_on_frames(project):
    clip = project.find_clip("a")
    clip.animate("transform.x", [(0.5, -100, "ease_out"), (1.5, 100)])
    ins = inspector_view(project, "a")
    assert (ins["start"], ins["duration"], ins["fps"]) == (1.0, 2.0, 30.0)
    x = next(f for f in ins["fields"] if f["key"] == "transform.x")
    anim = x["anim"]
    assert anim["path"] == "transform.x"
    assert anim["keys"] == [
        {"t": 0.5, "value": -100.0, "easing": "ease_out"},
        {"t": 1.5, "value": 100.0, "easing": "linear"},
    ]
    curve = anim["curve"]
    assert curve["step"] == pytest.approx(1 / 30)
    assert len(curve["values"]) == 60
    for i in (0, 15, 20, 30, 44, 59):
        assert curve["values"][i] == pytest.approx(clip.value_at("transform.x", i / 30))
    assert curve["values"][20] > -100 + 200 * (1 / 6) + 20  # eased out: ahead of linear
    y = next(f for f in ins["fields"] if f["key"] == "transform.y")
    assert y["anim"] == {"path": "transform.y", "keys": []}  # animatable, no keys
    fade = next(f for f in ins["fields"] if f["key"] == "fade_in")
    assert "anim" not in fade


def test_removing_an_effect_takes_its_keys_and_renumbers_the_later_ones(project):
    for name in ("brightness", "blur", "brightness"):
        edit.add_effect(project, "a", name)
    edit.set_key(project, "a", "effects[0].amount", 0, 0.1)
    edit.set_key(project, "a", "effects[1].radius", 0, 2)
    edit.set_key(project, "a", "effects[2].amount", 0, 0.3)
    edit.set_key(project, "a", "opacity", 0, 0.5)
    edit.remove_effect(project, "a", 1)
    animations = project.find_clip("a").animations
    assert sorted(animations) == ["effects[0].amount", "effects[1].amount", "opacity"]
    assert animations["effects[1].amount"][0].value == 0.3


def test_split_and_head_trim_keep_the_curves_where_they_were_on_the_timeline():
    from vnb.edit import split_clip, trim_clip

    p = vnb.Project(width=320, height=240)
    c = p.add_track("video").add_clip(color="red", duration=4)
    c.animate("transform.x", {0: -100, 4: 100}, easing="ease_in_out")
    want = {t: c.value_at("transform.x", t) for t in (0.5, 1.5, 2.5, 3.5)}
    right = split_clip(p, c.id, 2.0)
    assert c.value_at("transform.x", 0.5) == want[0.5]
    assert c.value_at("transform.x", 1.5) == want[1.5]
    assert right.value_at("transform.x", 0.5) == pytest.approx(want[2.5])
    assert right.value_at("transform.x", 1.5) == pytest.approx(want[3.5])
    trim_clip(p, right.id, start=3.0)
    assert right.value_at("transform.x", 0.5) == pytest.approx(want[3.5])
