"""Smart render: stream-copy the untouched stretches of H.264 sources, re-encode only the cuts.

A cuts-only edit shows each source frame as it is. Where a clip's span contains whole GOPs of
its source (from an IDR frame to a point where every frame shown so far has been decoded), those
packets are copied byte for byte; only the frames before the first such IDR (the head) and after
the last clean end (the tail) are re-encoded with libx264, each run starting with an IDR frame.

The decision is pure and lives in `vnb.plan.smart` (`smart_plan` over a `Plan` and the sources'
`SourceIndex`). This module is the edge: `source_index` (`vnb.render.h264`) reads packets with
PyAV (cached per source identity) and `render_smart` runs ffmpeg for the encoded runs and the
sound, writes the video with PyAV and muxes everything into the target with `run_ffmpeg`
(atomic, cancellable).

The copied packets keep the source's SPS/PPS (ids from its ``avcC``); the re-encoded runs use
x264's ``sps-id`` to pick ids the source does not use, carry their parameter sets in-band on each
run's first frame, and the output ``avcC`` lists both sets, so any H.264 decoder finds every
parameter set it needs.
"""

from __future__ import annotations

import contextlib
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from vnb.errors import MediaError, RenderCancelledError, RenderError
from vnb.ffmpeg.run import Progress, RunOptions, run_ffmpeg
from vnb.plan.smart import EncodeRun, SmartPlan, SourceIndex, Span
from vnb.render.h264 import (
    avcc_sets,
    in_band,
    merge_avcc,
    nal_types,
    used_ids,
)

if TYPE_CHECKING:
    import av

    from vnb.plan import Plan
    from vnb.schema.export import ExportSettings

__all__: list[str] = []  # internal: used only inside its own package

_BATCH_INPUTS = 12
"""Spans encoded by one ffmpeg process (each is one input with its own seek)."""
_POLL = 0.1
"""Seconds between looks at the cancel event while the sound finishes."""
_TICKS = 512
"""Output time-base ticks per frame."""


# -- the edge: rendering -----------------------------------------------------------------------


@dataclass
class _Steps:
    """Overall progress over several ffmpeg runs, each given a share of the work."""

    total: float
    on_progress: Callable[[Progress], None] | None
    frames: int
    """Frames of the whole output (progress reports frames and seconds of it)."""
    seconds: float
    done: float = 0.0
    started: float = 0.0
    best: float = 0.0
    cancel: threading.Event | None = None
    timeout: float | None = None
    """Wall-clock seconds for the whole smart render (each run gets what is left)."""

    def options(self, weight: float) -> RunOptions:
        """Options of the next ffmpeg run (``weight`` of the work): progress, cancel, time left.

        The inner runs show no bar of their own.
        """
        left = None if self.timeout is None else self.timeout - (time.monotonic() - self.started)
        if left is not None and left <= 0:
            msg = f"smart render stopped: timeout of {self.timeout:g} s expired"
            raise RenderCancelledError(msg)
        return RunOptions(self.part(weight), self.cancel, left, progress_bar=False)

    def part(self, weight: float) -> Callable[[Progress], None] | None:
        if self.on_progress is None:
            return None
        base, report = self.done, self.on_progress
        self.done += weight

        def relay(p: Progress) -> None:
            fraction = min(1.0, (base + weight * min(p.fraction, 1.0)) / self.total)
            if fraction < 1.0 and fraction >= self.best:
                self.best = fraction
                elapsed = time.monotonic() - self.started
                eta = elapsed * (1 - fraction) / fraction if fraction > 0 else None
                fps = fraction * self.frames / elapsed if elapsed > 0 else None
                speed = fraction * self.seconds / elapsed if elapsed > 0 else None
                seconds = fraction * self.seconds
                report(Progress(fraction, seconds, self.seconds, fps, speed, eta))

        return relay


