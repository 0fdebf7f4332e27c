"""The render graph stays bounded and exact with many short cuts of one source.

Sources draw their frame number as a barcode (see ``test_smart.py``), so every decoded output
frame says which source frame it shows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

import vnb
from tests.render.avcheck import mad, psnr
from tests.render.test_smart import BITS, barcode, frame_numbers
from vnb.errors import ProjectError, VnbError
from vnb.ffmpeg import build_graph
from vnb.ffmpeg.binary import find_ffmpeg
from vnb.ffmpeg.sources import MAX_LANES
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


def _ffmpeg_peak_mb(code: str, tmp_path: Path) -> float:
    """Run ``code`` (it renders) in a fresh interpreter; the peak RSS of its ffmpeg, in MB.

    ffmpeg runs under a small wrapper that reads its own child's usage: the renderer's
    ``RUSAGE_CHILDREN`` would count the Python process's memory (``vfork``) as ffmpeg's.
    """
    log = tmp_path / "usage.log"
    wrapper = tmp_path / "ffmpeg"
    wrapper.write_text(
        f"#!{sys.executable}\n"
        "import os, subprocess, sys\n"
        f"p = subprocess.Popen([{find_ffmpeg()!r}, *sys.argv[1:]])\n"
        "_, status, usage = os.wait4(p.pid, 0)\n"
        f"open({str(log)!r}, 'a').write(f'{{usage.ru_maxrss}}\\n')\n"
        "sys.exit(os.waitstatus_to_exitcode(status))\n"
    )
    wrapper.chmod(0o755)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={**os.environ, "VNB_FFMPEG": str(wrapper)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return max(int(line) for line in log.read_text().split()) / 1024


TITLES = """
import vnb
p = vnb.Project(name="titles", width=1920, height=1080, fps=30)
for i in range(6):
    p.add_title(("word%d " % i) * 150, start=0, duration=1 + (i % 2) / 30,
                size=200, box=True)
p.render("titles.mp4", progress_bar=False, speed="ultrafast")
f = p.frame_at(0.5)
import av, numpy as np
with av.open("titles.mp4") as c:
    r = next(fr for i, fr in enumerate(c.decode(video=0)) if i == 15).to_ndarray(format="rgb24")
mse = float(((r.astype(float) - f.astype(float)) ** 2).mean())
assert mse < 40, mse
"""


def test_many_large_titles_stay_bounded(tmp_path: Path):
    # Each title is within the schema's bounds (50 lines of size 200: 12,000 px tall); the
    # render shows only what falls on the canvas, and ffmpeg held them all whole (40 of them
    # took 13 GB, 4 took 3.4 GB; 6 here keep the test quick and would need over 3.4 GB).
    assert _ffmpeg_peak_mb(TITLES, tmp_path) < 1500


def test_title_too_large_to_rasterise_names_the_title(tmp_path: Path):
    p = vnb.Project(name="big", width=320, height=240, fps=30)
    p.add_title("W" * 10_000, start=0, duration=1, size=1000)
    with pytest.raises(VnbError, match="'title1'"):
        p.render(tmp_path / "big.mp4", **OPTIONS)
    with pytest.raises(VnbError, match="'title1'"):  # the preview names it too
        p.frame_at(0.5)


def _srt_time(frame: int, fps: int) -> str:
    ms = frame * 1000 // fps
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def test_twenty_thousand_cues_render_with_few_inputs(tmp_path: Path):
    # 20,000 one-frame cues (a number each, at 100 fps: 200 s) used to be 20,000 `-i`
    # arguments: the command line was too long (E2BIG) and was reported as "ffmpeg not found".
    fps, cues = 100, 20_000
    srt = tmp_path / "many.srt"
    lines = []
    for k in range(cues):
        lines += [str(k + 1), f"{_srt_time(k, fps)} --> {_srt_time(k + 1, fps)}", str(k % 10), ""]
    srt.write_text("\n".join(lines), encoding="utf-8")
    p = vnb.Project(name="subs", width=160, height=90, fps=fps)
    p.add_track("video").add_clip(color="#203040", start=0, duration=cues / fps)
    p.add_track("text").add_subtitles(srt, size=40)
    graph = build_graph(plan_project(p), resolve_export(p.export), texts_for(p, tmp_path))
    assert len(graph.inputs) <= 4
    out = tmp_path / "subs.mp4"
    result = p.render(out, **OPTIONS)
    assert result.frames == cues
    # A few frames: the digit drawn is the preview's (same pixels), and it changes every frame.
    with av.open(str(out)) as container:
        frames = {
            i: f.to_ndarray(format="rgb24")
            for i, f in enumerate(container.decode(video=0))
            if i in (0, 1, 7, 12_345, cues - 1)
        }
    for i, frame in frames.items():
        assert psnr(frame, p.frame_at(i / fps)) > 35, i
    assert mad(frames[0], frames[1]) > 1


def texts_for(p: vnb.Project, folder: Path) -> dict:
    """The rasterised texts of ``p`` as the render makes them."""
    from vnb.render.export import text_images

    return text_images(plan_project(p), folder)


def test_a_strip_of_cues_shows_what_the_preview_shows(tmp_path: Path):
    # Cues with gaps, of several sizes and lines, one after the other: one strip input.
    fps = 30
    p = vnb.Project(name="subs", width=320, height=240, fps=fps)
    p.add_track("video").add_clip(color="#405060", start=0, duration=3)
    cues = [
        {"start": k * 0.2, "end": k * 0.2 + 0.1 + (k % 2) * 0.1, "text": t}
        for k, t in enumerate(["a", "Bb", "two\nlines", "C", "ddd ddd", "É", "f", "g\nh", "i", "j"])
    ]
    p.add_track("text").add_subtitles(cues=cues, size=28)
    texts = texts_for(p, tmp_path)
    assert len({t.path for t in texts.values()}) == 1  # one strip
    out = tmp_path / "strip.mp4"
    p.render(out, **OPTIONS)
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    for k in range(66):
        assert psnr(frames[k], p.frame_at(k / fps)) > 35, k


def test_too_many_backward_cuts_are_refused_naming_a_clip(numbered: Path):
    # Every clip goes back in the source: each needs its own input; past the bound, refuse.
    p = _cuts(numbered, [(350 - 10 * i, 2) for i in range(MAX_LANES + 1)])
    with pytest.raises(ProjectError, match=f"more than {MAX_LANES} times"):
        build_graph(plan_project(p), resolve_export(p.export))
    fits = _cuts(numbered, [(350 - 10 * i, 2) for i in range(MAX_LANES)])
    assert len(build_graph(plan_project(fits), resolve_export(p.export)).inputs) == 2 * MAX_LANES


def test_rasterised_texts_kept_for_reuse_are_bounded_in_bytes(monkeypatch: pytest.MonkeyPatch):
    from vnb.text import TextStyle, raster, rasterize_text

    monkeypatch.setattr(raster, "CACHE_BYTES", 2_000_000)
    for k in range(12):
        rasterize_text(f"big {k}\n" * 20, TextStyle(size=60))  # each about 0.5 MB
    assert sum(a.nbytes for a in raster._CACHE.values()) <= 2_000_000
    assert raster._CACHE  # the latest stay
