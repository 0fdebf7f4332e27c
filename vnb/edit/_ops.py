"""The editing operations: clips, effects, tracks and markers (see `vnb.edit`)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from vnb.edit._transaction import transaction
from vnb.errors import ProjectError, VnbError
from vnb.schema.animation import effect_path, shifted
from vnb.schema.base import Model, format_validation_error
from vnb.schema.timebase import snap_time
from vnb.schema.timeline import Clip, Effect, Track

if TYPE_CHECKING:
    from vnb.schema import Marker, Project

__all__ = [
    "add_effect",
    "add_marker",
    "move_clip",
    "remove_clip",
    "remove_effect",
    "remove_marker",
    "set_clip",
    "set_effect_param",
    "set_track",
    "split_clip",
    "trim_clip",
]

CLIP_FIELDS = (
    "start", "duration", "speed", "reverse", "freeze", "volume", "muted", "opacity",
    "fade_in", "fade_out",
    "transform.x", "transform.y", "transform.scale", "transform.rotation", "transform.fit",
)  # fmt: skip
"""The clip fields `set_clip` changes (``start`` moves the clip, ``duration`` trims its tail)."""

TRACK_FIELDS = ("name", "locked", "muted", "hidden")
_EPS = 1e-6


# -- helpers -----------------------------------------------------------------------------


def snap(project: Project, t: float) -> float:
    """``t`` seconds moved to the nearest frame boundary of the project."""
    return snap_time(t, project.fps)


def find_clip(project: Project, clip_id: str) -> tuple[int, Track, Clip]:
    """The index of the track holding clip ``clip_id``, the track and the clip.

    Raises:
        ProjectError: no clip has this id.
    """
    for i, track in enumerate(project.tracks):
        for clip in track.clips:
            if clip.id == clip_id:
                return i, track, clip
    msg = f"no clip with id {clip_id!r}"
    raise ProjectError(msg)


def _unlocked(index: int, track: Track) -> None:
    if track.locked:
        msg = f"tracks[{index}] ({track.name or track.id!r}) is locked"
        raise ProjectError(msg)


def _time(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = f"{what}: expected a number of seconds, got {value!r}"
        raise ProjectError(msg)
    if value < 0:
        msg = f"{what}: {value:g} s is before the start of the timeline"
        raise ProjectError(msg)
    return float(value)


def _frame(project: Project) -> float:
    return float(1 / Fraction(project.fps))


def _source_end_ok(project: Project, clip: Clip) -> None:
    """Refuse a clip that plays past the end of its source (when the source can be probed)."""
    if clip.source is None:
        return
    try:
        info = project.probe(clip.source)
    except VnbError:
        return  # a missing file is shown by the preview; it does not block editing
    if info.is_still or info.duration <= 0:
        return
    from vnb.plan.speed import speed_ramp  # noqa: PLC0415 - the plan imports the schema

    speed, _, played = speed_ramp(clip, project.fps)
    end = clip.source_start + (0.0 if clip.freeze else played)
    if end > info.duration + 0.5 * speed * _frame(project) + _EPS:
        msg = (
            f"clip {clip.id!r}: would play {end:.3f} s of {clip.source!r}, which lasts "
            f"{info.duration:.3f} s (trimming past the source's end)"
        )
        raise ProjectError(msg)


def source_start_of(project: Project, clip: Clip, start: float, end: float) -> float:
    """The ``source_start`` of the part ``[start, end)`` (timeline seconds) of ``clip``.

    So that the part shows what the clip shows there: a forward clip's part starts later in
    the source by the time cut from the head, a reversed clip's by the time cut from the tail
    (it plays its source from the end), a speed ramp's by the integral of its speed, and a
    freeze keeps its one frame.
    """
    from vnb.plan.speed import source_at  # noqa: PLC0415 - the plan imports the schema

    if clip.freeze:
        return clip.source_start
    forward = clip.start + clip.end - end if clip.reverse else start
    return source_at(clip, project.fps, forward)


def _fit_transitions(project: Project, track: Track, clip_id: str, what: str) -> None:
    """Make the transitions of a clip last its new overlap; refuse to leave one without any.

    Trimming never deletes a transition behind the user's back: one that would be left with
    less than a frame of overlap is refused, naming it (remove it first with
    `remove_transition`), just as trimming into a clip without a transition is refused.
    """
    for tr in track.transitions:
        if clip_id in (tr.from_clip, tr.to_clip):
            a, b = track.clip(tr.from_clip), track.clip(tr.to_clip)
            overlap = snap(project, a.end) - snap(project, b.start)
            if overlap < _frame(project) - _EPS:
                msg = (
                    f"{what}: transition {tr.id!r} between {a.id!r} and {b.id!r} would be left "
                    "without an overlap; remove the transition first, or keep at least one frame"
                )
                raise ProjectError(msg)
            tr.duration = overlap


def _drop_transitions(track: Track, clip_id: str) -> None:
    track.transitions[:] = [
        tr for tr in track.transitions if clip_id not in (tr.from_clip, tr.to_clip)
    ]


# -- clips -------------------------------------------------------------------------------


def move_clip(project: Project, clip_id: str, start: float, track_index: int | None = None) -> Clip:
    """Move a clip to ``start`` seconds (snapped to a frame), optionally onto another track.

    A moved clip loses its transitions (they no longer fit); overlapping a clip of the target
    track without a transition is refused.

    Raises:
        ProjectError: no such clip or track, a locked track, a track of another kind, a
            negative time, or an overlap.
    """
    index, track, clip = find_clip(project, clip_id)
    _unlocked(index, track)
    start = snap(project, _time(start, f"move clip {clip_id!r}"))
    target_index = index if track_index is None else track_index
    if not 0 <= target_index < len(project.tracks):
        msg = f"tracks[{target_index}]: no such track"
        raise ProjectError(msg)
    target = project.tracks[target_index]
    _unlocked(target_index, target)
    if target.kind != track.kind:
        msg = f"tracks[{target_index}]: a {track.kind} clip cannot go onto a {target.kind} track"
        raise ProjectError(msg)
    with transaction(project):
        if abs(start - clip.start) > _EPS or target is not track:
            _drop_transitions(track, clip.id)
        if target is not track:
            track.clips.remove(clip)
            target.clips.append(clip)
            clip._parent = target
        clip.start = start
    return clip


def trim_clip(
    project: Project, clip_id: str, start: float | None = None, end: float | None = None
) -> Clip:
    """Move a clip's edges to timeline times ``start`` and/or ``end`` (snapped to frames).

    Trimming the head moves ``source_start`` with it, so the picture stays where it was on
    the timeline. The clip's transitions follow the new overlap (or go when none is left).

    Raises:
        ProjectError: no such clip, a locked track, a negative time, less than one frame
            left, trimming before the source's start or past its end.
    """
    index, track, clip = find_clip(project, clip_id)
    _unlocked(index, track)
    what = f"trim clip {clip_id!r}"
    new_start = clip.start if start is None else snap(project, _time(start, what))
    new_end = clip.end if end is None else snap(project, _time(end, what))
    if new_end - new_start < _frame(project) - _EPS:
        msg = f"{what}: at least one frame must be left"
        raise ProjectError(msg)
    source_start = source_start_of(project, clip, new_start, new_end)
    if source_start < -_EPS:
        msg = f"{what}: the head would begin {-source_start:.3f} s before its source starts"
        raise ProjectError(msg)
    with transaction(project):
        clip.animations = shifted(clip.animations, new_start - clip.start)  # curves stay put
        clip.start = new_start
        clip.source_start = max(0.0, source_start)
        clip.duration = new_end - new_start
        _source_end_ok(project, clip)
        _fit_transitions(project, track, clip.id, what)
    return clip


def split_clip(project: Project, clip_id: str, t: float) -> Clip:
    """Cut a clip in two at timeline time ``t`` (snapped); returns the new, right-hand part.

    The right part plays on from where the left part stops, keeps the clip's fade out and
    outgoing transition; the left part keeps the id, the fade in and the incoming transition.

    Raises:
        ProjectError: no such clip, a locked track, or ``t`` not at least a frame inside it.
    """
    index, track, clip = find_clip(project, clip_id)
    _unlocked(index, track)
    t = snap(project, _time(t, f"split clip {clip_id!r}"))
    frame = _frame(project)
    if not clip.start + frame - _EPS <= t <= clip.end - frame + _EPS:
        msg = (
            f"split clip {clip_id!r}: {t:.3f} s is not inside it "
            f"([{clip.start:.3f}, {clip.end:.3f}) s, at least a frame from each edge)"
        )
        raise ProjectError(msg)
    with transaction(project):
        data = clip.model_dump()
        data.update(
            id=project.new_id("c"),
            start=t,
            source_start=source_start_of(project, clip, t, clip.end),
            duration=clip.end - t,
            fade_in=0.0,
            animations={  # the same curves, on the right part's own time
                p: [k.model_dump() for k in keys]
                for p, keys in shifted(clip.animations, t - clip.start).items()
            },
        )
        try:
            right = Clip.model_validate(data)
        except ValidationError as err:
            raise ProjectError(format_validation_error(err, f"clip {clip_id!r}")) from None
        clip.fade_out = 0.0
        clip.source_start = source_start_of(project, clip, clip.start, t)
        clip.duration = t - clip.start
        track.clips.insert(track.clips.index(clip) + 1, right)
        right._parent = track
        for tr in track.transitions:
            if tr.from_clip == clip.id:
                tr.from_clip = right.id
    return right


def remove_clip(project: Project, clip_id: str) -> None:
    """Delete a clip and its transitions.

    Raises:
        ProjectError: no such clip, or a locked track.
    """
    index, track, clip = find_clip(project, clip_id)
    _unlocked(index, track)
    with transaction(project):
        _drop_transitions(track, clip.id)
        track.clips.remove(clip)


def remove_transition(project: Project, transition_id: str) -> None:
    """Delete a transition, leaving a straight cut where the incoming clip starts.

    The outgoing clip is shortened to end where the incoming one begins (their overlap goes
    with the transition); nothing else moves.

    Raises:
        ProjectError: no transition has this id, or its track is locked.
    """
    for index, track in enumerate(project.tracks):
        for tr in track.transitions:
            if tr.id == transition_id:
                _unlocked(index, track)
                a, b = track.clip(tr.from_clip), track.clip(tr.to_clip)
                with transaction(project):
                    track.transitions.remove(tr)
                    a.duration = snap(project, b.start) - a.start
                    a.fade_out = min(a.fade_out, max(0.0, a.duration - a.fade_in))
                return
    msg = f"no transition with id {transition_id!r}"
    raise ProjectError(msg)


def set_clip(project: Project, clip_id: str, field: str, value: Any) -> Clip:
    """Set one field of a clip (one of `CLIP_FIELDS`; dotted names reach into ``transform``).

    Raises:
        ProjectError: no such clip or field, a locked track, a bad value, or a speed that plays
            past the source's end.
    """
    if field not in CLIP_FIELDS:
        msg = f"clip field {field!r} cannot be set here (one of: {', '.join(CLIP_FIELDS)})"
        raise ProjectError(msg)
    if field == "start":
        return move_clip(project, clip_id, value)
    index, track, clip = find_clip(project, clip_id)
    if field == "duration":
        return trim_clip(project, clip_id, end=clip.start + _time(value, "duration"))
    _unlocked(index, track)
    with transaction(project):
        target: Model = clip
        name = field
        if field.startswith("transform."):
            target, name = clip.transform, field.removeprefix("transform.")
        setattr(target, name, value)
        if field == "speed":
            _source_end_ok(project, clip)
    return clip


# -- effects -----------------------------------------------------------------------------


def _effect_at(clip: Clip, position: int) -> Effect:
    if not 0 <= position < len(clip.effects):
        msg = f"clip {clip.id!r}: no effect at position {position}"
        raise ProjectError(msg)
    return clip.effects[position]


def add_effect(project: Project, clip_id: str, name: str, **params: Any) -> Effect:
    """Append the effect ``name`` (with ``params``) to a clip and return it.

    Raises:
        ProjectError: no such clip, a locked track, or an unknown effect or parameter.
    """
    index, track, clip = find_clip(project, clip_id)
    _unlocked(index, track)
    with transaction(project):
        effect = Effect(name=name, params=params)
        clip.effects = [*clip.effects, effect]
    return effect


def set_effect_param(project: Project, clip_id: str, position: int, param: str, value: Any) -> None:
    """Set parameter ``param`` of the clip's effect at ``position`` (0 is the first).

    Raises:
        ProjectError: no such clip or effect, a locked track, or a bad parameter or value.
    """
    index, track, clip = find_clip(project, clip_id)
    _unlocked(index, track)
    effect = _effect_at(clip, position)
    with transaction(project):
        effect.params = {**effect.params, param: value}


def remove_effect(project: Project, clip_id: str, position: int) -> None:
    """Remove the clip's effect at ``position`` (and its keys; later effects' keys follow them).

    Raises:
        ProjectError: no such clip or effect, or a locked track.
    """
    index, track, clip = find_clip(project, clip_id)
    _unlocked(index, track)
    _effect_at(clip, position)
    with transaction(project):
        clip.effects = [e for i, e in enumerate(clip.effects) if i != position]
        clip.animations = _without_effect_keys(clip.animations, position)


def _without_effect_keys(animations: dict[str, Any], position: int) -> dict[str, Any]:
    """The animations once effect ``position`` is gone: its keys too, later effects' renumbered."""
    out = {}
    for path, keys in animations.items():
        spot = effect_path(path)
        if spot is None or spot[0] < position:
            out[path] = keys
        elif spot[0] > position:
            out[f"effects[{spot[0] - 1}].{spot[1]}"] = keys
    return out