def _encode_batch(  # noqa: PLR0917
    runs: Sequence[EncodeRun],
    indexes: dict[str, SourceIndex],
    export: ExportSettings,
    ids: int,
    target: Path,
    exe: str,
    run: RunOptions,
) -> None:
    """Re-encode ``runs`` one after another into ``target`` (MP4), an IDR at each run's start."""
    spans = [s for r in runs for s in r.spans]
    args: list[str] = []
    chains: list[str] = []
    for n, span in enumerate(spans):
        index = indexes[span.source]
        rate = index.rate
        t = float((index.pts(span.first) - index.first_pts) * index.time_base)
        t = max(0.0, t + float(index.first_pts * index.time_base) - index.start - 0.5 / rate)
        args += ["-ss", f"{t:.6f}", "-t", f"{float((span.frames + 2) / rate):.6f}"]
        args += ["-i", f"file:{span.source}"]
        chains.append(f"[{n}:v]trim=end_frame={span.frames},setpts=PTS-STARTPTS[v{n}]")
    labels = "".join(f"[v{n}]" for n in range(len(spans)))
    rate = indexes[spans[0].source].rate
    tail = f"concat=n={len(spans)}:v=1:a=0,settb={rate.denominator}/{rate.numerator},setpts=N[out]"
    graph = ";".join([*chains, labels + tail])
    starts, at = [], 0
    for r in runs:
        starts.append(at)
        at += r.frames
    keys = "+".join(f"eq(n,{s})" for s in starts)
    args += ["-filter_complex", graph, "-map", "[out]", "-frames:v", str(at)]
    args += ["-fps_mode", "passthrough", "-c:v", "libx264", "-preset", export.speed]
    args += ["-crf", str(export.crf), "-pix_fmt", "yuv420p", "-forced-idr", "1"]
    args += ["-force_key_frames", f"expr:{keys}", "-x264-params", f"sps-id={ids}"]
    run_ffmpeg(args, target, muxer="mp4", total_seconds=float(at / rate), exe=exe,
        on_progress=run.on_progress, cancel=run.cancel, timeout=run.timeout,
        progress_bar=run.progress_bar,
    )  # fmt: skip


def _fresh_id(indexes: dict[str, SourceIndex]) -> int:
    """An SPS/PPS id no source uses."""
    used: set[int] = set()
    for index in indexes.values():
        used |= used_ids(index.extradata)
    free = next((i for i in range(32) if i not in used), None)
    if free is None:
        msg = "the sources use every SPS id"
        raise RenderError(msg)
    return free


def _pts(packet: av.Packet, path: object) -> int:
    """The packet's timestamp; a packet without one is refused, naming ``path``."""
    if packet.pts is None:
        msg = f"{path}: a packet without a timestamp"
        raise MediaError(msg)
    return packet.pts


def _packets_of_runs(path: Path, runs: Sequence[EncodeRun]) -> tuple[bytes, list[Packets]]:
    """Read an encoded batch; split its packets (decode order) into one list per run."""
    import av  # noqa: PLC0415

    container = av.open(str(path))
    stream = container.streams.video[0]
    packets = [p for p in container.demux(stream) if p.size]
    extradata = bytes(stream.codec_context.extradata or b"")
    shown = sorted(_pts(p, path) for p in packets)
    order = {p: i for i, p in enumerate(shown)}
    if len(order) != sum(r.frames for r in runs) or len(packets) != len(order):
        msg = f"x264 wrote {len(packets)} frames for {sum(r.frames for r in runs)}"
        raise RenderError(msg)
    out, at = [], 0
    for r in runs:
        chunk = packets[at : at + r.frames]
        if sorted(order[_pts(p, path)] for p in chunk) != list(range(at, at + r.frames)):
            msg = "an encoded run is not closed (frames cross its start)"
            raise RenderError(msg)
        if not chunk[0].is_keyframe or 5 not in nal_types(bytes(chunk[0])):
            msg = "an encoded run does not start with an IDR frame"
            raise RenderError(msg)
        out.append([(order[_pts(p, path)] - at, bytes(p), p.is_keyframe) for p in chunk])
        at += r.frames
    container.close()  # the packets keep their own buffers
    return extradata, out


Packets = list[tuple[int, bytes, bool]]
"""(frame offset in the part, packet bytes, keyframe flag) in decode order."""


def _copied_packets(index: SourceIndex, span: Span) -> Packets:
    """The source's packets of frames ``span``, in decode order, byte for byte."""
    from vnb.media.probing import open_input  # noqa: PLC0415

    out: Packets = []
    with open_input(index.path) as container:
        stream = container.streams.video[0]
        container.seek(index.pts(span.first), stream=stream, backward=True, any_frame=False)
        taking = False
        for packet in container.demux(stream):
            if not packet.size:
                continue
            taking = taking or packet.pts == index.pts(span.first)
            if taking:
                k = (_pts(packet, index.path) - index.first_pts) // index.step - span.first
                out.append((k, bytes(packet), packet.is_keyframe))
                if len(out) == span.frames:
                    break
    if sorted(k for k, _, _ in out) != list(range(span.frames)):
        msg = f"{index.path}: packets of frames {span.first}..{span.end} are not whole GOPs"
        raise RenderError(msg)
    return out


