"""Gather what a project's plan needs from disk: probes of its sources and subtitle cues."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from vnb.errors import (
    FileAccessError,
    MediaError,
    MediaNotFoundError,
    ProjectError,
    UnsupportedMediaError,
)
from vnb.fileio import check_regular_file
from vnb.media.probing import MediaInfo, probe
from vnb.plan import Plan, compile_plan

if TYPE_CHECKING:
    from vnb.schema import Project
    from vnb.schema.timeline import Subtitles, Title
    from vnb.text import Cue

__all__ = ["gather", "plan_project"]


def gather(project: Project) -> tuple[dict[str, MediaInfo], dict[str, list[Cue]]]:
    """Probe every source and read every subtitle file of ``project``.

    Returns:
        ``(media, cues)`` keyed by the names as written in the project.

    Raises:
        MediaNotFoundError: missing files, all of them listed with their clip ids.
        UnsupportedMediaError: files that are not usable media, listed likewise.
    """
    from vnb.text import load_subtitles  # noqa: PLC0415 - Pillow/pysubs2 only when needed

    media: dict[str, MediaInfo] = {}
    missing: list[str] = []
    unusable: list[str] = []
    base = project.base_dir
    for track in project.tracks:
        for clip in track.clips:
            if clip.source is None or clip.source in media:
                continue
            try:
                media[clip.source] = probe(clip.source, base_dir=base)
            except MediaNotFoundError as err:
                missing.append(f"clip {clip.id!r}: {err}")
            except MediaError as err:
                unusable.append(f"clip {clip.id!r}: {err}")
    cues: dict[str, list[Cue]] = {}
    for track in project.tracks:
        for subs in track.subtitles:
            if subs.file is not None and subs.file not in cues:
                path = base / subs.file
                try:
                    check_regular_file(path, what="subtitle file")
                except FileAccessError as err:
                    gone = not path.exists() and not path.is_symlink()
                    (missing if gone else unusable).append(f"subtitles {subs.id!r}: {err}")
                    continue
                cues[subs.file] = load_subtitles(path)
    _check_fonts(project)
    if missing:
        raise MediaNotFoundError(_listing("missing media", missing))
    if unusable:
        raise UnsupportedMediaError(_listing("unusable media", unusable))
    return media, cues


def _check_fonts(project: Project) -> None:
    """Refuse font files that are missing or not fonts, naming the title or subtitles."""
    from vnb.text.fonts import check_font, font_in_folder, looks_like_font_file  # noqa: PLC0415

    problems = []
    for track in project.tracks:
        items: list[Title | Subtitles] = [*track.titles, *track.subtitles]
        for item in items:
            if item.font and looks_like_font_file(item.font):
                kind = "title" if hasattr(item, "text") else "subtitles"
                font = font_in_folder(item.font, project.base_dir)
                try:
                    check_font(font, bold=bool(getattr(item, "bold", False)))
                except ProjectError as err:
                    problems.append(f"{kind} {item.id!r}: {err}")
    if problems:
        raise ProjectError(problems)


def _listing(what: str, lines: Sequence[str]) -> str:
    if len(lines) == 1:
        return f"{what}: {lines[0]}"
    return f"{what} ({len(lines)}):\n" + "\n".join(f"  - {line}" for line in lines)


def plan_project(project: Project) -> Plan:
    """Validate ``project``, gather its media and compile its `Plan` (`vnb.plan.compile_plan`).

    The lowest layer that can both read media and compile: the plan stays pure.

    Raises:
        ProjectError: invalid fields or timeline, every problem listed.
        MediaError: missing or unusable media, every file listed with its clip.
    """
    project.validate_all()
    media, cues = gather(project)
    return compile_plan(project, media, cues)
