"""Time edits: a freeze frame inserted into a clip (see `vnb.edit`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from vnb.edit._ops import _EPS, _frame, _time, _unlocked, find_clip, snap, split_clip
from vnb.edit._transaction import transaction
from vnb.errors import ProjectError
from vnb.schema.base import format_validation_error
from vnb.schema.timeline import Clip

if TYPE_CHECKING:
    from vnb.schema import Project

__all__ = ["freeze_frame"]


def shown_source_time(project: Project, clip: Clip, at: float) -> float:
    """Source seconds of the frame ``clip`` shows at timeline time ``at`` (on the frame grid).

    A reversed clip shows at frame ``k`` what it would show forwards at the mirrored frame
    (`vnb.plan.model.VideoItem.forward`); a speed ramp plays the integral of its speed; a
    freeze always shows its one frame.
    """
    from vnb.plan.speed import source_at  # noqa: PLC0415 - the plan imports the schema

    if clip.freeze:
        return clip.source_start
    forward = clip.start + clip.end - _frame(project) - at if clip.reverse else at
    return source_at(clip, project.fps, max(clip.start, forward))


def freeze_frame(project: Project, clip_id: str, at: float, duration: float) -> Clip:
    """Hold the frame a clip shows at timeline time ``at`` for ``duration`` seconds.

    The clip is split at ``at`` (both snapped to frames); a frozen clip (``freeze=True``,
    silent) showing that frame goes in between, and the rest of the clip and every later clip
    of its track move later by ``duration``. At the clip's first frame nothing is split: the
    freeze goes before it (and takes over its incoming transition). One undoable edit.

    Returns:
        The freeze clip.

    Raises:
        ProjectError: no such clip, a locked track, ``at`` not on the clip (its last frame
            included), or a duration shorter than a frame.
    """
    index, track, clip = find_clip(project, clip_id)
    _unlocked(index, track)
    what = f"freeze frame of clip {clip_id!r}"
    at = snap(project, _time(at, what))
    duration = snap(project, _time(duration, what))
    frame = _frame(project)
    if duration < frame - _EPS:
        msg = f"{what}: the freeze must last at least a frame ({frame:.4f} s)"
        raise ProjectError(msg)
    if not clip.start - _EPS <= at <= clip.end - frame + _EPS:
        msg = f"{what}: {at:.3f} s is not on the clip ([{clip.start:.3f}, {clip.end:.3f}) s)"
        raise ProjectError(msg)
    data = clip.model_dump()
    data.update(
        start=at,
        duration=duration,
        source_start=shown_source_time(project, clip, at),
        freeze=True,
        reverse=False,
        fade_in=0.0,
        fade_out=0.0,
    )
    with transaction(project):
        rest = split_clip(project, clip_id, at) if at > clip.start + _EPS else clip
        for later in track.clips:
            if later.start >= at - _EPS:
                later.start += duration
        try:
            held = Clip.model_validate({**data, "id": project.new_id("c")})
        except ValidationError as err:
            raise ProjectError(format_validation_error(err, f"clip {clip_id!r}")) from None
        track.clips.insert(track.clips.index(rest), held)
        held._parent = track
        for tr in track.transitions:
            if tr.to_clip == rest.id and rest is clip:  # the freeze now comes in first
                tr.to_clip = held.id
    return held
