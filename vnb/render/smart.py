"""Smart render: stream-copy the untouched stretches of H.264 sources, re-encode only the cuts.

A cuts-only edit shows each source frame as it is. Where a clip's span contains whole GOPs of
its source (from an IDR frame to a point where every frame shown so far has been decoded), those
packets are copied byte for byte; only the frames before the first such IDR (the head) and after
the last clean end (the tail) are re-encoded with libx264, each run starting with an IDR frame.

The decision is pure and lives in `vnb.plan.smart` (`smart_plan` over a `Plan` and the sources'
`SourceIndex`). This module is the edge: `source_index` reads packets with PyAV (cached per
source identity) and `render_smart` runs ffmpeg for the encoded runs and the sound, writes the
video with PyAV and muxes everything into the target with `run_ffmpeg` (atomic, cancellable).

The copied packets keep the source's SPS/PPS (ids from its ``avcC``); the re-encoded runs use
x264's ``sps-id`` to pick ids the source does not use, carry their parameter sets in-band on each
run's first frame, and the output ``avcC`` lists both sets, so any H.264 decoder finds every
parameter set it needs.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vnb.errors import MediaError, RenderCancelledError, RenderError
from vnb.ffmpeg.run import Progress, run_ffmpeg
from vnb.plan.smart import EncodeRun, SmartPlan, SourceIndex, Span

if TYPE_CHECKING:
    from vnb.plan import Plan
    from vnb.schema.export import ExportSettings

__all__ = ["plan_sources", "render_smart", "source_index"]

_BATCH_INPUTS = 12
"""Spans encoded by one ffmpeg process (each is one input with its own seek)."""
_POLL = 0.1
"""Seconds between looks at the cancel event while the sound finishes."""
_TICKS = 512
"""Output time-base ticks per frame."""


# -- H.264 bits (pure) -------------------------------------------------------------------------


def _ue(data: bytes, bit: int) -> tuple[int, int]:
    """Read an unsigned Exp-Golomb number at ``bit``; return it and the next bit position."""
    zeros = 0
    while not (data[(bit + zeros) // 8] >> (7 - (bit + zeros) % 8)) & 1:
        zeros += 1
    bit += zeros + 1
    value = 0
    for _ in range(zeros):
        value = value << 1 | (data[bit // 8] >> (7 - bit % 8)) & 1
        bit += 1
    return (1 << zeros) - 1 + value, bit


def _avcc_sets(extradata: bytes) -> tuple[list[bytes], list[bytes], bytes]:
    """The SPS and PPS NAL units of an ``avcC`` record, and its trailing bytes."""
    pos, sps, pps = 6, [], []
    for _ in range(extradata[5] & 0x1F):
        size = int.from_bytes(extradata[pos : pos + 2], "big")
        sps.append(extradata[pos + 2 : pos + 2 + size])
        pos += 2 + size
    count, pos = extradata[pos], pos + 1
    for _ in range(count):
        size = int.from_bytes(extradata[pos : pos + 2], "big")
        pps.append(extradata[pos + 2 : pos + 2 + size])
        pos += 2 + size
    return sps, pps, extradata[pos:]


def _used_ids(extradata: bytes) -> set[int]:
    """SPS and PPS ids an ``avcC`` record defines."""
    sps, pps, _ = _avcc_sets(extradata)
    ids = {_ue(s, 32)[0] for s in sps}
    for p in pps:
        pps_id, bit = _ue(p, 8)
        ids |= {pps_id, _ue(p, bit)[0]}
    return ids


def _merge_avcc(base: bytes, extra: Sequence[bytes]) -> bytes:
    """One ``avcC`` record with the parameter sets of ``base`` and then of each of ``extra``."""
    sps, pps, tail = _avcc_sets(base)
    for record in extra:
        more_sps, more_pps, _ = _avcc_sets(record)
        sps += [s for s in more_sps if s not in sps]
        pps += [p for p in more_pps if p not in pps]
    out = bytearray(base[:5]) + bytes([0xE0 | len(sps)])
    for s in sps:
        out += len(s).to_bytes(2, "big") + s
    out.append(len(pps))
    for p in pps:
        out += len(p).to_bytes(2, "big") + p
    return bytes(out + tail)


def _in_band(extradata: bytes) -> bytes:
    """The parameter sets of an ``avcC`` record as 4-byte length-prefixed NAL units."""
    sps, pps, _ = _avcc_sets(extradata)
    return b"".join(len(n).to_bytes(4, "big") + n for n in (*sps, *pps))


def _nal_types(data: bytes) -> set[int]:
    """NAL unit types in a 4-byte length-prefixed H.264 packet."""
    types, pos = set(), 0
    while pos + 4 < len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        types.add(data[pos + 4] & 0x1F)
        pos += 4 + size
    return types


# -- the edge: indexing sources ----------------------------------------------------------------


def _read_index(path: str) -> dict[str, Any]:
    """Read one source's packets (no decoding) into the JSON form of a `SourceIndex`."""
    from vnb.media.probing import open_input, probe  # noqa: PLC0415

    with open_input(path) as container:
        if not container.streams.video:
            msg = f"{path}: no video stream"
            raise MediaError(msg)
        stream = container.streams.video[0]
        cc = stream.codec_context
        pts: list[int] = []
        idr: list[bool] = []
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            if packet.pts is None:
                msg = f"{path}: a packet without a timestamp"
                raise MediaError(msg)
            pts.append(packet.pts)
            idr.append(packet.is_keyframe and 5 in _nal_types(bytes(packet)))
        start = (container.start_time or 0) / 1_000_000
        extradata = bytes(cc.extradata or b"")
        rate = stream.average_rate or stream.guessed_rate or 0
        sar = cc.sample_aspect_ratio
        info = {
            "codec": cc.codec.canonical_name,
            "width": cc.width,
            "height": cc.height,
            "pix_fmt": cc.pix_fmt,
            "time_base": [stream.time_base.numerator, stream.time_base.denominator],
        }
    shown = sorted(pts)
    steps = {b - a for a, b in itertools.pairwise(shown)}
    step = steps.pop() if len(steps) == 1 else (shown[1] - shown[0] if len(shown) > 1 else 1)
    cfr = not steps and step > 0
    order = {p: i for i, p in enumerate(shown)}
    ends, starts, top, delay = [], [], -1, 0
    for j, p in enumerate(pts):
        d = order[p]
        delay = max(delay, j - d)
        if idr[j] and d == j and top == j - 1:
            starts.append(j)
        top = max(top, d)
        if top == j:
            ends.append(j + 1)
    tb = Fraction(*info["time_base"])
    fps = Fraction(1) / (step * tb) if cfr else Fraction(rate)
    video = probe(path).video
    return {
        **info,
        "rotation": video.rotation if video is not None else 0,
        "square": sar in (None, 0, 1),
        "rate": [fps.numerator, fps.denominator],
        "cfr": cfr and len(order) == len(pts),
        "frames": len(pts),
        "first_pts": shown[0] if shown else 0,
        "step": step,
        "start": start,
        "extradata": extradata.hex(),
        "starts": starts,
        "ends": ends,
        "delay": delay,
    }


