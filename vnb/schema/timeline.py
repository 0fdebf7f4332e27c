"""What sits on the timeline: tracks, clips, transitions, titles, subtitles, markers, effects.

Clips and their parts live in `vnb.schema.clips`, titles and subtitles in `vnb.schema.titles`;
this module holds tracks, transitions and markers, and re-exports the rest.

Time vocabulary: ``start`` is where an item sits on the timeline, ``source_start`` where a clip
begins in its source, ``duration`` how long it lasts on the timeline; all in seconds, all ranges
half-open ``[start, start + duration)``.
"""

from __future__ import annotations

import os
from typing import Any, Literal, get_args

from pydantic import Field, ValidationError, model_validator

from vnb.errors import ProjectError
from vnb.schema.base import Model, format_validation_error, new_id
from vnb.schema.clips import (
    Clip,
    Color,
    Crop,
    Effect,
    ItemId,
    Metadata,
    Seconds,
    TimeRange,
    Transform,
)
from vnb.schema.timebase import frame_time, to_frame
from vnb.schema.titles import Cue, Subtitles, Title

__all__ = [
    "Clip",
    "Crop",
    "Cue",
    "Effect",
    "Marker",
    "Subtitles",
    "TimeRange",
    "Title",
    "Track",
    "Transform",
    "Transition",
]


TransitionKind = Literal[
    "crossfade", "fade", "fadeblack", "fadewhite", "fadegrays", "dissolve", "pixelize",
    "wipeleft", "wiperight", "wipeup", "wipedown", "wipetl", "wipetr", "wipebl", "wipebr",
    "slideleft", "slideright", "slideup", "slidedown",
    "smoothleft", "smoothright", "smoothup", "smoothdown",
    "circlecrop", "rectcrop", "circleopen", "circleclose", "radial", "distance",
    "vertopen", "vertclose", "horzopen", "horzclose",
    "diagtl", "diagtr", "diagbl", "diagbr", "hlslice", "hrslice", "vuslice", "vdslice",
    "hblur", "squeezeh", "squeezev", "zoomin",
]  # fmt: skip
TRANSITIONS: tuple[str, ...] = get_args(TransitionKind)
"""Every transition kind, in order: the ones `TransitionKind` names (written once, there)."""
AUDIO_TRANSITIONS: tuple[TransitionKind, ...] = ("crossfade", "fade")
"""The kinds an audio track takes (both the same ``acrossfade``)."""


class Transition(Model):
    """A transition between two adjacent clips of one track, lasting exactly their overlap."""

    id: ItemId = Field(default_factory=lambda: new_id("tr"))
    from_clip: ItemId
    """The id of the outgoing clip."""
    to_clip: ItemId
    """The id of the incoming clip."""
    kind: TransitionKind = "crossfade"
    """``crossfade`` (= ``fade``) or any ffmpeg ``xfade`` transition: wipes, slides, circles…"""
    duration: float = Field(gt=0, le=3600)
    """Seconds; equals the overlap of the two clips."""


class Marker(Model):
    """A named point on the timeline."""

    time: Seconds
    label: str = Field(default="", max_length=1000)
    color: Color = "orange"


