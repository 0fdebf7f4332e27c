"""Thumbnail strips of media files and of a project's clips, for the timeline.

A strip is ``count`` small pictures at the centres of ``count`` equal slices of
``[start, end)``. Each is the *keyframe at or before* its time, not the exact frame there: the
decoder skips all other frames (``skip_frame="NONKEY"``), so a thumbnail costs one decoded
frame, not up to a GOP. Ten thumbnails of 10 s of 720p GOP-60 H.264 took 57 ms this way and
787 ms decoding forward to the exact frames. On long GOPs neighbours may share a keyframe,
which is then decoded once.

When the file has a proxy (see `vnb.media.proxy`) and the thumbnails are no taller than it,
they are decoded from the proxy instead: every proxy frame is a keyframe, so they are then the
exact frames at those times, and each costs a fraction of a millisecond.

Strips are stored in `vnb.cache`, keyed by the source's identity (path, size, mtime) and the
request, so an unchanged file is decoded once.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av
import av.container
import av.error
import numpy as np

from vnb import cache
from vnb.errors import ArgumentError, FFmpegNotFoundError, MediaError, UnsupportedMediaError
from vnb.media.probing import media_errors, open_input, probe, resolve_media_path
from vnb.schema.color import parse_color

if TYPE_CHECKING:
    from vnb.schema import Clip, Project

__all__ = ["clip_thumbnails"]

_log = logging.getLogger(__name__)
_KEY = "vnb.media.thumbnails/1"
_MAX_COUNT = 10_000
_MAX_HEIGHT = 4320


def even_width(height: int, aspect: float) -> int:
    """Return the even width (at least 2) of a picture ``height`` tall with display ``aspect``."""
    return max(2, round(height * aspect / 2) * 2)


def display_aspect(stream: av.VideoStream) -> Fraction:
    """Return the display aspect ratio of a video stream's coded frames (before rotation)."""
    cc = stream.codec_context
    sar = stream.sample_aspect_ratio or cc.sample_aspect_ratio
    sar = Fraction(sar.numerator, sar.denominator) if sar and sar > 0 else Fraction(1)
    return sar * cc.width / cc.height


def _check_request(count: int, height: int, start: float, end: float | None) -> None:
    """Refuse nonsensical strip requests with a `ValueError`."""
    if not (1 <= count <= _MAX_COUNT and 2 <= height <= _MAX_HEIGHT):
        msg = f"need 1 <= count <= {_MAX_COUNT}, 2 <= height <= {_MAX_HEIGHT}: {count}, {height}"
        raise ArgumentError(msg)
    if not (start >= 0 and (end is None or end > start)):
        msg = f"need 0 <= start < end, not start={start!r}, end={end!r}"
        raise ArgumentError(msg)


def thumbnails(
    path: str | os.PathLike[str],
    *,
    count: int,
    height: int = 72,
    start: float = 0.0,
    end: float | None = None,
) -> np.ndarray:
    """Return a strip of ``count`` thumbnails of a video (or still image), cached.

    Thumbnail ``i`` shows the keyframe at or before the centre of slice ``i`` of
    ``[start, end)``. Pictures are turned upright (the display rotation is applied) and sized
    from the display aspect ratio (sample aspect ratio included) to ``height`` pixels high and
    an even width. A still image is repeated ``count`` times.

    Args:
        path: The media file (absolute or relative to the current folder).
        count: Number of thumbnails, at least 1.
        height: Height of each thumbnail in pixels.
        start: Start of the span in source seconds.
        end: End of the span; ``None`` (or beyond the end) for the end of the source.

    Returns:
        ``uint8`` array of shape ``(count, height, width, 3)``, RGB.

    Raises:
        ValueError: ``count``, ``height`` or the span make no sense.
        UnsupportedMediaError: Not a media file vnb opens, or it has no video.
        MediaNotFoundError: The file does not exist or is not readable.
    """
    _check_request(count, height, start, end)
    resolved = resolve_media_path(path)
    span = (float(start), None if end is None else float(end))
    key = cache.make_key(_KEY, cache.source_identity(resolved), count, height, span)
    hit = cache.get_array(key)
    if hit is not None:
        return hit
    info = probe(resolved)
    if info.video is None:
        msg = f"{resolved}: no video stream to make thumbnails of"
        raise UnsupportedMediaError(msg)
    stop = info.duration if end is None or not info.duration else min(end, info.duration)
    stop = stop if stop > start else start + 1e-3
    times = start + (np.arange(count) + 0.5) * ((stop - start) / count)  # the slices' centres
    proxy = None if info.is_still else _proxy_of(resolved, height)
    with media_errors(proxy or resolved, "make thumbnails"):
        strip = _decode_strip(
            proxy or resolved, times, height, info.video.rotation, still=info.is_still
        )
    cache.put_array(key, strip)
    return strip


