"""The compositing model (`vnb.plan.compositing`): pure decisions over a plan, without ffmpeg."""

from __future__ import annotations

import dataclasses

import vnb
from vnb.plan import Plan, VideoItem, VideoTrackPlan, compile_plan
from vnb.plan.compositing import Run, base_layer, blend_of, piece_at, run_at, runs
from vnb.schema import Effect
from vnb.schema.registry import REGISTRY, EffectSpec, Param


def _plan(project: vnb.Project) -> Plan:
    return compile_plan(project)  # colour clips only: no media to probe


def _items(plan: Plan, layer: int = 0) -> dict[str, VideoItem]:
    track = plan.layers[layer]
    assert isinstance(track, VideoTrackPlan)
    return {i.clip_id: i for i in track.items}


def test_what_each_clip_needs():
    p = vnb.Project(width=160, height=120, fps=30)
    v = p.add_track("video")
    v.add_clip(color="red", duration=1, id="plain")
    v.add_clip(color="red", duration=1, id="half", transform={"scale": 0.5})
    v.add_clip(color="red", duration=1, id="faded", fade_in=0.2)
    v.add_clip(color="red", duration=1, id="see", opacity=0.5)
    v.add_clip(color="red", duration=1, id="turned", transform={"rotation": 10})
    v.add_clip(color="red", duration=1, id="keyed", effects=[vnb.effects.chromakey("#ff0000")])
    v.add_clip(color="red", duration=1, id="blurred", effects=[vnb.effects.blur(3)])
    got = {
        clip_id: (b.keyed, b.blended, b.alpha, b.covers)
        for clip_id, b in ((k, blend_of(i)) for k, i in _items(_plan(p)).items())
    }
    assert got == {
        #          keyed  blended alpha  covers
        "plain": (False, False, False, True),
        "half": (False, False, False, False),
        "faded": (False, False, True, True),
        "see": (False, True, True, True),
        "turned": (False, True, True, False),
        "keyed": (True, True, True, True),
        "blurred": (False, False, False, True),
    }


def test_how_a_picture_goes_on_the_canvas():
    p = vnb.Project(width=160, height=120, fps=30)
    v = p.add_track("video")
    v.add_clip(color="red", duration=1, id="plain")
    v.add_clip(color="red", duration=1, id="half", transform={"scale": 0.5})
    v.add_clip(color="red", duration=1, id="see", opacity=0.5)
    items = _items(_plan(p))
    plain, half, see = (blend_of(items[k]) for k in ("plain", "half", "see"))
    assert (plain.on_canvas(base=True), plain.picture_alpha(base=True)) == ("itself", False)
    assert (plain.on_canvas(base=False), plain.picture_alpha(base=False)) == ("pad", True)
    assert (half.on_canvas(base=True), half.picture_alpha(base=True)) == ("pad", False)
    assert (see.on_canvas(base=True), see.picture_alpha(base=True)) == ("over", True)
    assert (see.on_canvas(base=False), see.picture_alpha(base=False)) == ("over", True)


def test_keying_is_the_spec_flag_not_the_name(monkeypatch):
    """A second keying effect keys; chromakey without its flag would not: no name is known."""
    colorkey = EffectSpec(
        name="colorkey",
        doc="test-only",
        params=(Param("similarity", 0.3, 0.01, 1.0),),
        build=lambda _p: [("colorkey", {"color": "0x00ff00"})],
        alpha=True,
    )
    monkeypatch.setitem(REGISTRY, "colorkey", colorkey)
    p = vnb.Project(width=160, height=120, fps=30)
    v = p.add_track("video")
    v.add_clip(color="red", duration=1, id="colorkey", effects=[Effect(name="colorkey")])
    v.add_clip(color="red", duration=1, id="chroma", effects=[vnb.effects.chromakey("#ff0000")])
    items = _items(_plan(p))
    assert blend_of(items["colorkey"]).keyed
    assert blend_of(items["chroma"]).keyed

    monkeypatch.setitem(
        REGISTRY, "chromakey", dataclasses.replace(REGISTRY["chromakey"], alpha=False)
    )
    items = _items(_plan(p))
    assert not blend_of(items["chroma"]).keyed
    assert not blend_of(items["chroma"]).blended


def test_upper_track_clips_are_grouped_into_runs_between_gaps():
    p = vnb.Project(width=160, height=120, fps=10)
    p.add_track("video").add_clip(color="black", duration=10)
    top = p.add_track("video")
    top.add_clip(color="red", start=1, duration=1, id="alone")
    top.add_clip(color="red", start=3, duration=1, id="butt1")
    top.add_clip(color="red", start=4, duration=1, id="butt2")  # joined without a gap
    a = top.add_clip(color="red", start=6, duration=1, id="x1")
    b = top.add_clip(color="red", start=6.5, duration=1, id="x2")
    top.add_transition(a, b, "fade", duration=0.5)
    top.add_clip(color="red", start=8, duration=1, id="last")  # up to the track's end
    plan = _plan(p)
    track = plan.layers[1]
    assert isinstance(track, VideoTrackPlan)
    got = runs(track)
    ids = [[(q.kind, q.item, q.other) for q in run.pieces] for run in got]
    assert ids == [
        [("clip", "alone", None)],
        [("clip", "butt1", None), ("clip", "butt2", None)],
        [("clip", "x1", None), ("cross", "x1", "x2"), ("clip", "x2", None)],
        [("clip", "last", None)],
    ]
    assert [run.alone for run in got] == [True, False, False, True]
    assert [(run.start, run.end) for run in got] == [(10, 20), (30, 50), (60, 75), (80, 90)]
    # the run found from a frame is the one `runs` made, and nothing shows in gaps
    for k in range(plan.frames + 5):
        want = next((r for r in got if r.start <= k < r.end), None)
        assert run_at(track, k) == want, k
        piece = piece_at(track.pieces, k)
        assert (piece is None or piece.kind == "gap") == (want is None), k


def test_a_run_of_one_transition_side_is_not_alone():
    assert not Run((vnb.plan.Piece(kind="cross", start=0, end=5, item="a", other="b"),)).alone


def test_the_base_layer_is_the_bottom_video_track_only():
    p = vnb.Project(width=160, height=120, fps=30)
    p.add_track("video").add_clip(color="red", duration=1)
    plan = _plan(p)
    assert base_layer(plan) is plan.layers[0]

    q = vnb.Project(width=160, height=120, fps=30)
    q.add_title("over nothing", duration=1)  # a text track at the bottom
    q.add_track("video").add_clip(color="red", duration=1)
    plan = _plan(q)
    assert not isinstance(plan.layers[0], VideoTrackPlan)
    assert base_layer(plan) is None

    r = vnb.Project(width=160, height=120, fps=30)
    r.add_title("titles only", duration=1)
    assert base_layer(_plan(r)) is None
