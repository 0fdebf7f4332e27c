"""Cutting sources inside the graph: each source is opened a bounded number of times.

A clip's picture or sound for some frames (a *cut*) used to be its own ``-i`` input, cut by
input seeking. 2,000 cuts of one file then meant 2,000 demuxers and decoders in one ffmpeg
process (8 GB, 12,000 threads). Here the cuts a render asks for are collected first and then
laid out on *lanes*: one input (``-ss`` at the lane's earliest frame, ``-t`` to its last) that
decodes the source once, forwards, and is cut by a tree of ``split`` + ``trim`` filters (a
frame passes about ``2·log2(cuts)`` filters, not one per cut).

A lane only takes cuts that its consumer reads one after the other (one *group*: the bottom
track's concatenation, one run of an upper track, one track's sound) and whose source times
only move forwards, so a decoded frame waits in the graph only while the cuts it belongs to
overlap (at most `OVERLAP` seconds). A clip that goes back in its source, or that plays at
the same time as the lane's last clip for longer than `SHARED` seconds (a transition's two
sides), starts another lane; within that, the first clip's frames wait in the graph for the
second's (a transition's length of placed pictures). Lanes
are bounded: at most `MAX_LANES` per source and kind of stream, or the build is refused.

A frame a filter has seen stays in memory until the whole graph ends when that filter's output
closed before it passed the frame on, so cuts end exactly where their last frame does (see
``build.py``), and the crop and scale that all cuts of a lane share run once, on the lane.
"""

from __future__ import annotations

from dataclasses import dataclass

from vnb.errors import ProjectError
from vnb.ffmpeg.graph import Chain, Filter, Input, make_filter

__all__: list[str] = []  # internal: used only inside its own package

SHARED = 1.0
"""Timeline seconds two clips of one lane may play at once (a transition)."""

MAX_LANES = 32
"""Inputs one source may open for one kind of stream (pictures or sound). Each costs about
8 MB at 1080p while idle (one decoder, its first frames)."""

SEEK_GAP = 8.0
"""Source seconds: a lane that would have to decode through a longer stretch nobody shows
prefers a fresh input seeked to the clip (while fewer than `SPARE_LANES` are open)."""

SPARE_LANES = 8
"""Lanes a source may open to skip long gaps (more only for clips that go backwards)."""

OVERLAP = 0.25
"""Source seconds two consecutive cuts of one lane may share (the margins that cuts keep)."""


REVERSE_PIXELS = 600 * 1280 * 720
"""Pixels of placed pictures one reversed piece may hold: ``reverse`` keeps the whole cut in
memory before it passes on its last frame (600 frames of 720p, about 0.8 GB in 4:2:0)."""

REVERSE_SAMPLES = 600 * 48_000
"""Samples (per channel) one reversed piece of sound may hold: ``areverse`` keeps it whole
(10 minutes at 48 kHz, about 230 MB of stereo float)."""


def check_reverse(clip: str, frames: int, pixels: int, samples: int = 0) -> None:
    """Refuse a reversed piece of ``clip`` too long to hold in memory.

    ``frames`` pictures of ``pixels`` each (or ``samples`` of sound, per channel).

    Raises:
        ProjectError: naming the clip, the piece's length and the bound.
    """
    if frames * pixels <= REVERSE_PIXELS and samples <= REVERSE_SAMPLES:
        return
    what = (
        f"{frames} frames of {pixels} pixels (at most {REVERSE_PIXELS} pixels in all)"
        if samples <= REVERSE_SAMPLES
        else f"{samples} samples of sound (at most {REVERSE_SAMPLES})"
    )
    msg = (
        f"clip {clip!r}: plays backwards {what}, which the render would hold in memory at "
        "once; split it into shorter reversed clips (vnb.edit.split_clip) or make it smaller"
    )
    raise ProjectError(msg)


@dataclass(frozen=True, slots=True)
class Cut:
    """A stretch ``[start, end)`` of a source's stream that one chain of the graph reads."""

    label: str
    """The graph label the cut's frames come out of."""
    kind: str
    """``v`` or ``a``."""
    path: str
    group: tuple[object, ...]
    """The consumer that reads the cut: cuts of one group are read in timeline order."""
    clip: str
    """The clip's id (its cuts stay on one lane)."""
    frames: tuple[int, int]
    """Timeline frames ``[k0, k1)`` the cut is shown at."""
    start: float
    """Source seconds of the first frame (or sample) to keep."""
    end: float
    prepare: tuple[Filter, ...] = ()
    """Filters every frame of the cut goes through first (crop and scale to the placed size):
    cuts that share them share an input, which runs them once, before the cutting, so the
    graph holds one scaler per input rather than one per cut (each about 1.2 MB at 1080p)."""
    part: int = 0
    """Cuts of one clip with different parts may go on different lanes: a reversed clip's
    pieces (a body, a transition's side) are read last in the source first, so each gets its
    own reading rather than waiting in the graph for the others."""


@dataclass(slots=True)
class _Lane:
    cuts: list[Cut]
    frame_end: int
    source_end: float