def source_index(path: str | os.PathLike[str]) -> SourceIndex:
    """The `SourceIndex` of a local video file, cached by the file's identity.

    Raises:
        MediaError: the file cannot be read or has no video stream.
    """
    from vnb import cache  # noqa: PLC0415
    from vnb.cache import make_key, source_identity  # noqa: PLC0415

    path = os.fspath(path)
    key = make_key("smart-index", 4, source_identity(path))
    data = cache.get_json(key)
    if not isinstance(data, dict):
        data = _read_index(path)
        cache.put_json(key, data)
    return SourceIndex(
        path=path,
        codec=data["codec"],
        width=data["width"],
        height=data["height"],
        pix_fmt=data["pix_fmt"],
        rotation=data["rotation"],
        square=data["square"],
        rate=Fraction(*data["rate"]),
        cfr=data["cfr"],
        frames=data["frames"],
        time_base=Fraction(*data["time_base"]),
        first_pts=data["first_pts"],
        step=data["step"],
        start=data["start"],
        extradata=bytes.fromhex(data["extradata"]),
        starts=tuple(data["starts"]),
        ends=frozenset(data["ends"]),
        delay=data["delay"],
    )


def plan_sources(plan: Plan) -> dict[str, SourceIndex]:
    """Index every video source of ``plan``'s video tracks (unreadable ones are left out)."""
    from vnb.plan import VideoTrackPlan  # noqa: PLC0415

    out: dict[str, SourceIndex] = {}
    for layer in plan.layers:
        if isinstance(layer, VideoTrackPlan):
            for item in layer.items:
                if item.source and not item.still and item.source not in out:
                    with contextlib.suppress(MediaError, OSError, ValueError, IndexError):
                        out[item.source] = source_index(item.source)
    return out


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
    run: dict[str, Any],
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
    run_ffmpeg(args, target, muxer="mp4", total_seconds=float(at / rate), exe=exe, **run)


def _fresh_id(indexes: dict[str, SourceIndex]) -> int:
    """An SPS/PPS id no source uses."""
    used: set[int] = set()
    for index in indexes.values():
        used |= _used_ids(index.extradata)
    free = next((i for i in range(32) if i not in used), None)
    if free is None:
        msg = "the sources use every SPS id"
        raise RenderError(msg)
    return free


