"""Where a render may write: never over an input, the project or anything but a regular file.

Every render checks its target here before it starts: `check_output` refuses a target that is
one of the project's own files (a clip's source, a subtitle file, a font, the media its
detections came from, a pre-rendered intermediate, the project document), compared as files
(device and inode, after following links), not as names; and `check_target` refuses a target
that exists and is not a regular file (a folder, a device such as ``/dev/null``, a FIFO, a
socket, a symbolic link). `vnb.ffmpeg.run.run_ffmpeg` checks the kind again just before it renames
its finished file over the target.

ffmpeg writes to a hidden temporary file beside the target, named by `part_name`
(``.{name}.{pid}.{hex}.part``). A process killed outright leaves it behind; `sweep_parts`
deletes those whose process is gone, and nothing else. A process id means something only on
its own machine (and PID namespace): the first four hex digits tag the host and namespace that
made the file, and only files of this host are swept, so renders into a folder shared between
machines (a batch on a shared filesystem) never delete each other's files.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import secrets
import socket
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vnb.errors import RenderError, VnbError
from vnb.fileio import process_alive

if TYPE_CHECKING:
    from vnb.plan import Plan
    from vnb.schema import Project

__all__ = ["check_output", "check_target", "input_files", "part_name", "sweep_parts"]

_PART = re.compile(
    r"\.(?P<name>.+)\.(?P<pid>[1-9][0-9]{0,6})\.(?P<host>[0-9a-f]{4})[0-9a-f]{8}\.part"
)
"""The temporary name of a render in progress (`part_name`), and nothing else."""

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def check_target(target: Path) -> None:
    """Refuse ``target`` if it exists and is not a regular file (links are not followed).

    Raises:
        RenderError: ``target`` is a folder, a device, a FIFO, a socket or a symbolic link;
            nothing but a regular file is ever replaced by a render.
    """
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as err:
        msg = f"cannot render to {target}: {err.strerror or err}"
        raise RenderError(msg) from None
    if stat.S_ISREG(mode):
        return
    kind = next((what for test, what in _KINDS if test(mode)), "not a regular file")
    if kind == "a symbolic link":
        with contextlib.suppress(OSError):
            kind += f" (to {target.readlink()})"
        kind += "; render to the file it names, or remove the link"
    msg = f"cannot render to {target}: it is {kind}, and a render only replaces a regular file"
    raise RenderError(msg)


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def check_output(
    project: Project,
    output: str | os.PathLike[str],
    plan: Plan | None = None,
    *,
    folder_ok: bool = False,
) -> Path:
    """Check that rendering ``project`` to ``output`` destroys nothing; return the target.

    Args:
        project: the edit; its files (`input_files`) are protected.
        output: the file to write (relative to the current folder).
        plan: the compiled plan, whose sources (pre-rendered intermediates too) are
            protected as well.
        folder_ok: let ``output`` be an existing folder (a folder of PNG frames, which is
            filled with new files only).

    Returns:
        ``output`` made absolute (links are not resolved).

    Raises:
        RenderError: ``output`` is the same file as one the project reads (the message names
            the clip, title or subtitles that use it, or says it is the project's own file),
            or it exists and is not a regular file.
    """
    target = Path(os.path.abspath(output))  # noqa: PTH100 - absolute without resolving links
    try:
        mine = target.stat()  # follows links: a link to a source is that source
    except OSError:
        mine = None
    if mine is not None:
        used = input_files(project)
        if plan is not None:
            used += [
                (f"the source of clip {i.clip_id!r}", Path(i.source)) for i in _plan_items(plan)
            ]
        users: dict[str, Path] = {}
        seen: dict[Path, bool] = {}  # 2,000 clips of one source: one stat
        for what, path in used:
            if path not in seen:
                try:
                    seen[path] = _same(mine, path.stat())
                except (OSError, ValueError):
                    seen[path] = False
            if seen[path]:
                users.setdefault(what, path)
        if users:
            named = ", ".join(list(users)[:5]) + (", …" if len(users) > 5 else "")
            path = next(iter(users.values()))
            same = "" if Path(os.path.abspath(path)) == target else f" ({path})"  # noqa: PTH100
            msg = (
                f"cannot render to {target}: that file is {named}{same}; "
                "a render never replaces one of its project's inputs"
            )
            raise RenderError(msg)
    if not (folder_ok and target.is_dir() and not target.is_symlink()):
        check_target(target)
    return target


def _plan_items(plan: Plan) -> list[Any]:
    """The plan's video and audio items that read a file."""
    items = [i for layer in plan.layers for i in getattr(layer, "items", ())]
    items += [i for track in plan.audio for i in track.items]
    return [i for i in items if getattr(i, "clip_id", None) and getattr(i, "source", None)]


@functools.cache
def _host_tag() -> str:
    """Four hex digits naming this machine and PID namespace (where a process id is valid)."""
    namespace = ""
    with contextlib.suppress(OSError):
        namespace = str(os.stat("/proc/self/ns/pid").st_ino)  # noqa: PTH116
    return hashlib.sha256(f"{socket.gethostname()}|{namespace}".encode()).hexdigest()[:4]


def part_name(target: Path) -> Path:
    """A fresh temporary name beside ``target`` for this process: ``.{name}.{pid}.{hex}.part``.

    ``hex`` is this host's tag (4 digits) and 8 random ones.
    """
    tag = f"{_host_tag()}{secrets.token_hex(4)}"
    return target.with_name(f".{target.name}.{os.getpid()}.{tag}.part")


def sweep_parts(folder: Path) -> list[Path]:
    """Delete the temporary files of renders in ``folder`` whose process is gone.

    Only regular files named exactly as `part_name` makes them on this host, whose process
    id is not a live process, are deleted; everything else is left alone.

    Returns:
        The files deleted.
    """
    swept: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return swept
    for entry in entries:
        found = _PART.fullmatch(entry.name)
        if found is None or found["host"] != _host_tag() or process_alive(int(found["pid"])):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                path = Path(entry.path)
                path.unlink()
                swept.append(path)
    return swept


_FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


def _font_files(font: str | None, base: Path, *, bold: bool) -> list[Path]:
    """The files a title or subtitle font may be read from (as given, beside the project)."""
    from vnb.text.fonts import find_font  # noqa: PLC0415 - fontconfig only when needed

    out: list[Path] = []
    if font is not None and (font.lower().endswith(_FONT_SUFFIXES) or "/" in font):
        out += [base / Path(font).expanduser(), Path(font).expanduser()]
    with contextlib.suppress(VnbError, OSError, ValueError):
        out.append(find_font(font, bold=bold))
    return out


def input_files(project: Project) -> list[tuple[str, Path]]:
    """Every file ``project`` reads, each with what it is: ``("the source of clip 'c1'", path)``.

    Sources of clips (video and audio), subtitle files, the font files of titles and
    subtitles, the media that overlays and redactions were detected on, and the project's own
    document. Relative names are joined to the project's folder, as the render resolves them;
    paths are not resolved and need not exist (compare them with `os.path.samefile`).
    """
    base = project.base_dir
    out: list[tuple[str, Path]] = []
    for track in project.tracks:
        for clip in track.clips:
            if clip.source:
                out.append((f"the source of clip {clip.id!r}", base / clip.source))
        for subs in track.subtitles:
            if subs.file:
                out.append((f"the file of subtitles {subs.id!r}", base / subs.file))
            fonts = _font_files(subs.font, base, bold=False)
            out += [(f"the font of subtitles {subs.id!r}", f) for f in fonts]
        for title in track.titles:
            fonts = _font_files(title.font, base, bold=title.bold)
            out += [(f"the font of title {title.id!r}", f) for f in fonts]
    for n, overlay in enumerate(project.overlays):
        out.append((f"the media of overlay {n}'s detections", base / overlay.source))
    for n, redaction in enumerate(project.redactions):
        out.append((f"the media of redaction {n}'s detections", base / redaction.source))
    if project.file is not None:
        out.append(("the project's own file", Path(project.file)))
    return out