class Track(Model):
    """A layer of the timeline. Video tracks stack: the first is at the bottom."""

    id: ItemId = Field(default_factory=lambda: new_id("track"))
    kind: Literal["video", "audio", "text"] = "video"
    name: str = Field(default="", max_length=1000)
    muted: bool = False
    """Drop the track's audio."""
    hidden: bool = False
    """Drop the track's picture."""
    locked: bool = False
    """Refuse edits from the widgets."""
    clips: list[Clip] = Field(default_factory=list, max_length=10_000)
    transitions: list[Transition] = Field(default_factory=list, max_length=10_000)
    titles: list[Title] = Field(default_factory=list, max_length=10_000)
    subtitles: list[Subtitles] = Field(default_factory=list, max_length=100)
    metadata: Metadata = Field(default_factory=dict)

    @model_validator(mode="after")
    def _kind_fits(self) -> Track:
        if self.kind == "text" and self.clips:
            msg = "a text track holds titles and subtitles, not clips"
            raise ValueError(msg)
        if self.kind != "text" and (self.titles or self.subtitles):
            msg = f"a {self.kind} track holds clips; titles go on a text track"
            raise ValueError(msg)
        if self.kind == "audio" and self.transitions:
            # Audio tracks may crossfade too; their transitions must be crossfades.
            bad = [t.kind for t in self.transitions if t.kind not in AUDIO_TRANSITIONS]
            if bad:
                msg = f"audio tracks only crossfade, not {bad[0]!r}"
                raise ValueError(msg)
        return self

    def _path(self) -> str:
        return super()._path() or f"track {self.id!r}"

    # -- editing -------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        project = self._parent
        return project.new_id(prefix) if project is not None else new_id(prefix)

    def _shifted(self, start: float, seconds: float, where: str) -> float:
        """``start`` moved left by ``seconds`` as the plan counts it: whole frames.

        The plan rounds every time to the frame grid once (`to_frame`); a transition of
        ``seconds`` lasts ``to_frame(seconds)`` frames, so the clips it moves go back by exactly
        that many frames. The plain difference is kept when it lands on that frame (a 1 s
        dissolve at 29.97 fps moves a clip from 6.0 to 5.0), else the frame's own time
        (0.75 s at 30 fps is 23 frames: a clip at 2.0 goes to 37/30 s, not 1.25).
        """
        fps = getattr(self._parent, "fps", None)
        if fps is None:
            return max(0.0, start - seconds)
        frames = to_frame(seconds, fps)
        if frames < 1:
            msg = f"{where}: {seconds:g} s is shorter than one frame at {fps} fps"
            raise ProjectError(msg)
        target = to_frame(start, fps) - frames
        plain = start - seconds
        return max(0.0, plain if to_frame(plain, fps) == target else frame_time(target, fps))

    def clip(self, clip_id: str) -> Clip:
        """The clip with this id.

        Raises:
            ProjectError: no such clip on this track.
        """
        for c in self.clips:
            if c.id == clip_id:
                return c
        msg = f"{self._path()}: no clip with id {clip_id!r}"
        raise ProjectError(msg)

    def add_clip(
        self,
        source: str | os.PathLike[str] | None = None,
        *,
        start: float | None = None,
        source_start: float = 0.0,
        duration: float | None = None,
        color: str | None = None,
        id: str | None = None,
        **fields: Any,
    ) -> Clip:
        """Add a clip of ``source`` (or a colour clip) and return it.

        Args:
            source: a media file, relative to the project's folder or absolute.
            start: timeline seconds; default: right after the track's last clip.
            source_start: where to start in the source, in source seconds.
            duration: timeline seconds; default: the rest of the source (5 s for stills
                and colours).
            color: make a colour clip instead of using a source.
            id: the clip's id (default: ``c1``, ``c2``… unique in the project).
            **fields: any other `Clip` field (``speed``, ``volume``, ``opacity``,
                ``transform``, ``effects``, ``fade_in``, ``fade_out``…).

        Raises:
            ProjectError: a bad value, a duplicate id, or a text track.
            MediaError: the source cannot be probed when its duration is needed.
        """
        if self.kind == "text":
            msg = f"{self._path()}: a text track takes titles, not clips (use add_title)"
            raise ProjectError(msg)
        project = self._parent
        if start is None:
            start = max((c.end for c in self.clips), default=0.0)
        if duration is None:
            duration = _default_duration(project, source, source_start, fields.get("speed", 1.0))
        if id is None:
            id = project.new_id("c") if project is not None else new_id("clip")
        elif project is not None and project.find_clip(id) is not None:
            msg = f"{self._path()}: a clip with id {id!r} already exists"
            raise ProjectError(msg)
        if isinstance(source, os.PathLike):
            source = os.fspath(source)
        where = f"{self._path()}.clips[{len(self.clips)}]"
        try:
            clip = Clip.model_validate(
                {
                    "id": id,
                    "source": source,
                    "color": color,
                    "start": start,
                    "source_start": source_start,
                    "duration": duration,
                    **fields,
                }
            )
        except ValidationError as err:
            raise ProjectError(format_validation_error(err, where)) from None
        self.clips.append(clip)
        clip._parent = self
        self._changed()
        return clip

    def add_clips_from(
        self,
        segments: Any,
        *,
        source: str | os.PathLike[str],
        start: float | None = None,
        gap: float = 0.0,
        **fields: Any,
    ) -> list[Clip]:
        """Append a clip of ``source`` per ``(start, end)`` source-time segment, end to end.

        Args:
            segments: Source-time ranges, e.g. from ``vnb.detect`` (``dets.segments("person")``).
            source: The media file the segments are times of.
            start: Timeline time of the first clip; default: after the track's last clip.
            gap: Seconds left between clips.
            **fields: Other `Clip` fields for every clip (``volume``, ``transform``…).

        Returns:
            The clips added.

        Raises:
            ProjectError: an empty or reversed segment, or a bad field.
        """
        cursor = max((c.end for c in self.clips), default=0.0) if start is None else start
        clips: list[Clip] = []
        for segment in segments:
            s, e = float(segment[0]), float(segment[1])
            if e <= s:
                msg = f"segment ({s:g}, {e:g}) is empty: its end must be after its start"
                raise ProjectError(msg)
            clips.append(
                self.add_clip(source, start=cursor, source_start=s, duration=e - s, **fields)
            )
            cursor += (e - s) + gap
        return clips

    def add_transition(
        self,
        a: Clip | str,
        b: Clip | str,
        kind: str = "crossfade",
        *,
        duration: float | None = None,
    ) -> Transition:
        """Join clip ``a`` to the next clip ``b`` with a transition, and return it.

        The transition lasts exactly the clips' overlap. When they only touch (``b`` starts
        where ``a`` ends), ``b`` and every later clip of the track move left by ``duration``
        to make the overlap.

        Raises:
            ProjectError: the clips are not on this track, overlap by another amount, or the
                kind is unknown.
        """
        ca = self.clip(a if isinstance(a, str) else a.id)
        cb = self.clip(b if isinstance(b, str) else b.id)
        if cb.start <= ca.start:
            msg = f"{self._path()}: clip {cb.id!r} must start after clip {ca.id!r} to follow it"
            raise ProjectError(msg)
        overlap = ca.end - cb.start
        if duration is None and overlap <= 1e-6:
            msg = (
                f"{self._path()}: clips {ca.id!r} and {cb.id!r} do not overlap; give a duration "
                f"to move {cb.id!r} and the clips after it left by that much"
            )
            raise ProjectError(msg)
        where = f"{self._path()}.transitions[{len(self.transitions)}]"
        # Check everything before moving anything: a refused edit leaves the track as it was.
        try:
            tr = Transition.model_validate(
                {
                    "id": self._new_id("x"),
                    "from_clip": ca.id,
                    "to_clip": cb.id,
                    "kind": kind,
                    "duration": overlap if duration is None else duration,
                }
            )
        except ValidationError as err:
            raise ProjectError(format_validation_error(err, where)) from None
        shorter = min((ca, cb), key=lambda c: c.duration)
        if tr.duration > shorter.duration + 1e-9:
            msg = (
                f"{where}.duration: {tr.duration:g} s is longer than clip {shorter.id!r} "
                f"({shorter.duration:g} s)"
            )
            raise ProjectError(msg)
        if self.kind == "audio" and tr.kind not in AUDIO_TRANSITIONS:
            msg = f"{where}.kind: audio tracks only crossfade, not {tr.kind!r}"
            raise ProjectError(msg)
        later: list[Clip] = []
        if duration is not None and abs(overlap) <= 1e-6:
            later = [c for c in self.clips if c.start >= cb.start - 1e-9]
            if any(c.start - tr.duration < -1e-9 for c in later):
                msg = f"{self._path()}: no room to overlap {ca.id!r} and {cb.id!r}"
                raise ProjectError(msg)
            overlap = tr.duration
        if abs(overlap - tr.duration) > 1e-6:
            msg = (
                f"{self._path()}: a transition lasts the overlap of its clips; {ca.id!r} and "
                f"{cb.id!r} overlap by {overlap:g} s, not {tr.duration:g} s"
            )
            raise ProjectError(msg)
        for c in later:
            c.start = self._shifted(c.start, tr.duration, f"{where}.duration")
        self.transitions.append(tr)
        tr._parent = self
        self._changed()
        return tr

    def add_title(
        self, text: str, *, start: float = 0.0, duration: float = 3.0, **style: Any
    ) -> Title:
        """Add a title to this text track (see `Title` for the style fields) and return it.

        Raises:
            ProjectError: not a text track, or a bad value.
        """
        if self.kind != "text":
            msg = f"{self._path()}: titles go on a text track"
            raise ProjectError(msg)
        where = f"{self._path()}.titles[{len(self.titles)}]"
        try:
            title = Title.model_validate(
                {
                    "id": self._new_id("title"),
                    "text": text,
                    "start": start,
                    "duration": duration,
                    **style,
                }
            )
        except ValidationError as err:
            raise ProjectError(format_validation_error(err, where)) from None
        self.titles.append(title)
        title._parent = self
        self._changed()
        return title

    def add_subtitles(self, file: str | os.PathLike[str] | None = None, **fields: Any) -> Subtitles:
        """Burn in subtitles from a file (SRT, ASS, VTT) or from ``cues=[...]``.

        Raises:
            ProjectError: not a text track, or a bad value.
        """
        if self.kind != "text":
            msg = f"{self._path()}: subtitles go on a text track"
            raise ProjectError(msg)
        where = f"{self._path()}.subtitles[{len(self.subtitles)}]"
        if isinstance(file, os.PathLike):
            file = os.fspath(file)
        try:
            subs = Subtitles.model_validate({"id": self._new_id("subs"), "file": file, **fields})
        except ValidationError as err:
            raise ProjectError(format_validation_error(err, where)) from None
        self.subtitles.append(subs)
        subs._parent = self
        self._changed()
        return subs


def _default_duration(project: Any, source: object, source_start: float, speed: object) -> float:
    if source is None or project is None:
        return 5.0
    info = project.probe(source)
    if info.is_still or (info.video is None and info.audio is None):
        return 5.0
    rest = info.duration - source_start
    if rest <= 0:
        msg = f"{source}: source_start {source_start:g} s is past its end ({info.duration:g} s)"
        raise ProjectError(msg)
    return rest / float(speed) if isinstance(speed, int | float) and speed > 0 else rest
