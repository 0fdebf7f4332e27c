"""Project → Plan (pure): every clip, transition, title and sound in whole frames and samples."""

from vnb.plan.compile import check_timeline, compile_plan
from vnb.plan.model import (
    AudioItem,
    AudioTrackPlan,
    Crossfade,
    Piece,
    Placement,
    Plan,
    TextItem,
    TextTrackPlan,
    TransitionSpan,
    VideoItem,
    VideoTrackPlan,
)

__all__ = [
    "AudioItem",
    "AudioTrackPlan",
    "Crossfade",
    "Piece",
    "Placement",
    "Plan",
    "TextItem",
    "TextTrackPlan",
    "TransitionSpan",
    "VideoItem",
    "VideoTrackPlan",
    "check_timeline",
    "compile_plan",
]