def _proxy_of(path: Path, height: int) -> Path | None:
    """Return the proxy of ``path`` if one exists at least ``height`` high (None without ffmpeg)."""
    from vnb.media.proxy import PROXY_HEIGHT, get_proxy  # noqa: PLC0415 - it imports this module

    try:
        return get_proxy(path) if height <= PROXY_HEIGHT else None
    except FFmpegNotFoundError:  # which codec proxies use depends on the binary
        return None


def _decode_strip(
    path: Path, times: np.ndarray, height: int, rotation: int, *, still: bool
) -> np.ndarray:
    """Decode the keyframe at or before each of ``times``, upright and ``height`` high."""
    with open_input(path) as container:
        stream = container.streams.video[0]
        aspect = float(display_aspect(stream)) ** (-1 if rotation in (90, 270) else 1)
        width = even_width(height, aspect)
        # Decode in coded orientation at the size that is (width, height) once rotated.
        size = (height, width) if rotation in (90, 270) else (width, height)
        stream.codec_context.skip_frame = "NONKEY"

        def picture(frame: av.VideoFrame) -> np.ndarray:
            small = frame.reformat(
                width=size[0], height=size[1], format="rgb24", interpolation="AREA"
            )
            return np.rot90(small.to_ndarray(), rotation // 90)

        if still:
            first = next(container.decode(stream), None)
            if first is None:
                msg = f"{path}: the image has no picture to decode"
                raise UnsupportedMediaError(msg)
            return np.repeat(picture(first)[None], len(times), axis=0)
        out = np.zeros((len(times), height, width, 3), np.uint8)
        last: np.ndarray | None = None
        seen: dict[int, np.ndarray] = {}
        for i, t in enumerate(times):
            try:
                pic = _keyframe_before(container, stream, float(t), seen, picture)
            except av.error.FFmpegError as err:
                _log.debug("%s: no thumbnail at %.3f s: %s", path, t, err)
                pic = None
            last = last if pic is None else pic
            if last is not None:
                out[i] = last
        return out


def _keyframe_before(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    t: float,
    seen: dict[int, np.ndarray],
    picture: Callable[[av.VideoFrame], np.ndarray],
) -> np.ndarray | None:
    """Return the picture of the keyframe at or before ``t`` s from the stream's start.

    MP4 and Matroska land on it at the first seek. Demuxers that seek by bisecting timestamps
    (MPEG-TS) may land after it, and the decoder then skips to the next keyframe; so when the
    frame found is late, seek again from further back. Without any keyframe at or before
    ``t``, the first one after it is returned. Keyframes already in ``seen`` (by pts) are not
    decoded again: on a long GOP neighbouring thumbnails often share one.
    """
    tb = stream.time_base
    origin = float((stream.start_time or 0) * tb) if tb else 0.0
    late: np.ndarray | None = None
    for back in (0.0, 1.0, 3.0, 7.0, math.inf):
        target = max(0.0, t - back)
        if tb:
            container.seek(int((target + origin) / tb), stream=stream, backward=True)
        pts, frame = _next_keyframe(container, stream, seen)
        pic = seen.get(pts) if frame is None and pts is not None else None
        if frame is not None:
            pic = picture(frame)
            seen.update({} if pts is None else {pts: pic})
        if pic is not None and (pts is None or not tb or float(pts * tb) - origin <= t + 1e-3):
            return pic
        late = pic if late is None else late
        if target == 0.0 or not tb:
            break
    return late


def _next_keyframe(
    container: av.container.InputContainer, stream: av.VideoStream, seen: dict[int, np.ndarray]
) -> tuple[int | None, av.VideoFrame | None]:
    """Return the pts of the next keyframe and the frame, or ``(pts, None)`` if in ``seen``."""
    for packet in container.demux(stream):
        if packet.is_keyframe and packet.pts is not None and packet.pts in seen:
            return packet.pts, None
        for frame in packet.decode():  # the decoder skips all but keyframes
            return frame.pts, frame
    for frame in stream.decode(None):  # at the end of the file, what the decoder still holds
        return frame.pts, frame
    return None, None


def _clip_list(project: Project, clips: Iterable[Clip | str] | None) -> list[Clip]:
    """Return the project's clips named by object or id (all clips when ``None``)."""
    every = {c.id: c for t in project.tracks for c in t.clips}
    if clips is None:
        return list(every.values())
    missing = [c for c in clips if isinstance(c, str) and c not in every]
    if missing:
        msg = f"no clip with id {missing[0]!r} in the project"
        raise KeyError(msg)
    return [every[c] if isinstance(c, str) else c for c in clips]


def clip_thumbnails(
    project: Project,
    clips: Iterable[Clip | str] | None = None,
    *,
    count: int = 8,
    height: int = 72,
    workers: int | None = None,
) -> dict[str, np.ndarray]:
    """Return a thumbnail strip for each clip, computed in parallel (one thread per source).

    Video clips show their `source_range`; still images are the image repeated; colour clips a
    solid strip as wide as the project's aspect ratio makes it. Clips whose source has no video
    (sound files) are left out, and so are clips whose media is missing or unusable (logged as
    a warning): a timeline keeps drawing while a file is away.

    Args:
        project: The project the clips belong to (relative sources resolve against its folder).
        clips: Clips or clip ids; ``None`` for every clip of every track.
        count: Thumbnails per clip.
        height: Height of each thumbnail in pixels.
        workers: Number of threads; ``None`` for one per CPU (at most one per source).

    Returns:
        ``{clip id: uint8 array (count, height, width, 3)}``.

    Raises:
        KeyError: An id in ``clips`` is not a clip of the project.
        ValueError: ``count`` or ``height`` make no sense.
    """
    _check_request(count, height, 0.0, None)
    result: dict[str, np.ndarray] = {}
    jobs: dict[tuple[Path, float, float], list[str]] = {}
    base = project.base_dir
    for clip in _clip_list(project, clips):
        if clip.source is None:
            r, g, b, _ = parse_color(clip.color or "black")
            width = even_width(height, project.width / project.height)
            result[clip.id] = np.full((count, height, width, 3), (r, g, b), np.uint8)
            continue
        try:
            info = probe(clip.source, base_dir=base)
        except MediaError as err:
            _log.warning("clip %r: no thumbnails: %s", clip.id, err)
            continue
        if info.video is None:
            continue
        span = (0.0, 1.0) if info.is_still else clip.source_range()
        jobs.setdefault((Path(info.path), float(span[0]), float(span[1])), []).append(clip.id)
    if not jobs:
        return result
    threads = max(1, min(len(jobs), workers or os.cpu_count() or 2))

    def work(job: tuple[Path, float, float]) -> np.ndarray | None:
        try:
            return thumbnails(job[0], count=count, height=height, start=job[1], end=job[2])
        except MediaError as err:
            _log.warning("clips %s: no thumbnails: %s", ", ".join(map(repr, jobs[job])), err)
            return None

    with ThreadPoolExecutor(threads, thread_name_prefix="vnb-thumbs") as pool:
        for job, strip in zip(jobs, pool.map(work, jobs), strict=True):
            if strip is not None:
                result.update(dict.fromkeys(jobs[job], strip))
    return result
