"""vnb.edit: atomic, validated editing operations and undo/redo."""

from __future__ import annotations

from contextlib import nullcontext
from fractions import Fraction

import pytest

import vnb
from vnb import edit
from vnb.errors import ProjectError
from vnb.plan import check_timeline
from vnb.schema.timebase import to_frame


@pytest.fixture
def project(testsrc, tmp_path):
    """Two 2 s clips of a 4 s testsrc2 file end to end on a video track, and an audio track."""
    p = vnb.Project(name="edit", width=320, height=240, fps=30)
    p._base_dir = testsrc.parent
    v = p.add_track("video")
    v.add_clip(testsrc.name, start=0, duration=2, id="a")
    v.add_clip(testsrc.name, start=2, source_start=1, duration=2, id="b")
    p.add_track("audio").add_clip(testsrc.name, start=0, duration=1, id="s")
    return p


def clips(p):
    return [(c.id, round(c.start, 6), round(c.duration, 6)) for t in p.tracks for c in t.clips]


def test_split_keeps_the_picture_where_it_was(project):
    right = edit.split_clip(project, "a", 0.5)
    a = project.find_clip("a")
    assert (a.start, a.duration) == (0.0, 0.5)
    assert (right.start, right.duration, right.source_start) == (0.5, 1.5, 0.5)
    assert project.tracks[0].clips.index(right) == 1


def test_split_snaps_to_a_frame_and_moves_fade_out_and_outgoing_transition(project):
    a, b = project.find_clip("a"), project.find_clip("b")
    b.start = 1.5
    project.tracks[0].add_transition(a, b, duration=0.5)
    right = edit.split_clip(project, "a", 0.51)  # 0.51 s → frame 15 → 0.5 s
    assert right.start == pytest.approx(0.5)
    assert project.tracks[0].transitions[0].from_clip == right.id
    assert check_timeline(project) == []


def test_move_and_move_across_tracks(project):
    edit.move_clip(project, "b", 5.0)
    assert project.find_clip("b").start == 5.0
    top = project.add_track("video")
    edit.move_clip(project, "b", 1.0, track_index=2)
    assert project.find_clip("b") in top.clips
    assert project.find_clip("b")._parent is top


def test_trim_head_moves_source_start(project):
    edit.trim_clip(project, "b", start=2.5)
    b = project.find_clip("b")
    assert (b.start, b.duration, b.source_start) == (2.5, 1.5, 1.5)
    edit.trim_clip(project, "b", end=3.0)
    assert b.duration == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("call", "expectation"),
    [
        (lambda p: edit.move_clip(p, "b", -1.0), pytest.raises(ProjectError, match="before the")),
        (lambda p: edit.move_clip(p, "b", 1.0), pytest.raises(ProjectError, match="overlap")),
        (lambda p: edit.move_clip(p, "a", 0, 1), pytest.raises(ProjectError, match="audio track")),
        (lambda p: edit.move_clip(p, "b", 1.0, 7), pytest.raises(ProjectError, match="no such")),
        (
            lambda p: edit.trim_clip(p, "b", end=9.0),
            pytest.raises(ProjectError, match="source's end"),
        ),
        (lambda p: edit.trim_clip(p, "a", start=-2), pytest.raises(ProjectError, match="before")),
        (lambda p: edit.trim_clip(p, "b", start=0.5), pytest.raises(ProjectError, match="source")),
        (
            lambda p: edit.trim_clip(p, "a", end=0.01),
            pytest.raises(ProjectError, match="one frame"),
        ),
        (lambda p: edit.split_clip(p, "a", 2.0), pytest.raises(ProjectError, match="not inside")),
        (lambda p: edit.remove_clip(p, "nope"), pytest.raises(ProjectError, match="no clip")),
        (lambda p: edit.set_clip(p, "a", "id", "x"), pytest.raises(ProjectError, match="cannot")),
        (
            lambda p: edit.set_clip(p, "a", "opacity", 2),
            pytest.raises(ProjectError, match="opacity"),
        ),
        (lambda p: edit.set_clip(p, "b", "speed", 4), pytest.raises(ProjectError, match="source")),
        (lambda p: edit.add_effect(p, "a", "nope"), pytest.raises(ProjectError, match="nope")),
        (lambda p: edit.add_marker(p, -3), pytest.raises(ProjectError, match="before")),
        (lambda p: edit.set_clip(p, "a", "opacity", 0.5), nullcontext()),
        (lambda p: edit.set_clip(p, "a", "transform.scale", 0.5), nullcontext()),
    ],
)
def test_refused_edits_change_nothing_and_tell_no_one(project, call, expectation):
    before = project.model_dump()
    text = project.model_dump_json()  # byte for byte: the editor hashes it, saves diff it
    objects = [c for t in project.tracks for c in t.clips]
    heard = []
    project.on_change(heard.append)
    with expectation:
        call(project)
    if isinstance(expectation, nullcontext):
        assert len(heard) == 1  # one event per edit, however many fields it touched
        return
    assert project.model_dump() == before
    assert project.model_dump_json() == text
    assert [c for t in project.tracks for c in t.clips] == objects
    now = [c for t in project.tracks for c in t.clips]
    assert all(c is o for c, o in zip(now, objects, strict=True))
    assert all(c._parent is t for t in project.tracks for c in t.clips)
    assert heard == []


