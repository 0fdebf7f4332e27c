"""A clip's built-in effects with their animated parameters: render and preview.

A parameter whose filter takes a per-frame formula gets that formula of the clip's frame ``F``
(``round(t·fps) + offset``, as `vnb.ffmpeg.motion` writes it); any other parameter one instance
of the effect's filters per quantized value its frames take (`vnb.plan.params`), each switched
on by ``enable`` only at the frames that have its value (filters that do not change with the
value appear once). The preview runs this very chain on frames timed as the render's, so both
agree.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from vnb.ffmpeg.graph import Filter, make_filter
from vnb.plan.expr import bind_frame, to_ffmpeg, var
from vnb.plan.model import AudioItem, VideoItem
from vnb.plan.params import EXPRESSIONS, ParamCurve
from vnb.schema.registry import effect_filters, is_custom

__all__ = ["effect_chain", "volume_filters"]

AUDIO_FRAME = 480
"""Samples per audio frame of an animated volume (10 ms at 48 kHz): ``volume`` evaluates its
formula once a frame, so the envelope moves in steps this short."""


def frame_text(fps: Fraction, offset: int) -> str:
    """The render's ``F``, as `vnb.ffmpeg.motion` has it: the clip's frame from the time ``t``."""
    f = f"round(t*{fps.numerator}/{fps.denominator})"
    return f"{f}+{offset}" if offset >= 0 else f"{f}-{-offset}"


def _with(f: Filter, options: dict[str, object]) -> Filter:
    name, opts = f
    kept = tuple((k, v) for k, v in opts if k not in options)
    return (name, (*kept, *options.items()))


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Sorted indices as runs ``(first, last)`` of consecutive ones."""
    out: list[tuple[int, int]] = []
    for _, group in itertools.groupby(enumerate(indices), key=lambda p: p[1] - p[0]):
        run = [i for _, i in group]
        out.append((run[0], run[-1]))
    return out


def _enable(q: str, indices: list[int]) -> str:
    return "+".join(
        f"eq({q},{a})" if a == b else f"between({q},{a},{b})" for a, b in _runs(indices)
    )


def _switched(chains: dict[int, list[Filter]], q: str) -> list[Filter]:
    """One graph for the quantized chains (by index): instances switched on by ``enable``."""
    lists = list(chains.values())
    same_shape = all(lists) and len({tuple(f[0] for f in c) for c in lists}) == 1
    if not same_shape:  # blur of radius 0 is no filter: a whole chain per value
        return _per_value(chains, q)
    out: list[Filter] = []
    for j in range(len(lists[0])):
        out += _per_value({i: [c[j]] for i, c in chains.items()}, q)
    return out


def _per_value(chains: dict[int, list[Filter]], q: str) -> list[Filter]:
    groups: dict[tuple[Filter, ...], list[int]] = {}
    for i, chain in chains.items():
        groups.setdefault(tuple(chain), []).append(i)
    if len(groups) == 1:
        return list(next(iter(groups)))
    out: list[Filter] = []
    for filters, indices in groups.items():
        enable = _enable(q, indices)
        out += [_with(f, {"enable": enable}) for f in filters]
    return out


def _animated(
    name: str, params: dict[str, object], pc: ParamCurve, *, formula: str, frames: range
) -> list[Filter]:
    where = EXPRESSIONS.get((name, pc.param))
    if where is not None:
        index, option, extra = where
        filters = list(effect_filters(name, params))
        value = to_ffmpeg(bind_frame(var(formula), pc.value()))
        filters[index] = _with(filters[index], {option: value, **dict(extra)})
        return filters
    chains = {
        i: effect_filters(name, {**params, pc.param: pc.quantized(i)})
        for i in pc.indices(frames.start, frames.stop)
    }
    return _switched(chains, to_ffmpeg(bind_frame(var(formula), pc.index())))


def effect_chain(
    item: VideoItem, *, fps: Fraction = Fraction(30), offset: int = 0, length: int | None = None
) -> list[Filter]:
    """The filters of the clip's built-in effects, animated parameters included.

    The render's chain, which the preview runs too (frames timed as the render's).

    Args:
        item: the clip.
        fps: the project's frame rate.
        offset: the clip frame at the chain's first frame (time 0).
        length: the frames in the chain (the whole clip when None): only the values these
            frames take get an instance.
    """
    frames = range(offset, offset + (item.end - item.start if length is None else length))
    animated = {pc.effect: pc for pc in item.param_curves}
    out: list[Filter] = []
    for i, (name, params) in enumerate(item.effects):
        pc = animated.get(i)
        if pc is None or is_custom(name):
            out += effect_filters(name, dict(params))
            continue
        formula = frame_text(fps, offset)
        out += _animated(name, dict(params), pc, formula=formula, frames=frames)
    return out


def volume_filters(item: AudioItem, s0: int, fps: Fraction, sample_rate: int) -> list[Filter]:
    """The clip's volume for its sound from sample ``s0`` of the mix (time 0 of the chain).

    An animated volume is a formula of the clip's time (its frame, fractional: ``t·fps`` plus
    where the piece starts in the clip), evaluated every `AUDIO_FRAME` samples.
    """
    if item.volume_curve is None:
        return [] if item.volume == 1 else [make_filter("volume", {"volume": item.volume})]
    start = Fraction(s0 - item.start, sample_rate) * fps  # the piece's first clip frame
    frame = f"t*{fps.numerator}/{fps.denominator}+{float(start)!r}"
    gain = to_ffmpeg(bind_frame(var(frame), item.volume_curve.expr()))
    return [
        make_filter("asetnsamples", {"n": AUDIO_FRAME, "p": 0}),
        make_filter("volume", {"volume": gain, "eval": "frame"}),
    ]