def _packets_of_runs(path: Path, runs: Sequence[EncodeRun]) -> tuple[bytes, list[Packets]]:
    """Read an encoded batch; split its packets (decode order) into one list per run."""
    import av  # noqa: PLC0415

    container = av.open(str(path))
    stream = container.streams.video[0]
    packets = [p for p in container.demux(stream) if p.size]
    extradata = bytes(stream.codec_context.extradata or b"")
    shown = sorted(p.pts for p in packets)
    order = {p: i for i, p in enumerate(shown)}
    if len(order) != sum(r.frames for r in runs) or len(packets) != len(order):
        msg = f"x264 wrote {len(packets)} frames for {sum(r.frames for r in runs)}"
        raise RenderError(msg)
    out, at = [], 0
    for r in runs:
        chunk = packets[at : at + r.frames]
        if sorted(order[p.pts] for p in chunk) != list(range(at, at + r.frames)):
            msg = "an encoded run is not closed (frames cross its start)"
            raise RenderError(msg)
        if not chunk[0].is_keyframe or 5 not in _nal_types(bytes(chunk[0])):
            msg = "an encoded run does not start with an IDR frame"
            raise RenderError(msg)
        out.append([(order[p.pts] - at, bytes(p), p.is_keyframe) for p in chunk])
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
                k = (packet.pts - index.first_pts) // index.step - span.first
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
    leads = iter([_in_band(e) for e, batch in encoded for _ in batch])
    first = next(indexes[p.source] for p in smart.parts if isinstance(p, Span))
    avcc = _merge_avcc(first.extradata, [e for e, _ in encoded])
    active = _avcc_sets(first.extradata)[:2]  # the sources' sets share ids: re-announce on change
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
                if _avcc_sets(index.extradata)[:2] != active:
                    lead, active = _in_band(index.extradata), _avcc_sets(index.extradata)[:2]
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
    sound: Callable[[Path, dict[str, Any]], Path | None],
    check: Callable[[Path], None] | None,
    run: dict[str, Any],
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
    started = time.monotonic()
    cancel, timeout = run.get("cancel"), run.get("timeout")
    runs = [p for p in smart.parts if isinstance(p, EncodeRun)]
    steps = _Steps(
        smart.encoded + 0.05 * smart.copied + 30,
        run.get("on_progress"),
        plan.frames,
        max(plan.duration, 1e-3),
    )
    steps.started = started

    def options(weight: float) -> dict[str, Any]:
        left = None if timeout is None else timeout - (time.monotonic() - started)
        if left is not None and left <= 0:
            msg = f"smart render stopped: timeout of {timeout:g} s expired"
            raise RenderCancelledError(msg)
        return {"on_progress": steps.part(weight), "cancel": cancel, "timeout": left}

    quiet = {"progress_bar": False}

    ids = _fresh_id(indexes)
    batches: list[list[EncodeRun]] = [[]]
    for r in runs:  # at most _BATCH_INPUTS inputs per process
        if batches[-1] and sum(len(b.spans) for b in batches[-1]) + len(r.spans) > _BATCH_INPUTS:
            batches.append([])
        batches[-1].append(r)
    with (
        tempfile.TemporaryDirectory(prefix="vnb-smart-") as tmp,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="vnb-smart-sound") as pool,
    ):
        folder = Path(tmp)
        # The sound (one ffmpeg, mostly one core) renders while x264 encodes the runs.
        stop = threading.Event()
        sound_options = options(15) | quiet | {"cancel": stop}
        relay = sound_options.pop("on_progress")
        heard: queue.SimpleQueue[Progress] = queue.SimpleQueue()
        sound_options["on_progress"] = heard.put  # reported from this thread, in order

        def report_sound() -> None:
            while not heard.empty():
                progress = heard.get()
                if relay is not None:
                    relay(progress)

        pending = pool.submit(sound, folder, sound_options)
        try:
            encoded = []
            for n, group in enumerate(b for b in batches if b):
                path = folder / f"runs{n}.mp4"
                weight = sum(r.frames for r in group)
                _encode_batch(group, indexes, export, ids, path, exe, options(weight) | quiet)
                encoded.append(_packets_of_runs(path, group))
                report_sound()
            while not pending.done():
                report_sound()
                if cancel is not None and cancel.is_set():
                    stop.set()
                with contextlib.suppress(FuturesTimeout):
                    pending.result(timeout=_POLL)
            audio = pending.result()
            report_sound()
        except BaseException:
            stop.set()
            with contextlib.suppress(BaseException):
                pending.result()
            raise
        video = folder / "video.mp4"
        _write_video(smart, indexes, encoded, plan.fps, video, cancel)
        args = ["-i", f"file:{video}"]
        if audio is not None:
            args += ["-i", f"file:{audio}", "-map", "0:v", "-map", "1:a"]
        args += ["-c", "copy"]
        if export.faststart:
            args += ["-movflags", "+faststart"]
        mux = options(15 + 0.05 * smart.copied)
        path = run_ffmpeg(
            args,
            output,
            muxer="mp4",
            total_seconds=max(plan.duration, 1e-3),
            exe=exe,
            check=check,
            progress_bar=run.get("progress_bar"),
            description=Path(output).name,
            **mux,
        )
    if steps.on_progress is not None:
        steps.on_progress(Progress(1.0, plan.duration, plan.duration, None, None, 0.0))
    return path, (exe, *args)
