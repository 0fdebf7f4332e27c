"""The project: the root of the document, its editing methods, and atomic save/load.

This is the data model and nothing more: it imports nothing above `vnb.schema`. The engine's
friendly calls (``p.render()``, ``p.frame_at()``, ``p.probe()``, the notebook display) are
added by `vnb.Project` (:mod:`vnb.project`), the class `vnb.load` and `vnb.Project` give.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import pydantic_core
from pydantic import (
    BeforeValidator,
    Field,
    JsonValue,
    PlainSerializer,
    PrivateAttr,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from vnb.errors import FileAccessError, ProjectError
from vnb.fileio import atomic_write, read_regular_file
from vnb.schema.base import Model, format_validation_error
from vnb.schema.detection import Overlay, Redaction
from vnb.schema.export import ExportSettings
from vnb.schema.migrations import FORMAT, SCHEMA_VERSION, migrate
from vnb.schema.timebase import parse_rate
from vnb.schema.timeline import Clip, Color, Marker, Title, Track

if TYPE_CHECKING:
    from vnb.schema.media import MediaInfo

__all__ = ["Project", "load"]

P = TypeVar("P", bound="Project")

MAX_CLIPS = 10_000
MAX_FILE_BYTES = 64 * 1024 * 1024


def _rate_json(rate: Fraction) -> int | str:
    return rate.numerator if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


FrameRate = Annotated[
    Fraction,
    BeforeValidator(parse_rate),
    PlainSerializer(_rate_json),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 1000},
                {"type": "string", "pattern": r"^\d+(/\d+)?$"},
            ],
            "description": "Frames per second: 30, or a ratio such as '30000/1001'.",
        }
    ),
]


class Project(Model):
    """A video edit: canvas settings, tracks of clips and titles, markers and export settings.

    Example:
        ```python
        p = vnb.Project(name="demo", width=1280, height=720, fps=30)
        v = p.add_track("video")
        a = v.add_clip("a.mp4", start=0, duration=3)
        p.add_title("Hello", start=0, duration=2)
        p.save("demo.vnb.json")
        p.render("out.mp4")
        ```
    """

    format: Literal["vnb.project"] = FORMAT
    version: Literal[2] = SCHEMA_VERSION
    name: str = Field(default="untitled", max_length=1000)
    width: int = Field(default=1920, ge=16, le=8192)
    """Canvas width in pixels (even)."""
    height: int = Field(default=1080, ge=16, le=8192)
    """Canvas height in pixels (even)."""
    fps: FrameRate = Field(default=Fraction(30), json_schema_extra={"default": 30})
    """Frame rate of the timeline: 30, 25, '30000/1001'…"""
    sample_rate: Literal[22050, 32000, 44100, 48000, 96000] = 48_000
    """Audio sample rate of the mix."""
    background: Color = "black"
    """Colour shown where no clip covers the canvas."""
    tracks: list[Track] = Field(default_factory=list, max_length=1000)
    """Video tracks stack in order: the first is at the bottom."""
    markers: list[Marker] = Field(default_factory=list, max_length=10_000)
    overlays: list[Overlay] = Field(default_factory=list, max_length=100)
    """Detections drawn over the clips of their source (`add_overlay`)."""
    redactions: list[Redaction] = Field(default_factory=list, max_length=100)
    """Tracked objects blurred or pixelated in the clips of their source (`blur`)."""
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    export: ExportSettings = Field(default_factory=ExportSettings)
    """Settings used by `render` unless a preset or overrides are given."""

    _base_dir: Path | None = PrivateAttr(default=None)
    _listeners: list[Callable[[Project], None]] = PrivateAttr(default_factory=list)
    _file: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _sane(self) -> Project:
        problems = []
        if self.width % 2 or self.height % 2:
            problems.append("width and height must be even (H.264 needs it)")
        n = sum(len(t.clips) for t in self.tracks)
        if n > MAX_CLIPS:
            problems.append(f"tracks: {n} clips is more than the limit of {MAX_CLIPS}")
        ids: set[str] = set()
        for t in self.tracks:
            for c in t.clips:
                if c.id in ids:
                    problems.append(f"clip id {c.id!r} is used twice")
                ids.add(c.id)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- where files are -----------------------------------------------------------------

    @property
    def base_dir(self) -> Path:
        """The folder relative source names resolve against: the project file's, else cwd."""
        return self._base_dir or Path.cwd()

    @property
    def file(self) -> Path | None:
        """The file this project was loaded from or last saved to."""
        return self._file

    def on_change(self, callback: Callable[[Project], None]) -> Callable[[], None]:
        """Call ``callback(project)`` after every change made through the API.

        Assignments anywhere in the project (``clip.duration = 2``) and the ``add_*`` methods
        are changes; edits made in place to lists (``clip.effects.append(...)``) are not seen
        until the next change. An exception raised by a callback is logged, never raised.

        Returns:
            A function that unsubscribes ``callback``.
        """
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def _notify(self) -> None:
        for callback in list(self._listeners):
            try:
                callback(self)
            except Exception:
                logging.getLogger("vnb").exception("a project change listener failed")

    def probe(self, source: str | os.PathLike[str]) -> MediaInfo:
        """Probe a source relative to this project: `vnb.Project` does (`vnb.media.probe`).

        The data model reads no media; `Track.add_clip` asks here for a source's length when
        no ``duration`` is given.

        Raises:
            ProjectError: always, here: a `vnb.Project` (``vnb.Project``, ``vnb.load``) probes.
        """
        msg = (
            f"{os.fspath(source)}: give the clip a duration, or use vnb.Project (the data model "
            "vnb.schema.Project reads no media)"
        )
        raise ProjectError(msg)

    def timeline_problems(self) -> list[str]:
        """Structural problems of the timeline, as ``where: what`` lines; `save` refuses them.

        The data model does not compile: `vnb.Project` answers with `vnb.plan.check_timeline`
        (clips overlapping without a transition…); here there are none to report.
        """
        return []

    # -- editing -------------------------------------------------------------------------

    def add_track(self, kind: Literal["video", "audio", "text"] = "video", name: str = "") -> Track:
        """Add a track on top of the others and return it.

        Raises:
            ProjectError: an unknown kind.
        """
        prefix = kind[:1] if isinstance(kind, str) and kind else "track"
        try:
            track = Track.model_validate(
                {
                    "id": self.new_id(prefix),
                    "kind": kind,
                    "name": name or f"{kind} {len(self.tracks) + 1}",
                }
            )
        except ValidationError as err:
            raise ProjectError(
                format_validation_error(err, f"tracks[{len(self.tracks)}]")
            ) from None
        self.tracks.append(track)
        track._parent = self
        self._changed()
        return track

    def add_title(
        self, text: str, *, start: float = 0.0, duration: float = 3.0, **style: Any
    ) -> Title:
        """Add a title on the top text track (made if there is none) and return it.

        Style fields: ``font``, ``size``, ``color``, ``bold``, ``position``, ``margin``,
        ``box``, ``box_color``, ``outline``, ``outline_color``, ``fade_in``, ``fade_out``.
        """
        texts = [t for t in self.tracks if t.kind == "text"]
        track = texts[-1] if texts else self.add_track("text", "titles")
        return track.add_title(text, start=start, duration=duration, **style)

    def add_marker(self, time: float, label: str = "", color: str = "orange") -> Marker:
        """Add a marker and return it."""
        try:
            marker = Marker.model_validate({"time": time, "label": label, "color": color})
        except ValidationError as err:
            raise ProjectError(
                format_validation_error(err, f"markers[{len(self.markers)}]")
            ) from None
        self.markers.append(marker)
        marker._parent = self
        self._changed()
        return marker

    def find_clip(self, clip_id: str) -> Clip | None:
        """The clip with this id on any track, or None."""
        for t in self.tracks:
            for c in t.clips:
                if c.id == clip_id:
                    return c
        return None

    def new_id(self, prefix: str) -> str:
        """An id unused anywhere in the project: ``c1``, ``c2``… for ``prefix="c"``."""
        used = {t.id for t in self.tracks}
        for t in self.tracks:
            used.update(c.id for c in t.clips)
            used.update(x.id for x in t.transitions)
            used.update(x.id for x in t.titles)
            used.update(x.id for x in t.subtitles)
        n = 1
        while f"{prefix}{n}" in used:
            n += 1
        return f"{prefix}{n}"

    @property
    def duration(self) -> float:
        """End of the last clip, title or subtitle, in seconds."""
        ends = [c.end for t in self.tracks for c in t.clips]
        ends += [ti.end for t in self.tracks for ti in t.titles]
        ends += [q.end + s.offset for t in self.tracks for s in t.subtitles for q in s.cues]
        return max(ends, default=0.0)

    def validate_all(self) -> None:
        """Re-check the whole project, including edits made in place to lists.

        Raises:
            ProjectError: every problem found, with field paths.
        """
        try:
            type(self).model_validate(self.model_dump())
        except ValidationError as err:
            raise ProjectError(format_validation_error(err), file=_name(self._file)) from None

    # -- files ---------------------------------------------------------------------------

    def to_json(self) -> str:
        """The project as its JSON document."""
        return self.model_dump_json(indent=2)

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the project atomically; the previous file is kept as ``NAME.bak``.

        The document goes to a temporary file in the same folder, is flushed and fsynced,
        then renamed over the target; an interrupted save never leaves a torn file.

        Raises:
            ProjectError: the timeline is invalid (e.g. clips overlapping without a
                transition), no path was given for a new project, or the path is one of the
                files the project reads (a clip's source, a subtitle file).
        """
        target = Path(path) if path is not None else self._file
        if target is None:
            msg = "save: give a file name for a new project"
            raise ProjectError(msg)
        target = target.absolute()
        self.validate_all()
        problems = self.timeline_problems()
        if problems:
            raise ProjectError(problems, file=target.name)
        _refuse_own_media(self, target)
        old_base, new_base = self.base_dir, target.parent
        doc = self
        if old_base != new_base:
            # Rebase a copy: a save that fails must not change where the sources point.
            doc = type(self).model_validate(self.model_dump())
            _rebase_sources(doc, old_base, new_base)
        _atomic_write(target, doc.to_json().encode())
        if doc is not self:
            _rebase_sources(self, old_base, new_base)
        self._file = target
        self._base_dir = target.parent
        return target


def _name(path: Path | None) -> str | None:
    return str(path) if path is not None else None


def _refuse_own_media(project: Project, target: Path) -> None:
    """Refuse to save over a file the project reads (compared as files, not names).

    Raises:
        ProjectError: ``target`` is the source of a clip, a subtitle file, or the media of
            an overlay or redaction.
    """
    try:
        mine = target.stat()
    except OSError:
        return  # a new file: nothing to lose
    base = project.base_dir
    used = [(f"the source of clip {c.id!r}", c.source) for t in project.tracks for c in t.clips]
    used += [
        (f"the file of subtitles {s.id!r}", s.file) for t in project.tracks for s in t.subtitles
    ]
    used += [("the media of a detection overlay", d.source) for d in project.overlays]
    used += [("the media of a redaction", d.source) for d in project.redactions]
    for what, name in used:
        if not name:
            continue
        try:
            other = (base / name).stat()
        except (OSError, ValueError):
            continue
        if (other.st_dev, other.st_ino) == (mine.st_dev, mine.st_ino):
            msg = f"save: {target} is {what}; a project is never saved over its own media"
            raise ProjectError(msg, file=target.name)


def _rebase_sources(project: Project, old: Path, new: Path) -> None:
    """Keep relative source names pointing at the same files when saving elsewhere."""
    for t in project.tracks:
        for c in t.clips:
            if c.source and not Path(c.source).is_absolute():
                c.source = os.path.relpath(old / c.source, new)
        for s in t.subtitles:
            if s.file and not Path(s.file).is_absolute():
                s.file = os.path.relpath(old / s.file, new)
    for d in (*project.overlays, *project.redactions):
        if not Path(d.source).is_absolute():
            d.source = os.path.relpath(old / d.source, new)


def _atomic_write(target: Path, data: bytes) -> None:
    try:
        atomic_write(target, data, what="project file")
    except FileAccessError as err:
        raise ProjectError(err.reason, file=str(target)) from None


def load(path: str | os.PathLike[str], cls: type[P] = Project) -> P:  # type: ignore[assignment]
    """Read a project file, upgrading older versions, as a ``cls`` (`vnb.load`: a `vnb.Project`).

    Raises:
        ProjectError: unreadable, not JSON, not a vnb project, or invalid — every problem
            listed with its field path and the file's name.
    """
    p = Path(path)
    name = str(p)
    try:
        raw = read_regular_file(p, max_bytes=MAX_FILE_BYTES, what="project file")
    except FileAccessError as err:
        raise ProjectError(err.reason, file=name) from None
    try:
        doc = pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError as err:
        msg = f"not valid JSON: {err}"
        raise ProjectError(msg, file=name) from None
    doc = migrate(doc, file=name)
    try:
        project = cls.model_validate(doc)
    except ValidationError as err:
        raise ProjectError(format_validation_error(err), file=name) from None
    project._base_dir = p.absolute().parent
    project._file = p.absolute()
    return project
