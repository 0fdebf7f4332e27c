"""The render graph stays bounded and exact with many short cuts of one source.

Sources draw their frame number as a barcode (see ``test_smart.py``), so every decoded output
frame says which source frame it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import vnb
from tests.render.test_smart import BITS, barcode, frame_numbers
from vnb.ffmpeg import build_graph
from vnb.media import plan_project
from vnb.schema.export import resolve_export

FPS = 30
OPTIONS = {"progress_bar": False, "speed": "ultrafast", "crf": 18}


@pytest.fixture(scope="module")
def numbered(media: Callable[..., Path]) -> Path:
    """320×240 at 30 fps, 12 s, GOP 60, every frame showing its number."""
    return media("numbered.mp4", video=barcode(), audio="sine=f=440:d=12", gop=60, crf=18)


def _cuts(path: Path, frames: list[tuple[int, int]]) -> vnb.Project:
    """One clip per ``(source frame, length in frames)``, back to back."""
    p = vnb.Project(name="cuts", width=320, height=240, fps=FPS)
    v = p.add_track("video")
    at = 0
    for first, length in frames:
        v.add_clip(str(path), start=at / FPS, source_start=first / FPS, duration=length / FPS)
        at += length
    return p


@pytest.mark.parametrize("rate", [30, 25])
def test_runs_of_one_frame_clips_all_show(media: Callable[..., Path], tmp_path: Path, rate: int):
    # A 25 fps source on a 30 fps timeline: each one-frame piece used to carry no duration and
    # concat stacked the run at one instant (ffmpeg wrote 2 frames of 10).
    source = media(f"numbered{rate}.mp4", video=barcode().replace("r=30", f"r={rate}"), gop=60)
    firsts = [5, 17, 3, 40, 41, 42, 90, 11, 60, 7]
    p = _cuts(source, [(f, 1) for f in firsts] + [(200, 5)])
    out = tmp_path / "ones.mp4"
    result = p.render(out, **OPTIONS)
    shown = [f * rate // FPS for f in [*firsts, 200, 201, 202, 203, 204]]
    assert frame_numbers(out) == shown
    assert result.frames == 15
    preview = [p.frame_at(k / FPS) for k in range(15)]
    assert [_number(f) for f in preview] == shown


def _number(rgb: np.ndarray) -> int:
    luma = rgb.mean(axis=2)
    return sum(1 << k for k in range(BITS) if luma[12, 16 + k * 24] > 128)


def test_many_cuts_open_the_source_once_and_stay_exact(numbered: Path, tmp_path: Path):
    # 120 two-frame cuts in source order, then 20 that go back: few inputs, every frame right.
    spans = [(3 * i, 2) for i in range(100)] + [(300 - 7 * i, 2) for i in range(20)]
    p = _cuts(numbered, spans)
    graph = build_graph(plan_project(p), resolve_export(p.export))
    assert len(graph.inputs) <= 2 * 21  # pictures and sound: one lane, +1 per backward cut
    assert len(graph.inputs) < len(spans)
    out = tmp_path / "many.mp4"
    p.render(out, **OPTIONS)
    assert frame_numbers(out) == [f + k for f, n in spans for k in range(n)]
