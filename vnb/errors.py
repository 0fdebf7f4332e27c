"""The one error hierarchy of vnb: everything vnb raises on purpose is a `VnbError`.

Each error also inherits the matching builtin where one fits, so ``except ValueError`` and
``except FileNotFoundError`` keep working in user code.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "CacheError",
    "DetectionCancelledError",
    "DetectionError",
    "EffectError",
    "FFmpegNotFoundError",
    "FileAccessError",
    "LabError",
    "MediaError",
    "MediaNotFoundError",
    "PluginError",
    "ProjectError",
    "RenderCancelledError",
    "RenderError",
    "SchemaVersionError",
    "UnsupportedMediaError",
    "VnbError",
]


class VnbError(Exception):
    """Base class of every error vnb raises on purpose."""


class ProjectError(VnbError, ValueError):
    """A project document or an edit is invalid.

    The message names the file (when there is one) and the field path of every problem, e.g.
    ``demo.vnb.json: tracks[0].clips[2].duration: must be > 0``.
    """

    def __init__(self, problems: str | Sequence[str], *, file: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.file = file
        head = f"{file}: " if file else ""
        if len(self.problems) == 1:
            msg = head + self.problems[0]
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            msg = f"{head}{len(self.problems)} problems:\n{lines}"
        super().__init__(msg)


class SchemaVersionError(ProjectError):
    """The document's format version is newer than this vnb, or has no migration."""


class MediaError(VnbError):
    """A media file cannot be used."""


class MediaNotFoundError(MediaError, FileNotFoundError):
    """A media file does not exist or is not readable."""


class UnsupportedMediaError(MediaError, ValueError):
    """Not a local media file vnb accepts: URL, playlist, device, corrupt or unknown format."""


class FFmpegNotFoundError(VnbError, FileNotFoundError):
    """No ffmpeg binary was found."""


class RenderError(VnbError):
    """ffmpeg failed; the message carries the command and the last lines ffmpeg printed."""

    def __init__(
        self,
        message: str,
        *,
        argv: Sequence[str] = (),
        returncode: int | None = None,
        stderr_tail: str = "",
    ) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        full = message
        if stderr_tail:
            full += f"\nffmpeg said:\n{stderr_tail}"
        super().__init__(full)


class RenderCancelledError(RenderError):
    """The render was cancelled (by the user, a timeout or an interrupt)."""


class EffectError(VnbError, ValueError):
    """An unknown effect, or a parameter it does not take or cannot accept."""


class DetectionError(VnbError):
    """Object detection failed: a bad model file, an unknown output layout, a corrupt video.

    When the analysis of a video stops part-way, ``partial`` holds the detections made so far
    (a `vnb.detect.Detections`); otherwise it is None.
    """

    def __init__(self, message: str, *, partial: object = None) -> None:
        self.partial = partial
        super().__init__(message)


class DetectionCancelledError(DetectionError):
    """The analysis was cancelled; ``partial`` holds the detections made so far."""


class PluginError(EffectError):
    """A WASM or Python effect plugin failed: refused at load, trapped, timed out, raised.

    The message names the plugin and what happened; ``plugin`` holds its name. The process
    keeps running, and the next frame or render makes a fresh instance.
    """

    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        self.reason = message
        super().__init__(f"effect plugin {plugin!r}: {message}")


class CacheError(VnbError, OSError):
    """The cache's folder cannot be used (not a folder, not writable, a store not vnb's).

    The message names the folder and why. vnb then caches in memory; only ``vnb cache`` and
    `vnb.cache.check` raise this.
    """


class FileAccessError(VnbError):
    """A user's file cannot be read or written: missing, not a regular file, too large, no space.

    ``path`` is the file's name as given, ``reason`` the short explanation (without the
    name), so callers can re-raise it as their own error class.
    """

    def __init__(self, what: str, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{what} {path}: {reason}")


class LabError(VnbError):
    """JupyterLab is missing, cannot start, or does not serve the tutorials (``vnb lab``)."""


class ArgumentError(VnbError, ValueError):
    """A call got a value it cannot use: out of range, unknown, or at odds with another one.

    The message names the argument or field (and the file, when there is one).
    """


class ArgumentTypeError(ArgumentError, TypeError):
    """A call got an argument of a type it cannot use, or a keyword it does not take."""
