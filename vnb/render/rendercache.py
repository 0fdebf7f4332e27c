"""The render cache: a second request for the same content and settings copies the first output.

The key covers the project's JSON, the identity (path, size, modification time) of every file
it names (sources, subtitle files, font files), the hash of every WASM or Python effect it
uses, the resolved export settings, the ffmpeg binary and its version, and vnb's version. The
value names the earlier output and its identity; if that file is gone or changed, the request
renders again. A hit hard-links the earlier output to the new target where the filesystem
allows (both names then share one file; vnb never writes into a finished output, it always
renames a new file over it), else copies it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vnb import telemetry
from vnb.ffmpeg.outputs import check_output, check_target, part_name
from vnb.fileio import atomic_output
from vnb.render.export import RenderResult, render

if TYPE_CHECKING:
    from vnb.schema import Project
    from vnb.schema.export import ExportSettings

__all__: list[str] = []  # internal: used only inside its own package

_KEY_VERSION = 1
_FILE_KEYS = frozenset({"source", "file", "font", "path"})
_RUN_OPTIONS = frozenset({"on_progress", "cancel", "timeout", "progress_bar", "smart"})


def snapshot(project: Project) -> Project:
    """A detached copy of ``project`` (same base folder): later edits do not reach the copy."""
    copy = type(project).model_validate_json(project.model_dump_json())
    copy._base_dir = project.base_dir  # resolved now: the current folder may change later
    copy._file = project.file
    return copy


def _files(value: Any, base: Path, key: str = "") -> list[Any]:
    """The identities of every file the project names (sources, subtitles, fonts)."""
    from vnb.cache import source_identity  # noqa: PLC0415

    if isinstance(value, dict):
        return [x for k, v in sorted(value.items()) for x in _files(v, base, str(k))]
    if isinstance(value, list):
        return [x for v in value for x in _files(v, base, key)]
    if key in _FILE_KEYS and isinstance(value, str) and value:
        path = base / value
        if path.is_file():
            return [source_identity(path)]
        return [(key, value)]
    return []


def _custom_effects(project: Project) -> list[tuple[str, str | None]]:
    """Each WASM or Python effect's name and module hash: a changed plugin renders again."""
    try:
        from vnb.effects.custom import implementation, is_custom  # noqa: PLC0415
    except ImportError:
        return []
    out: list[tuple[str, str | None]] = []
    for track in project.tracks:
        for clip in track.clips:
            for effect in clip.effects:
                if is_custom(effect.name):
                    try:
                        out.append((effect.name, str(implementation(effect.name).identity)))
                    except Exception:  # not loaded: the render itself will say so
                        out.append((effect.name, None))
    return out


def _settings(
    project: Project,
    preset: str | None,
    output: str | os.PathLike[str] | None,
    options: dict[str, Any],
) -> ExportSettings:
    """The export settings a render with these options writes."""
    from vnb.schema.export import resolve_export  # noqa: PLC0415

    settings = {k: v for k, v in options.items() if k not in _RUN_OPTIONS}
    return resolve_export(project.export, preset, output=output, **settings)


def render_key(
    project: Project,
    preset: str | None = None,
    *,
    output: str | os.PathLike[str] | None = None,
    **overrides: Any,
) -> str:
    """The render cache's key: project content, the files it names, settings, ffmpeg, vnb.

    With ``output``, the settings are those its extension chooses (`resolve_export`).

    Raises:
        ProjectError: A bad preset or override.
        FFmpegNotFoundError: No ffmpeg.
    """
    from vnb import cache  # noqa: PLC0415
    from vnb._version import __version__  # noqa: PLC0415
    from vnb.ffmpeg.binary import ffmpeg_version, find_ffmpeg  # noqa: PLC0415

    export = _settings(project, preset, output, overrides)
    exe = find_ffmpeg()
    doc = project.model_dump(mode="json")
    return cache.make_key(
        "vnb.render-output",
        _KEY_VERSION,
        __version__,
        project.model_dump_json(),
        _files(doc, project.base_dir),
        _custom_effects(project),
        export.model_dump_json(),
        (exe, ffmpeg_version(exe)),
        *(() if overrides.get("smart", True) else ("not smart",)),  # smart=False re-encodes all
    )


def _well_formed(entry: Any) -> bool:
    """Tell whether ``entry`` is a record `cached_render` wrote (a damaged one is not)."""
    if not isinstance(entry, dict):
        return False
    path, identity = entry.get("path"), entry.get("identity")
    result, command = entry.get("result"), entry.get("command")
    return (
        isinstance(path, str)
        and bool(path)
        and "\0" not in path
        and isinstance(identity, list)
        and len(identity) == 3
        and isinstance(result, dict)
        and isinstance(result.get("note"), str)
        and isinstance(command, list)
        and all(isinstance(arg, str) for arg in command)
    )


def _materialize(source: Path, target: Path) -> None:
    """Make ``target`` a copy of ``source``: hard link if possible, else copy; atomically."""
    if target.exists() and target.samefile(source):
        return
    with atomic_output(target, temp=part_name(target)) as tmp:
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copy2(source, tmp)
        check_target(target)


def cached_render(
    project: Project,
    output: str | os.PathLike[str],
    preset: str | None = None,
    *,
    cache: bool = True,
    **options: Any,
) -> RenderResult:
    """`render`, unless the same content and settings were rendered before: then a copy.

    The earlier output must still be there unchanged (same size and modification time); it is
    hard-linked to ``output`` where the filesystem allows, else copied.

    Args:
        project: The edit.
        output: The file to write.
        preset: A named preset.
        cache: False renders regardless (and still records the output).
        **options: As for `render`.

    Returns:
        What was made; a result served from the cache says so in its ``note``.
    """
    from vnb import cache as store  # noqa: PLC0415
    from vnb.cache import source_identity  # noqa: PLC0415

    started = time.monotonic()
    check_output(project, output, folder_ok=True)  # what is at the target is safe
    if _settings(project, preset, output, options).container == "png":
        return render(project, output, preset, **options)  # frames are not kept in the cache
    check_output(project, output)  # also before a cache hit links the earlier output there
    key = render_key(project, preset, output=output, **options)
    target = Path(os.path.abspath(output))  # noqa: PTH100 - absolute without resolving links
    entry = store.get_json(key) if cache else None
    if entry is not None and not _well_formed(entry):
        store.discard(key, "not a render-cache record")  # render again; the result replaces it
        entry = None
    if entry is not None:
        earlier = Path(entry["path"])
        with contextlib.suppress(Exception):
            if list(source_identity(earlier)) == entry["identity"]:
                fields = {**entry["result"], "path": target, "command": tuple(entry["command"])}
                note = f"{fields['note']}; served from the render cache (a copy of {earlier})"
                hit = RenderResult(**{**fields, "note": note, "elapsed": 0.0})
                _materialize(earlier, target)
                telemetry.count("render.cache_hit")
                return replace(hit, elapsed=time.monotonic() - started)
    telemetry.count("render.cache_miss")
    result = render(project, output, preset, **options)
    fields = {k: v for k, v in asdict(result).items() if k not in ("path", "command")}
    store.put_json(
        key,
        {
            "path": str(result.path),
            "identity": list(source_identity(result.path)),
            "result": fields,
            "command": list(result.command),
        },
        tag=store.RENDERS,
    )
    return result
