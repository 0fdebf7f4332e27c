"""Numbered PNG frames as a render output: where they go, and how they appear whole.

ffmpeg writes the frames as one stream of PNG images (the ``image2pipe`` muxer) into a hidden
staging folder next to the destination, through `run_ffmpeg` like any render (progress,
cancel, timeout). The stream is then split into numbered files in that staging folder and the
files are moved into place: a new folder appears by one rename; into an existing folder each
file is hard-linked under its final name, which fails rather than replaces a file that is
already there (every file placed is removed again if one fails). Nothing that was at the
destination before is ever replaced.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vnb.errors import RenderError

__all__: list[str] = []  # internal: used only inside its own package

FOLDER_PATTERN = "frame_%05d.png"
"""The file names of frames written into a new folder (numbered from 1)."""


@dataclass(frozen=True, slots=True)
class Frames:
    """Where a PNG sequence goes."""

    folder: Path
    """The folder that holds the frames."""
    pattern: str
    """Their names, with one ``%05d``-style number (the first frame is 1)."""
    new_folder: bool
    """The render makes ``folder`` (it must not exist), rather than adding files to it."""

    @property
    def path(self) -> Path:
        """What the render result names: the new folder, or ``folder/pattern``."""
        return self.folder if self.new_folder else self.folder / self.pattern

    def name(self, number: int) -> str:
        """The file name of frame ``number`` (from 1)."""
        return self.pattern % number

    def check_free(self, count: int) -> None:
        """Refuse before rendering when a frame's name or the new folder is taken.

        Raises:
            RenderError: naming the folder or the first file in the way.
        """
        if self.new_folder:
            if not self.folder.parent.is_dir():
                msg = f"output folder does not exist: {self.folder.parent}"
                raise RenderError(msg)
            if os.path.lexists(self.folder):
                msg = (
                    f"{self.folder} already exists: frames go into a new folder, or use a "
                    f"pattern such as {self.folder / FOLDER_PATTERN} to add them to it "
                    "(vnb never replaces a file)"
                )
                raise RenderError(msg)
            return
        if not self.folder.is_dir():
            msg = f"output folder does not exist: {self.folder}"
            raise RenderError(msg)
        taken = {p.name for p in self.folder.iterdir()}
        clash = next((n for n in range(1, count + 1) if self.name(n) in taken), None)
        if clash is not None:
            msg = (
                f"{self.folder / self.name(clash)} already exists: vnb never replaces a file; "
                "choose another pattern or folder"
            )
            raise RenderError(msg)

    @contextlib.contextmanager
    def staging(self) -> Iterator[Path]:
        """A new hidden folder beside the destination, removed on the way out."""
        parent = self.folder.parent if self.new_folder else self.folder
        base = self.folder.name if self.new_folder else self.pattern.replace("%", "")
        staged = parent / f".{base}.{secrets.token_hex(6)}.part"
        try:
            staged.mkdir()
        except OSError as exc:
            msg = f"cannot create a folder in {parent}: {exc}"
            raise RenderError(msg) from exc
        try:
            yield staged
        finally:
            if staged.is_dir() and not staged.is_symlink():
                shutil.rmtree(staged, ignore_errors=True)

    def split(self, stream: Path, into: Path) -> int:
        """Write each PNG image of ``stream`` to ``into`` under its numbered name; how many.

        Raises:
            RenderError: the stream cannot be read back.
        """
        import av  # noqa: PLC0415

        count = 0
        try:
            with av.open(str(stream), format="png_pipe") as container:
                for packet in container.demux(video=0):
                    if packet.size:
                        count += 1
                        (into / self.name(count)).write_bytes(bytes(packet))
        except av.error.FFmpegError as err:
            msg = f"the rendered frames cannot be read back: {err}"
            raise RenderError(msg) from err
        return count

    def publish(self, staged: Path, count: int) -> None:
        """Move the ``count`` frames in ``staged`` to their destination, replacing nothing.

        Raises:
            RenderError: the destination was taken meanwhile (nothing of this render is left).
        """
        if self.new_folder:
            if os.path.lexists(self.folder):
                msg = f"{self.folder} appeared during the render; the frames were not kept"
                raise RenderError(msg)
            staged.rename(self.folder)
            return
        placed: list[Path] = []
        try:
            for n in range(1, count + 1):
                source, target = staged / self.name(n), self.folder / self.name(n)
                try:
                    os.link(source, target)  # fails if target exists: never replaces
                except FileExistsError:
                    raise
                except OSError:  # no hard links here: check, then rename
                    if os.path.lexists(target):
                        raise FileExistsError(target) from None
                    source.rename(target)
                placed.append(target)
        except FileExistsError as exc:
            for path in placed:
                path.unlink(missing_ok=True)
            msg = f"{exc.filename or exc} appeared during the render; the frames were not kept"
            raise RenderError(msg) from None
        except BaseException:
            for path in placed:
                path.unlink(missing_ok=True)
            raise


def frames_target(output: str | os.PathLike[str]) -> Frames:
    """Where a PNG-sequence ``output`` puts its frames.

    A name with a ``.png`` extension is a pattern in an existing folder
    (``shots/take_%05d.png``); any other name (``frames/``, ``frames``) is a new folder that
    receives `FOLDER_PATTERN` files.
    """
    text = os.fspath(output)
    path = Path(os.path.abspath(text))  # noqa: PTH100 - absolute without resolving links
    if path.suffix.lower() == ".png" and not text.endswith(("/", os.sep)):
        return Frames(path.parent, path.name, new_folder=False)
    return Frames(path, FOLDER_PATTERN, new_folder=True)