def test_locked_tracks_refuse_everything_but_unlocking(project):
    edit.set_track(project, 0, "locked", True)
    before = clips(project)
    for call in (
        lambda: edit.move_clip(project, "a", 5.0),
        lambda: edit.trim_clip(project, "a", end=1.0),
        lambda: edit.split_clip(project, "a", 1.0),
        lambda: edit.remove_clip(project, "a"),
        lambda: edit.set_track(project, 0, "muted", True),
    ):
        with pytest.raises(ProjectError, match="locked"):
            call()
    assert clips(project)[:2] == before[:2]
    edit.set_track(project, 0, "locked", False)
    edit.remove_clip(project, "a")
    assert project.find_clip("a") is None


def test_remove_takes_its_transitions(project):
    a, b = project.find_clip("a"), project.find_clip("b")
    project.tracks[0].add_transition(a, b, duration=0.5)
    edit.remove_clip(project, "b")
    assert project.tracks[0].transitions == []


def test_trimming_keeps_transitions_equal_to_the_overlap(project):
    a, b = project.find_clip("a"), project.find_clip("b")
    project.tracks[0].add_transition(a, b, duration=0.5)  # b moves to 1.5
    edit.trim_clip(project, "a", end=1.8)
    assert project.tracks[0].transitions[0].duration == pytest.approx(0.3)
    before = project.model_dump_json()
    with pytest.raises(ProjectError, match=r"transition 'x\d+'.*without an overlap"):
        edit.trim_clip(project, "a", end=1.5)  # trimming out of it: refused, never dropped
    assert project.model_dump_json() == before
    with pytest.raises(ProjectError, match="without an overlap"):
        edit.trim_clip(project, "b", start=1.8)  # the other side too
    assert project.model_dump_json() == before
    edit.trim_clip(project, "a", end=2.0)  # trimming into it lengthens it
    assert project.tracks[0].transitions[0].duration == pytest.approx(0.5)


def test_removing_a_transition_leaves_a_straight_cut(project):
    a, b = project.find_clip("a"), project.find_clip("b")
    tr = project.tracks[0].add_transition(a, b, duration=0.5)  # b moves to 1.5
    edit.remove_transition(project, tr.id)
    assert project.tracks[0].transitions == []
    assert clips(project)[:2] == [("a", 0.0, 1.5), ("b", 1.5, 2.0)]
    check_timeline(project)
    with pytest.raises(ProjectError, match="no transition with id"):
        edit.remove_transition(project, tr.id)


