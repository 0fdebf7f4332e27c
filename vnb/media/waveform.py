"""Waveform peaks of media files and of a project's clips, for drawing sound on the timeline.

A waveform is ``columns`` pairs ``(min, max)``: the extremes of the samples that fall into each
of ``columns`` equal slices of ``[start, end)``. Audio is decoded with PyAV and converted by
`av.AudioResampler` to planar 32-bit float at the source's rate and channel layout; the
``"mix"`` channel is then the *mean* of the channels. (swresample's own mono downmix adds the
channels at -3 dB each: a 0.9 peak on both channels became 1.27, beyond full scale.)

Peaks are stored in `vnb.cache`, keyed by the source's identity (path, size, mtime) and the
request, so an unchanged file is decoded once.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import av
import av.error
import numpy as np

from vnb import cache
from vnb.errors import ArgumentError, MediaError, UnsupportedMediaError
from vnb.media.probing import media_errors, open_input, probe, resolve_media_path

if TYPE_CHECKING:
    from vnb.schema import Project

__all__ = ["clip_waveforms"]

_log = logging.getLogger(__name__)
_KEY = "vnb.media.waveform/1"
_MAX_COLUMNS = 1_000_000


def peaks(
    path: str | os.PathLike[str],
    *,
    columns: int,
    start: float = 0.0,
    end: float | None = None,
    channel: Literal["mix"] | int = "mix",
) -> np.ndarray:
    """Return the per-column sample extremes of a file's first audio stream, cached.

    Args:
        path: The media file (absolute or relative to the current folder).
        columns: Number of columns, at least 1.
        start: Start of the span in source seconds.
        end: End of the span; ``None`` for the end of the source. Columns past the end of the
            sound are zero.
        channel: ``"mix"`` (the mean of all channels) or a channel index (0 is the left one).

    Returns:
        ``float32`` array of shape ``(columns, 2)``: ``[:, 0]`` the minimum and ``[:, 1]`` the
        maximum of each column, in ``[-1, 1]``. All zeros for a file without sound.

    Raises:
        ValueError: ``columns``, the span or ``channel`` make no sense (a channel index beyond
            the stream's channels included).
        UnsupportedMediaError: Not a media file vnb opens, or its audio cannot be decoded.
        MediaNotFoundError: The file does not exist or is not readable.
    """
    if not 1 <= columns <= _MAX_COLUMNS:
        msg = f"columns must be between 1 and {_MAX_COLUMNS}, not {columns!r}"
        raise ArgumentError(msg)
    if not (start >= 0 and (end is None or end > start)):
        msg = f"need 0 <= start < end, not start={start!r}, end={end!r}"
        raise ArgumentError(msg)
    if channel != "mix" and (isinstance(channel, bool) or not isinstance(channel, int)):
        msg = f"channel must be 'mix' or a channel index, not {channel!r}"
        raise ArgumentError(msg)
    resolved = resolve_media_path(path)
    span = (float(start), None if end is None else float(end))
    key = cache.make_key(_KEY, cache.source_identity(resolved), columns, span, channel)
    hit = cache.get_array(key)
    if hit is not None:
        return hit
    info = probe(resolved)
    if info.audio is None:
        result = np.zeros((columns, 2), np.float32)
    else:
        if isinstance(channel, int) and not 0 <= channel < info.audio.channels:
            msg = f"{resolved}: channel {channel} does not exist ({info.audio.channels} channels)"
            raise ArgumentError(msg)
        stop = end if end is not None else (info.audio.duration or info.duration)
        with media_errors(resolved, "decode the audio"):
            result = _decode_peaks(resolved, columns, float(start), float(stop or start), channel)
    cache.put_array(key, result)
    return result


def _decode_peaks(
    path: Path, columns: int, start: float, end: float, channel: Literal["mix"] | int
) -> np.ndarray:
    """Decode ``[start, end)`` of the first audio stream and reduce it to column extremes."""
    lows = np.full(columns, np.inf, np.float32)
    highs = np.full(columns, -np.inf, np.float32)
    if end <= start:
        return np.zeros((columns, 2), np.float32)
    with open_input(path) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        resampler = av.AudioResampler(format="fltp", layout=stream.codec_context.layout, rate=rate)
        origin = float((stream.start_time or 0) * stream.time_base) if stream.time_base else 0.0
        per_second = columns / (end - start)
        clock: float | None = None  # source time of the next sample
        try:
            if start > 0 and stream.time_base:
                container.seek(int((start + origin) / stream.time_base), stream=stream)
            for frame in container.decode(stream):
                if frame.time is not None:
                    clock = frame.time - origin
                elif clock is None:
                    clock = 0.0
                if clock >= end:
                    break
                for out in resampler.resample(frame):
                    planes = out.to_ndarray()
                    samples = planes.mean(axis=0) if channel == "mix" else planes[channel]
                    times = clock + np.arange(samples.size) / rate
                    clock += samples.size / rate
                    _accumulate(lows, highs, samples, (times - start) * per_second)
        except av.error.FFmpegError as err:
            if clock is None:
                msg = f"{path}: cannot decode the audio: {err}"
                raise UnsupportedMediaError(msg) from err
            _log.warning("%s: audio decoding stopped at %.3f s: %s", path, clock, err)
    empty = ~np.isfinite(lows)
    lows[empty], highs[empty] = 0.0, 0.0
    return np.clip(np.stack([lows, highs], axis=1), -1.0, 1.0)


def _accumulate(lows: np.ndarray, highs: np.ndarray, samples: np.ndarray, pos: np.ndarray) -> None:
    """Fold ``samples`` at fractional column positions ``pos`` (ascending) into the extremes."""
    cols = np.floor(pos).astype(np.int64)
    keep = (cols >= 0) & (cols < lows.size)
    if not keep.any():
        return
    cols, samples = cols[keep], samples[keep].astype(np.float32, copy=False)
    firsts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
    which = cols[firsts]
    lows[which] = np.minimum(lows[which], np.minimum.reduceat(samples, firsts))
    highs[which] = np.maximum(highs[which], np.maximum.reduceat(samples, firsts))


_Job = tuple[Path, int, float, float]
"""One waveform to compute: (source, columns, first second, last second)."""


def _waveform_jobs(
    project: Project, columns_per_second: float
) -> dict[_Job, list[tuple[str, float]]]:
    """The waveforms the project's clips with sound need, each with its (clip id, gain) users."""
    jobs: dict[_Job, list[tuple[str, float]]] = {}
    for track in project.tracks:
        for clip in track.clips:
            if clip.source is None:
                continue
            try:
                info = probe(clip.source, base_dir=project.base_dir)
            except MediaError as err:
                _log.warning("clip %r: no waveform: %s", clip.id, err)
                continue
            if info.audio is None or info.is_still:
                continue
            columns = max(1, round(clip.duration * columns_per_second))
            first, last = clip.source_range()
            gain = 0.0 if clip.muted else clip.volume
            job = (Path(info.path), columns, float(first), float(last))
            jobs.setdefault(job, []).append((clip.id, gain))
    return jobs


def clip_waveforms(
    project: Project, *, columns_per_second: float = 100, workers: int | None = None
) -> dict[str, np.ndarray]:
    """Return the waveform of every clip with sound, its volume applied, computed in parallel.

    A clip's waveform covers its `source_range` in ``round(duration * columns_per_second)``
    columns (at least 1), so columns line up with the timeline whatever the clip's speed. Peaks
    are multiplied by the clip's ``volume`` (0 when ``muted``) and clipped to ``[-1, 1]``.
    Colour clips, stills and sources without audio are left out, and so are clips whose media is
    missing or unusable (logged as a warning).

    Args:
        project: The project (relative sources resolve against its folder).
        columns_per_second: Columns per second of timeline.
        workers: Number of threads; ``None`` for one per CPU (at most one per request).

    Returns:
        ``{clip id: float32 array (columns, 2)}``.

    Raises:
        ValueError: ``columns_per_second`` is not positive.
    """
    if not columns_per_second > 0:
        msg = f"columns_per_second must be positive, not {columns_per_second!r}"
        raise ArgumentError(msg)
    jobs = _waveform_jobs(project, columns_per_second)
    if not jobs:
        return {}
    threads = max(1, min(len(jobs), workers or os.cpu_count() or 2))

    def work(job: _Job) -> np.ndarray | None:
        try:
            return peaks(job[0], columns=job[1], start=job[2], end=job[3])
        except MediaError as err:
            _log.warning("clips %s: no waveform: %s", [c for c, _ in jobs[job]], err)
            return None

    result: dict[str, np.ndarray] = {}
    with ThreadPoolExecutor(threads, thread_name_prefix="vnb-waves") as pool:
        for job, wave in zip(jobs, pool.map(work, jobs), strict=True):
            if wave is None:
                continue
            for clip_id, gain in jobs[job]:
                result[clip_id] = np.clip(wave * np.float32(gain), -1.0, 1.0)
    return result