# -- tracks and markers ------------------------------------------------------------------


def set_track(project: Project, index: int, field: str, value: Any) -> Track:
    """Set ``name``, ``locked``, ``muted`` or ``hidden`` of track ``index``.

    A locked track only lets itself be unlocked.

    Raises:
        ProjectError: no such track or field, a locked track, or a bad value.
    """
    if not 0 <= index < len(project.tracks):
        msg = f"tracks[{index}]: no such track"
        raise ProjectError(msg)
    if field not in TRACK_FIELDS:
        msg = f"track field {field!r} cannot be set here (one of: {', '.join(TRACK_FIELDS)})"
        raise ProjectError(msg)
    track = project.tracks[index]
    if field != "locked":
        _unlocked(index, track)
    with transaction(project):
        setattr(track, field, value)
    return track


def add_marker(project: Project, time: float, label: str = "", color: str = "orange") -> Marker:
    """Add a marker at ``time`` seconds (snapped to a frame) and return it.

    Raises:
        ProjectError: a negative time, or a bad label or colour.
    """
    time = snap(project, _time(time, "marker"))
    with transaction(project):
        return project.add_marker(time, label, color)


def remove_marker(project: Project, index: int) -> None:
    """Remove the marker at ``index`` of ``project.markers``.

    Raises:
        ProjectError: no such marker.
    """
    if not 0 <= index < len(project.markers):
        msg = f"markers[{index}]: no such marker"
        raise ProjectError(msg)
    with transaction(project):
        del project.markers[index]