def _write_video(  # noqa: PLR0917
    smart: SmartPlan,
    indexes: dict[str, SourceIndex],
    encoded: list[tuple[bytes, list[Packets]]],
    rate: Fraction,
    target: Path,
    cancel: threading.Event | None,
) -> None:
    """Write the video stream (copied and encoded packets, in order) to an MP4 with PyAV.

    A copied span from a source whose parameter sets differ from the ones last in force gets
    them in-band, in front of its first (IDR) packet, which otherwise stays as it was.
    Timestamps are renumbered: pts is the output frame number, dts the packet's position in
    decode order less the largest B-frame delay of any part, so dts never passes pts.
    """
    import av  # noqa: PLC0415

    runs = iter([run for _, batch in encoded for run in batch])
    leads = iter([in_band(e) for e, batch in encoded for _ in batch])
    first = next(indexes[p.source] for p in smart.parts if isinstance(p, Span))
    avcc = merge_avcc(first.extradata, [e for e, _ in encoded])
    active = avcc_sets(first.extradata)[:2]  # the sources' sets share ids: re-announce on change
    delay = max(
        [indexes[p.source].delay for p in smart.parts if isinstance(p, Span)]
        + [j - k for _, batch in encoded for run in batch for j, (k, _, _) in enumerate(run)]
    )
    tb = Fraction(rate.denominator, rate.numerator * _TICKS)
    frame = 0
    from vnb.media.probing import open_input  # noqa: PLC0415

    with open_input(first.path) as source, av.open(str(target), "w", format="mp4") as out:
        stream = out.add_stream_from_template(source.streams.video[0])  # parameters, no encoder
        stream.time_base = tb
        stream.codec_context.extradata = avcc
        for part in smart.parts:
            if cancel is not None and cancel.is_set():
                msg = "smart render was cancelled"
                raise RenderCancelledError(msg)
            if isinstance(part, Span):
                index = indexes[part.source]
                packets, lead = _copied_packets(index, part), b""
                if avcc_sets(index.extradata)[:2] != active:
                    lead, active = in_band(index.extradata), avcc_sets(index.extradata)[:2]
            else:
                packets, lead = next(runs), next(leads)
            for j, (k, data, key) in enumerate(packets):
                if j - k > delay:
                    msg = "a copied span reorders frames more than its source index says"
                    raise RenderError(msg)
                packet = av.Packet(lead + data if j == 0 else data)
                packet.is_keyframe = key
                packet.stream = stream
                packet.time_base = tb
                packet.pts = (frame + k) * _TICKS
                packet.dts = (frame + j - delay) * _TICKS
                packet.duration = _TICKS
                out.mux(packet)
            frame += len(packets)


def render_smart(
    plan: Plan,
    export: ExportSettings,
    smart: SmartPlan,
    indexes: dict[str, SourceIndex],
    output: str | os.PathLike[str],
    *,
    exe: str,
    sound: Callable[[Path, RunOptions], Path | None],
    check: Callable[[Path], None] | None,
    run: RunOptions,
) -> tuple[Path, tuple[str, ...]]:
    """Write ``plan`` to ``output`` as ``smart`` says: copy spans, encode runs, add the sound.

    Args:
        plan: the edit.
        export: its export settings (the encoded runs use its ``crf`` and ``speed``).
        smart: from `smart_plan`.
        indexes: the sources' indexes given to `smart_plan`.
        output: the file to make; it appears only when whole and checked.
        exe: the ffmpeg binary.
        sound: renders the edit's sound into a file in the given folder (with the given
            run options) and returns it, or returns None when the output has no sound.
        check: called on the finished temporary file before it is renamed.
        run: ``on_progress``, ``cancel``, ``timeout``, ``progress_bar`` as for `run_ffmpeg`.

    Returns:
        The output path and the last ffmpeg command (the mux).

    Raises:
        RenderError: ffmpeg or the muxing failed.
        RenderCancelledError: cancelled or timed out.
    """
    steps = _Steps(
        smart.encoded + 0.05 * smart.copied + 30,
        run.on_progress,
        plan.frames,
        max(plan.duration, 1e-3),
        started=time.monotonic(),
        cancel=run.cancel,
        timeout=run.timeout,
    )
    ids = _fresh_id(indexes)
    batches = _batches([p for p in smart.parts if isinstance(p, EncodeRun)])
    with (
        tempfile.TemporaryDirectory(prefix="vnb-smart-") as tmp,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="vnb-smart-sound") as pool,
    ):
        folder = Path(tmp)
        # The sound (one ffmpeg, mostly one core) renders while x264 encodes the runs.
        background = _start_sound(pool, sound, folder, steps)
        try:
            encoded = []
            for n, group in enumerate(batches):
                part = folder / f"runs{n}.mp4"
                encoded.append(_encode_runs(group, part, indexes, export, ids, exe, steps))
                background.report()
            audio = background.wait(steps.cancel)
        except BaseException:
            background.abandon()
            raise
        video = folder / "video.mp4"
        _write_video(smart, indexes, encoded, plan.fps, video, steps.cancel)
        args = _mux_args(video, audio, faststart=export.faststart)
        mux = steps.options(15 + 0.05 * smart.copied)
        path = run_ffmpeg(
            args,
            output,
            muxer="mp4",
            total_seconds=max(plan.duration, 1e-3),
            exe=exe,
            check=check,
            progress_bar=run.progress_bar,
            description=Path(output).name,
            on_progress=mux.on_progress,
            cancel=mux.cancel,
            timeout=mux.timeout,
        )
    if steps.on_progress is not None:
        steps.on_progress(Progress(1.0, plan.duration, plan.duration, None, None, 0.0))
    return path, (exe, *args)


