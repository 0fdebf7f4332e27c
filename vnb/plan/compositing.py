"""How the layers of a plan are laid over one another: one model for the render and the preview.

The render graph (`vnb.ffmpeg.build`) and the in-process preview (`vnb.preview.compose`) both
read these decisions, so that they cannot disagree about them:

- the *base* layer — the bottom layer when it is a video track — is drawn as opaque 4:2:0 over
  the background (its gaps show the background); every layer above is overlaid on it;
- a clip is *keyed* when one of its effects makes transparency: the effect spec's ``alpha``
  flag, read once when the plan is compiled (`VideoItem.keyed`), never an effect's name;
- a clip is *blended* when its picture has transparency of its own (keyed, translucent or
  rotated): it is laid over what is below it rather than padded to the canvas;
- an upper track's non-gap pieces are grouped into *runs* between its gaps. A run of one clip
  (`Run.alone`) is overlaid as its own placed picture at the clip's origin, with alpha when it
  is blended or fades (`Blend.alpha`); any other run is drawn on canvas-sized transparent
  frames, concatenated, and overlaid at the origin of the canvas.

Pure: functions over the plan's frozen values.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from vnb.plan.model import Piece, Plan, VideoItem, VideoTrackPlan

__all__ = ["Blend", "Run", "base_layer", "blend_of", "piece_at", "run_at", "runs"]

OnCanvas = Literal["itself", "pad", "over"]
"""How a clip's picture becomes a canvas-sized frame (see `Blend.on_canvas`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Blend:
    """How one clip's picture is composited over what lies below it."""

    keyed: bool
    """An effect of the clip makes transparency (its spec's ``alpha`` flag)."""
    blended: bool
    """Keyed, translucent (opacity below 1) or rotated: laid over what is below, with alpha."""
    alpha: bool
    """Laid alone over the tracks below, its picture carries alpha: blended, or it fades."""
    covers: bool
    """The placed picture exactly covers the canvas, unrotated."""

    def picture_alpha(self, *, base: bool) -> bool:
        """Whether the clip's picture is made with alpha when put on a canvas-sized frame.

        On the base layer only a blended picture is; above it every picture is (what it does
        not cover is transparent).
        """
        return self.blended or not base

    def on_canvas(self, *, base: bool) -> OnCanvas:
        """How the picture becomes a canvas-sized frame, over the background or transparency.

        ``itself``: on the base layer, an unblended picture that covers the canvas is the frame.
        ``pad``: an unblended picture is padded to the canvas with the background (base) or
        transparency (above). ``over``: a blended picture is overlaid on a frame of either.
        """
        if self.blended:
            return "over"
        return "itself" if base and self.covers else "pad"


def blend_of(item: VideoItem) -> Blend:
    """The compositing decisions for one clip."""
    blended = (
        item.keyed or item.opacity < 1 or bool(item.placement.rotation) or item.motion is not None
    )
    return Blend(
        keyed=item.keyed,
        blended=blended,
        alpha=blended or bool(item.fade_in or item.fade_out),
        covers=item.placement.covers,
    )


def base_layer(plan: Plan) -> VideoTrackPlan | None:
    """The layer drawn over the background: the bottom one when it is a video track."""
    first = plan.layers[0] if plan.layers else None
    return first if isinstance(first, VideoTrackPlan) else None


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive pieces of an upper track between gaps, overlaid on what is below as one."""

    pieces: tuple[Piece, ...]
    """Clips and transitions, in time order, with no gap between them (at least one)."""

    @property
    def start(self) -> int:
        """First timeline frame of the run."""
        return self.pieces[0].start

    @property
    def end(self) -> int:
        """The timeline frame after the run's last."""
        return self.pieces[-1].end

    @property
    def alone(self) -> bool:
        """One clip by itself: overlaid as its own placed picture, at the clip's origin."""
        return len(self.pieces) == 1 and self.pieces[0].kind == "clip"


def runs(track: VideoTrackPlan) -> tuple[Run, ...]:
    """The runs of an upper track, in time order."""
    out: list[Run] = []
    current: list[Piece] = []
    for piece in track.pieces:
        if piece.kind == "gap":
            if current:
                out.append(Run(tuple(current)))
            current = []
        else:
            current.append(piece)
    if current:
        out.append(Run(tuple(current)))
    return tuple(out)


def _index_at(pieces: Sequence[Piece], k: int) -> int | None:
    i = bisect.bisect_right(pieces, k, key=lambda p: p.start) - 1
    if i >= 0 and pieces[i].start <= k < pieces[i].end:
        return i
    return None


def piece_at(pieces: Sequence[Piece], k: int) -> Piece | None:
    """The piece (gap, clip or transition) that holds timeline frame ``k``, or None past the end."""
    i = _index_at(pieces, k)
    return None if i is None else pieces[i]


def run_at(track: VideoTrackPlan, k: int) -> Run | None:
    """The run of an upper track that shows at frame ``k``: None in a gap or past the end.

    The same run as `runs` makes, found from ``k`` without walking the whole track.
    """
    pieces = track.pieces
    i = _index_at(pieces, k)
    if i is None or pieces[i].kind == "gap":
        return None
    first, last = i, i
    while first > 0 and pieces[first - 1].kind != "gap":
        first -= 1
    while last + 1 < len(pieces) and pieces[last + 1].kind != "gap":
        last += 1
    return Run(tuple(pieces[first : last + 1]))