def _clips(cuts: list[Cut]) -> list[list[Cut]]:
    """Cuts of one group by clip, in timeline order."""
    by_clip: dict[tuple[str, int], list[Cut]] = {}
    for c in cuts:
        by_clip.setdefault((c.clip, c.part), []).append(c)
    return sorted(by_clip.values(), key=lambda cs: (min(c.frames[0] for c in cs), cs[0].clip))


def _assign(cuts: list[Cut], lanes: list[_Lane], opened: list[int], shared: int) -> None:
    """Put one group's cuts on lanes (new ones appended to ``lanes``)."""
    mine: list[_Lane] = []
    for clip in _clips(cuts):
        clip.sort(key=lambda c: (c.frames[0], c.start))
        k0 = min(c.frames[0] for c in clip)
        t0 = min(c.start for c in clip)
        fits = [ln for ln in mine if ln.frame_end - shared <= k0 and ln.source_end - OVERLAP <= t0]
        lane = max(fits, key=lambda ln: ln.source_end, default=None)
        if lane is not None and t0 - lane.source_end > SEEK_GAP and opened[0] < SPARE_LANES:
            lane = None  # seeking is cheaper than decoding the gap
        if lane is None:
            if opened[0] >= MAX_LANES:
                what = "sound" if clip[0].kind == "a" else "picture"
                msg = (
                    f"clip {clip[0].clip!r}: its source {clip[0].path} would be opened more than "
                    f"{MAX_LANES} times for its {what} (clips that go back in the source, or "
                    "play at once, each need another reading of it); pre-render part of the "
                    "edit or use fewer out-of-order cuts"
                )
                raise ProjectError(msg)
            opened[0] += 1
            lane = _Lane([], 0, 0.0)
            mine.append(lane)
            lanes.append(lane)
        lane.cuts += clip
        lane.frame_end = max(lane.frame_end, *(c.frames[1] for c in clip))
        lane.source_end = max(lane.source_end, *(c.end for c in clip))


def _seconds(x: float) -> str:
    return f"{x:.6f}"


def _tree(root: str, cuts: list[Cut], origin: float, kind: str, fresh: list[int]) -> list[Chain]:
    """Chains that cut ``root`` (timestamps: source time minus ``origin``) into ``cuts``."""
    trim, split = ("trim", "split") if kind == "v" else ("atrim", "asplit")

    def window(cs: list[Cut]) -> dict[str, object]:
        lo = max(0.0, min(c.start for c in cs) - origin)
        return {"start": _seconds(lo), "end": _seconds(max(c.end for c in cs) - origin)}

    chains: list[Chain] = []

    def node(label: str, cs: list[Cut]) -> None:
        if len(cs) == 1:
            chains.append(Chain((label,), (make_filter(trim, window(cs)),), (cs[0].label,)))
            return
        half = len(cs) // 2
        parts = (cs[:half], cs[half:])
        outs = []
        for _ in parts:
            fresh[0] += 1
            outs.append(f"cut{fresh[0]}")
        chains.append(Chain((label,), (make_filter(split, {"outputs": 2}),), tuple(outs)))
        for out, part in zip(outs, parts, strict=True):
            if len(part) == 1:
                node(out, part)
                continue
            fresh[0] += 1
            inner = f"cut{fresh[0]}"
            chains.append(Chain((out,), (make_filter(trim, window(part)),), (inner,)))
            node(inner, part)

    node(root, cuts)
    return chains


def lay_out(cuts: list[Cut], first_input: int, shared: int = 0) -> tuple[list[Input], list[Chain]]:
    """The inputs (numbered from ``first_input``) and chains that make every cut's label.

    ``shared``: timeline frames two clips of one lane may play at once (a transition whose
    second clip starts later in the source: the first clip's frames wait for it, at most
    this many).
    """
    lanes: list[_Lane] = []
    by_source: dict[tuple[object, ...], dict[tuple[object, ...], list[Cut]]] = {}
    for c in cuts:
        key = (c.path, c.kind, c.prepare)
        by_source.setdefault(key, {}).setdefault(c.group, []).append(c)
    for groups in by_source.values():
        opened = [0]
        for group_cuts in groups.values():
            _assign(group_cuts, lanes, opened, shared)
    inputs: list[Input] = []
    chains: list[Chain] = []
    fresh = [0]
    for lane in lanes:
        first = lane.cuts[0]
        origin = max(0.0, min(c.start for c in lane.cuts))
        length = max(c.end for c in lane.cuts) - origin
        opts = ("-ss", _seconds(origin)) if origin > 0 else ()
        inputs.append(Input(first.path, (*opts, "-t", _seconds(length))))
        root = f"{first_input + len(inputs) - 1}:{first.kind}"
        if first.prepare:
            fresh[0] += 1
            chains.append(Chain((root,), first.prepare, (f"cut{fresh[0]}",)))
            root = f"cut{fresh[0]}"
        ordered = sorted(lane.cuts, key=lambda c: (c.start, c.frames[0]))
        chains += _tree(root, ordered, origin, first.kind, fresh)
    return inputs, chains