def _encode_runs(  # noqa: PLR0917 - private, one caller
    group: Sequence[EncodeRun],
    path: Path,
    indexes: dict[str, SourceIndex],
    export: ExportSettings,
    ids: int,
    exe: str,
    steps: _Steps,
) -> tuple[bytes, list[Packets]]:
    """Encode one batch of runs into ``path``; its ``avcC`` and each run's packets."""
    weight = sum(r.frames for r in group)
    _encode_batch(group, indexes, export, ids, path, exe, steps.options(weight))
    return _packets_of_runs(path, group)


def _batches(runs: Sequence[EncodeRun]) -> list[list[EncodeRun]]:
    """Group the encoded runs, in order, at most `_BATCH_INPUTS` spans (inputs) per process."""
    batches: list[list[EncodeRun]] = [[]]
    for r in runs:
        if batches[-1] and sum(len(b.spans) for b in batches[-1]) + len(r.spans) > _BATCH_INPUTS:
            batches.append([])
        batches[-1].append(r)
    return [b for b in batches if b]


@dataclass(slots=True)
class _Sound:
    """The edit's sound, rendering in a worker thread; its progress relayed from this thread."""

    pending: Future[Path | None]
    stop: threading.Event
    heard: queue.SimpleQueue[Progress]
    relay: Callable[[Progress], None] | None

    def report(self) -> None:
        """Pass on the progress the sound's render reported so far, in order."""
        while not self.heard.empty():
            progress = self.heard.get()
            if self.relay is not None:
                self.relay(progress)

    def wait(self, cancel: threading.Event | None) -> Path | None:
        """The sound file (None: no sound) once rendered, reporting progress meanwhile."""
        while not self.pending.done():
            self.report()
            if cancel is not None and cancel.is_set():
                self.stop.set()
            with contextlib.suppress(FuturesTimeout):
                self.pending.result(timeout=_POLL)
        audio = self.pending.result()
        self.report()
        return audio

    def abandon(self) -> None:
        """Stop the sound's render and wait for it (its own error is dropped)."""
        self.stop.set()
        with contextlib.suppress(BaseException):
            self.pending.result()


def _start_sound(
    pool: ThreadPoolExecutor,
    sound: Callable[[Path, RunOptions], Path | None],
    folder: Path,
    steps: _Steps,
) -> _Sound:
    """Start rendering the sound into ``folder`` in ``pool``, stopped by its own event."""
    stop = threading.Event()
    options = steps.options(15)
    relay = options.on_progress
    heard: queue.SimpleQueue[Progress] = queue.SimpleQueue()
    # reported from this thread, in order
    options = replace(options, cancel=stop, on_progress=heard.put)
    return _Sound(pool.submit(sound, folder, options), stop, heard, relay)


def _mux_args(video: Path, audio: Path | None, *, faststart: bool) -> list[str]:
    """The arguments that copy the written video and the sound (if any) into one MP4."""
    args = ["-i", f"file:{video}"]
    if audio is not None:
        args += ["-i", f"file:{audio}", "-map", "0:v", "-map", "1:a"]
    args += ["-c", "copy"]
    if faststart:
        args += ["-movflags", "+faststart"]
    return args