@pytest.mark.parametrize(
    ("fps", "seconds", "frames"), [(30, 0.75, 23), (14, 0.4, 6), (25, 0.5, 13)]
)
def test_a_transition_of_part_frames_is_snapped_once(testsrc, fps, seconds, frames):
    """0.75 s at 30 fps is 22.5 frames: the transition and the clips it moves snap alike."""
    p = vnb.Project(name="snap", width=160, height=120, fps=fps)
    p._base_dir = testsrc.parent
    v = p.add_track("video")
    a = v.add_clip(testsrc.name, start=0, duration=2)
    b = v.add_clip(testsrc.name, start=2, duration=1.5)
    c = v.add_clip(testsrc.name, start=3.5, duration=0.5)
    tr = v.add_transition(a, b, "crossfade", duration=seconds)
    fr = Fraction(fps)
    assert to_frame(tr.duration, fr) == frames
    assert to_frame(a.end, fr) - to_frame(b.start, fr) == frames  # the overlap, in frames
    assert to_frame(3.5, fr) - to_frame(c.start, fr) == frames  # later clips move alike
    check_timeline(p)  # the plan accepts what add_transition built
    assert p.frame_at(a.end - tr.duration / 2).shape == (120, 160, 3)
    d = v.add_clip(testsrc.name, start=c.end, duration=0.5)  # touching c
    before = p.model_dump_json()
    with pytest.raises(ProjectError, match="shorter than one frame"):
        v.add_transition(c, d, duration=0.01)
    assert p.model_dump_json() == before


def test_existing_problems_are_not_blamed_on_an_edit(project):
    project.find_clip("b").start = 1.0  # an overlap made in Python, without a transition
    edit.add_marker(project, 1.0)  # unrelated edits still work
    assert len(project.markers) == 1


def test_effects(project):
    edit.add_effect(project, "a", "brightness")
    edit.set_effect_param(project, "a", 0, "amount", 0.25)
    assert project.find_clip("a").effects[0].params["amount"] == 0.25
    with pytest.raises(ProjectError):
        edit.set_effect_param(project, "a", 0, "amount", 5.0)
    assert project.find_clip("a").effects[0].params["amount"] == 0.25
    edit.remove_effect(project, "a", 0)
    assert project.find_clip("a").effects == []


def test_history_undo_redo_and_python_edits(project):
    h = edit.History(project)
    with h.step("split"):
        edit.split_clip(project, "a", 1.0)
    project.find_clip("b").duration = 1.0  # an assignment in a cell is a step too
    assert h.undo_label == "edit"
    assert h.undo() == "edit"
    assert project.find_clip("b").duration == 2.0
    assert h.undo() == "split"
    assert clips(project)[:2] == [("a", 0.0, 2.0), ("b", 2.0, 2.0)]
    assert h.undo() is None
    assert h.redo() == "split"
    assert len(project.tracks[0].clips) == 3
    edit.add_marker(project, 1.0)  # a new edit ends the redo chain
    assert h.redo() is None


def test_history_merges_steps_by_key_and_cancels_them(project):
    h = edit.History(project)
    for start in (3.0, 4.0, 5.0):
        with h.step("move", key="drag-1"):
            edit.move_clip(project, "b", start)
    assert project.find_clip("b").start == 5.0
    assert h.cancel("drag-1")
    assert project.find_clip("b").start == 2.0
    assert h.redo_label is None
    for start in (3.0, 4.0):
        with h.step("move", key="drag-2"):
            edit.move_clip(project, "b", start)
    h.undo()
    assert project.find_clip("b").start == 2.0


def test_restore_keeps_the_project_object_and_tells_listeners(project):
    state = project.model_dump()
    edit.remove_clip(project, "a")
    heard = []
    project.on_change(heard.append)
    edit._transaction.restore(project, state)
    assert project.find_clip("a") is not None
    assert project.find_clip("a")._parent is project.tracks[0]
    assert heard == [project]
