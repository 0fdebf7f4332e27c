"""H.264 sources for the smart render: their parameter sets, NAL units and packet index.

The copied packets of a smart render keep their source's SPS/PPS; the re-encoded runs use other
ids. The pure helpers here read, merge and re-announce those parameter sets; `source_index` reads
a source's packets (no decoding) into the `SourceIndex` that `vnb.plan.smart` decides over.
`vnb.render.smart` renders with both.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from vnb.errors import MediaError
from vnb.plan.smart import SourceIndex

if TYPE_CHECKING:
    from vnb.plan import Plan

__all__ = [
    "avcc_sets",
    "in_band",
    "merge_avcc",
    "nal_types",
    "plan_sources",
    "read_ue",
    "source_index",
    "used_ids",
]


def read_ue(data: bytes, bit: int) -> tuple[int, int]:
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


def avcc_sets(extradata: bytes) -> tuple[list[bytes], list[bytes], bytes]:
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


def used_ids(extradata: bytes) -> set[int]:
    """SPS and PPS ids an ``avcC`` record defines."""
    sps, pps, _ = avcc_sets(extradata)
    ids = {read_ue(s, 32)[0] for s in sps}
    for p in pps:
        pps_id, bit = read_ue(p, 8)
        ids |= {pps_id, read_ue(p, bit)[0]}
    return ids


def merge_avcc(base: bytes, extra: Sequence[bytes]) -> bytes:
    """One ``avcC`` record with the parameter sets of ``base`` and then of each of ``extra``."""
    sps, pps, tail = avcc_sets(base)
    for record in extra:
        more_sps, more_pps, _ = avcc_sets(record)
        sps += [s for s in more_sps if s not in sps]
        pps += [p for p in more_pps if p not in pps]
    out = bytearray(base[:5]) + bytes([0xE0 | len(sps)])
    for s in sps:
        out += len(s).to_bytes(2, "big") + s
    out.append(len(pps))
    for p in pps:
        out += len(p).to_bytes(2, "big") + p
    return bytes(out + tail)


def in_band(extradata: bytes) -> bytes:
    """The parameter sets of an ``avcC`` record as 4-byte length-prefixed NAL units."""
    sps, pps, _ = avcc_sets(extradata)
    return b"".join(len(n).to_bytes(4, "big") + n for n in (*sps, *pps))


def nal_types(data: bytes) -> set[int]:
    """NAL unit types in a 4-byte length-prefixed H.264 packet."""
    types, pos = set(), 0
    while pos + 4 < len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        types.add(data[pos + 4] & 0x1F)
        pos += 4 + size
    return types


# -- indexing sources (PyAV) ----------------------------------------------------------------


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
            idr.append(packet.is_keyframe and 5 in nal_types(bytes(packet)))
        start = (container.start_time or 0) / 1_000_000
        extradata = bytes(cc.extradata or b"")
        rate = stream.average_rate or stream.guessed_rate or 0
        sar = cc.sample_aspect_ratio
        time_base = stream.time_base
        if time_base is None:
            msg = f"{path}: a video stream without a time base"
            raise MediaError(msg)
        info: dict[str, Any] = {
            "codec": cc.codec.canonical_name,
            "width": cc.width,
            "height": cc.height,
            "pix_fmt": cc.pix_fmt,
            "time_base": [time_base.numerator, time_base.denominator],
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
