"""Open local media files safely and describe them.

Every media file vnb reads goes through :func:`open_input`, which follows the "Opening media"
contract of the security notes: local regular files only, no URLs or pseudo-protocols, no
playlists or concat lists, a demuxer allowlist, and a bound on the frame size.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import itertools
import os
import re
import stat
import struct
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import NoReturn

import av
import av.container
import av.error

from vnb.errors import MediaError, MediaNotFoundError, UnsupportedMediaError, VnbError
from vnb.fileio import file_kind
from vnb.schema.media import (
    ALLOWED_FORMATS,
    IMAGE_FORMATS,
    AudioStreamInfo,
    MediaInfo,
    VideoStreamInfo,
)

__all__ = [
    "ALLOWED_FORMATS",
    "MediaInfo",
    "media_errors",
    "open_input",
    "probe",
    "resolve_media_path",
]

#: Largest accepted frame width and height, in pixels.
MAX_FRAME_SIZE = 8192

_ALLOWED_NAMES = frozenset(n for f in ALLOWED_FORMATS for n in f.split(","))
_OPEN_OPTIONS = {
    "protocol_whitelist": "file",
    "format_whitelist": ",".join(ALLOWED_FORMATS),
    # image2 would read "shot%03d.png" as a sequence pattern and open shot000.png instead.
    "pattern_type": "none",
}
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_DRIVE = re.compile(r"^[A-Za-z]:")
_SNIFF_BYTES = 4096
_HEAD_BYTES = 65536 + 4096  # a JPEG's frame header may follow ~64 KiB of EXIF
_JPEG_SOF = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
#: HLS/M3U, ffconcat, PLS and SMIL playlists, whatever the file is called.
_TEXT_LIST = re.compile(
    rb"(?:\xef\xbb\xbf)?\s*(#EXTM3U|ffconcat|\[playlist]|<smil|<\?xml.*?<smil)", re.I | re.S
)
_TIMING_PACKETS = 60  # frame timing is judged on the first 60 frames


def resolve_media_path(
    path: str | os.PathLike[str], base_dir: str | os.PathLike[str] | None = None
) -> Path:
    """Turn a media name into the absolute, resolved path of a readable local regular file.

    URLs and FFmpeg pseudo-protocols (``http:``, ``file:``, ``concat:``, ``pipe:``...), empty
    names and names with NUL are refused before the filesystem is touched.

    Args:
        path: The media name, absolute or relative to ``base_dir``.
        base_dir: Folder for relative names; the current directory by default.

    Raises:
        UnsupportedMediaError: A URL, protocol, empty or NUL name, or not a regular file.
        MediaNotFoundError: The file does not exist or is not readable.
    """
    name = os.fsdecode(path)
    if not name or "\0" in name:
        _refuse(repr(name), "empty media file name or NUL in it")
    if _SCHEME.match(name) and not _DRIVE.match(name):
        _refuse(repr(name), "URLs and protocols are not accepted, only local files")
    joined = (Path.cwd() if base_dir is None else Path(base_dir)) / name
    try:
        resolved = joined.resolve()
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError on a loop, 3.13 OSError
        _refuse(joined, "a symlink loop (too many levels of symbolic links)")
    _read_head(resolved, 0)
    return resolved


def open_input(
    path: str | os.PathLike[str], base_dir: str | os.PathLike[str] | None = None
) -> av.container.InputContainer:
    """Open a local media file with PyAV under vnb's allowlists; the caller closes it.

    Args:
        path: The media name, absolute or relative to ``base_dir``.
        base_dir: Folder for relative names; the current directory by default.

    Raises:
        UnsupportedMediaError: Refused by :func:`resolve_media_path`; a playlist or list; a
            demuxer not in ALLOWED_FORMATS; frames over MAX_FRAME_SIZE; unreadable data.
        MediaNotFoundError: The file does not exist or is not readable.
    """
    resolved = resolve_media_path(path, base_dir)
    head = _read_head(resolved, _HEAD_BYTES)
    listing = _TEXT_LIST.match(head[:_SNIFF_BYTES])
    if listing:  # the allowlist refuses these too; this says why, and without FFmpeg
        _refuse(resolved, f"a playlist or list file ({listing[1][:10]!r}), not a media file")
    try:
        container = av.open(str(resolved), mode="r", container_options=dict(_OPEN_OPTIONS))
    except av.error.FFmpegError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, av.error.ArgumentError):  # what a whitelist refusal looks like
            reason += " (format not allowed or not recognised)"
        _refuse(resolved, f"cannot open as media: {reason}")
    except _DAMAGE as exc:
        _refuse(resolved, f"cannot open as media: {type(exc).__name__}: {exc}")
    try:
        with media_errors(resolved, "open it as media"):
            _check_container(resolved, container, claimed_size(head))
    except BaseException:
        container.close()
        raise
    return container


def probe(
    path: str | os.PathLike[str], base_dir: str | os.PathLike[str] | None = None
) -> MediaInfo:
    """Describe a media file: format, duration, first video and first audio stream.

    Cached in-process by (path, size, mtime): an unchanged file gives the same object, unopened.

    Args:
        path: The media name, absolute or relative to ``base_dir``.
        base_dir: Folder for relative names; the current directory by default.

    Raises:
        UnsupportedMediaError: See :func:`open_input`.
        MediaNotFoundError: The file does not exist or is not readable.
    """
    resolved = resolve_media_path(path, base_dir)
    st = resolved.stat()
    return _probe_cached(str(resolved), st.st_size, st.st_mtime_ns)


_DAMAGE = (
    av.error.FFmpegError,
    ArithmeticError,
    AttributeError,
    EOFError,
    IndexError,
    struct.error,
    TypeError,
    ValueError,
)


@contextlib.contextmanager
def media_errors(path: object, doing: str) -> Iterator[None]:
    """Turn what damaged media makes PyAV raise into a `MediaError` naming the file.

    ``av.error.*``, and the ``ZeroDivisionError``, ``IndexError``, ``ValueError``... that
    impossible values in a damaged file cause, become ``MediaError("{path}: cannot {doing}:
    ...")``; vnb's own errors pass through unchanged.
    """
    try:
        yield
    except VnbError:
        raise
    except _DAMAGE as err:
        msg = f"{path}: cannot {doing}: {type(err).__name__}: {err} (damaged or unsupported file?)"
        raise MediaError(msg) from err


def _refuse(what: object, why: str, error: type[MediaError] = UnsupportedMediaError) -> NoReturn:
    """Raise ``error`` with a message naming the file and the reason."""
    msg = f"{what}: {why}"
    raise error(msg)


def _read_head(path: Path, size: int) -> bytes:
    """Check ``path`` is a readable regular file and return its first ``size`` bytes."""
    try:
        st = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            _refuse(path, "a symlink loop (too many levels of symbolic links)")
        why = "media file not found" if isinstance(exc, FileNotFoundError) else exc.strerror
        _refuse(path, why or "cannot access", MediaNotFoundError)
    if not stat.S_ISREG(st.st_mode):
        _refuse(path, f"{file_kind(st.st_mode)}, not a regular file")
    try:  # O_NONBLOCK: should it have become a FIFO meanwhile, the open must not hang
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        _refuse(path, f"cannot read media file: {exc.strerror}", MediaNotFoundError)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            _refuse(path, "not a regular file")
        return os.read(fd, size) if size else b""
    finally:
        os.close(fd)


def claimed_size(head: bytes) -> tuple[int, int] | None:
    """The picture size a PNG, GIF or JPEG header claims, or None (another format, or unsure).

    FFmpeg reports an image whose header claims more than it accepts as 0×0; this says what
    the file claims, so the refusal can name it.
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return width, height
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return width, height
    if head.startswith(b"\xff\xd8"):
        pos = 2
        while pos + 9 <= len(head) and head[pos] == 0xFF:
            marker = head[pos + 1]
            if marker == 0xFF:  # fill byte
                pos += 1
                continue
            if marker in _JPEG_SOF:
                height, width = struct.unpack(">HH", head[pos + 5 : pos + 9])
                return width, height
            if 0xD0 <= marker <= 0xD9 or marker == 0x01:  # markers without a length
                pos += 2
                continue
            pos += 2 + struct.unpack(">H", head[pos + 2 : pos + 4])[0]
    return None


def _check_size(path: Path, width: int, height: int, claimed: tuple[int, int] | None) -> None:
    """Refuse a frame over the bound, or one whose size is unknown (0×0), naming the size."""
    bound = f"{MAX_FRAME_SIZE}x{MAX_FRAME_SIZE}"
    if width > MAX_FRAME_SIZE or height > MAX_FRAME_SIZE:
        _refuse(path, f"frame size {width}x{height} exceeds {bound}")
    if claimed and (claimed[0] > MAX_FRAME_SIZE or claimed[1] > MAX_FRAME_SIZE):
        _refuse(path, f"the image claims {claimed[0]}x{claimed[1]} pixels, more than {bound}")
    if width <= 0 or height <= 0:
        said = f" (its header claims {claimed[0]}x{claimed[1]})" if claimed else ""
        _refuse(path, f"frame size unknown (reported as {width}x{height}){said}: damaged?")


def _check_container(
    path: Path, container: av.container.InputContainer, claimed: tuple[int, int] | None = None
) -> None:
    """Refuse a demuxer outside the allowlist or a frame larger than the bound."""
    if not _ALLOWED_NAMES.intersection(container.format.name.split(",")):
        _refuse(path, f"format {container.format.name!r} is not allowed")
    used = (*container.streams.video[:1], *container.streams.audio[:1])  # what vnb reads
    for stream in used:
        if stream.codec_context is None:
            _refuse(path, f"stream #{stream.index}: unknown codec (a damaged file?)")
    for stream in container.streams.video:
        if stream.codec_context is None:  # not the one vnb reads (refused above if it were)
            continue
        width, height = stream.codec_context.width or 0, stream.codec_context.height or 0
        if width > MAX_FRAME_SIZE or height > MAX_FRAME_SIZE or claimed is not None:
            _check_size(path, width, height, claimed)


@functools.lru_cache(maxsize=1024)
def _probe_cached(path: str, size: int, mtime_ns: int) -> MediaInfo:
    """Probe ``path``; ``size`` and ``mtime_ns`` are part of the cache key only."""
    with media_errors(path, "read it"), open_input(path) as container:
        fmt, streams = container.format.name, container.streams
        vstream = streams.video[0] if streams.video else None
        still = vstream is not None and (
            fmt in IMAGE_FORMATS or (fmt, vstream.frames) == ("gif", 1)
        )
        video = _video_info(container, vstream, still=still) if vstream else None
        audio = _audio_info(streams.audio[0]) if streams.audio else None
        known = [d for d in (video and video.duration, audio and audio.duration) if d]
        duration = (container.duration or 0) / av.time_base or max(known, default=0.0)
    return MediaInfo(
        path=path,
        size=size,
        mtime_ns=mtime_ns,
        format=fmt,
        duration=0.0 if still else duration,
        video=video,
        audio=audio,
        is_still=still,
    )


def _audio_info(stream: av.AudioStream) -> AudioStreamInfo:
    """Describe an audio stream."""
    cc = stream.codec_context
    return AudioStreamInfo(
        codec=cc.codec.canonical_name,
        channels=cc.channels,
        sample_rate=cc.sample_rate,
        duration=_stream_duration(stream),
    )


def _video_info(
    container: av.container.InputContainer, stream: av.VideoStream, *, still: bool
) -> VideoStreamInfo:
    """Describe a video stream, reading its first packets for frame timing and rotation."""
    rotation: float | None = None  # from the display matrix of the first frame
    stream.codec_context.thread_count = 1  # so the first frame comes out without delay
    pts: list[int] = []
    try:
        for count, packet in enumerate(container.demux(stream)):
            if packet.pts is not None:
                pts.append(packet.pts)
            if rotation is None and packet.size:
                rotation = next((frame.rotation for frame in packet.decode()), None)
            enough = len(pts) >= _TIMING_PACKETS + 12 and rotation is not None  # 12: reordering
            if enough or count >= 4 * _TIMING_PACKETS:
                break
    except av.error.FFmpegError:
        pass  # a damaged stream: judge by what was read
    pts = sorted(pts)[:_TIMING_PACKETS]  # presentation order
    deltas = [b - a for a, b in itertools.pairwise(pts)]
    avg, base = stream.average_rate, stream.base_rate
    if len(deltas) >= 2:
        variable = max(deltas) - min(deltas) > max(1, sorted(deltas)[len(deltas) // 2] * 0.02)
    else:
        variable = bool(avg and base and abs(avg - base) > avg / 100)
    rate = avg or stream.guessed_rate
    cc = stream.codec_context
    _check_size(Path(container.name), cc.width or 0, cc.height or 0, None)
    return VideoStreamInfo(
        width=cc.width,
        height=cc.height,
        fps=None if still or not rate else Fraction(rate.numerator, rate.denominator),
        variable_fps=variable and not still,
        codec=cc.codec.canonical_name,
        pix_fmt=cc.pix_fmt,
        rotation=int(round((rotation or 0) / 90) * 90 % 360),
        frames=1 if still else (stream.frames or None),
        duration=None if still else _stream_duration(stream),
    )


def _stream_duration(stream: av.stream.Stream) -> float | None:
    """Return a stream's duration in seconds, or None when the container does not say."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    try:  # Matroska keeps it in a tag: "00:00:02.000000000"
        hours, minutes, seconds = stream.metadata.get("DURATION", "").split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None
