"""Smart render benchmark: a cuts-only edit rendered with and without smart render, one run each.

The edit: 51 plain clips (50 cuts) alternating between two 1280×720 30 fps H.264 sources
(libx264 ``veryfast`` CRF 18, GOP 60 with B-frames, AAC sine tones), cut at frames that are
mostly not keyframes, 10 minutes in all (``--quick``: 6 clips, 20 s). Both renders use vnb's
defaults (libx264 ``fast`` CRF 20, AAC); the only difference is ``smart=True`` / ``smart=False``.

The sources draw their frame number as a 16-bit barcode over ``testsrc2``; both outputs are
decoded in full with PyAV and every frame must be the source frame the edit asks for (so every
cut is on the exact frame), or the script exits with status 1. It reports wall and CPU time of
each render and the speed-up (the issue's target: smart render ≥ 5× faster).

Usage::

    .venv/bin/python benchmarks/smart_bench.py            # the 10-minute edit (~15 min)
    .venv/bin/python benchmarks/smart_bench.py --quick    # 20 s edit
    .venv/bin/python benchmarks/smart_bench.py --smoke    # 8 s edit (what the smoke test runs)
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import resource
import sys
import time
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parent))

from media import FPS, GOP, HEIGHT, OUT, WIDTH, Source, make_source

import vnb

BITS = 16
TARGET = 5.0
"""The issue's target: smart render at least this many times faster."""
SOURCES = (("a", 440), ("b", 660))


def barcode_filter() -> str:
    """drawbox filters writing the frame number as ``BITS`` white boxes on a black strip."""
    boxes = [f"drawbox=x=0:y=0:w={32 + BITS * 40}:h=48:color=black:t=fill"]
    boxes += [
        f"drawbox=x={16 + k * 40}:y=8:w=32:h=32:color=white:t=fill"
        f":enable='mod(floor(n/{1 << k}),2)'"
        for k in range(BITS)
    ]
    return ",".join(boxes)


def read_number(luma: object) -> int:
    """The frame number drawn by `barcode_filter` in a luma plane (H×W uint8)."""
    return sum(1 << k for k in range(BITS) if luma[24, 32 + k * 40] > 128)  # type: ignore[index]


def make_edit(
    sources: list[Path], clips: int, total: int, source_frames: int
) -> tuple[vnb.Project, list[int]]:
    """A cuts-only project of ``clips`` clips lasting ``total`` frames; the expected numbers."""
    rng = random.Random(7)
    cuts = sorted(rng.sample(range(GOP, total - GOP), clips - 1))
    bounds = [0, *cuts, total]
    project = vnb.Project(name="smart-bench", width=WIDTH, height=HEIGHT, fps=FPS)
    track = project.add_track("video")
    expected: list[int] = []
    for n in range(clips):
        frames = bounds[n + 1] - bounds[n]
        first = rng.randrange(0, source_frames - frames)
        track.add_clip(
            str(sources[n % 2]),
            start=bounds[n] / FPS,
            source_start=first / FPS,
            duration=frames / FPS,
        )
        expected += range(first, first + frames)
    return project, expected


def timed(run: callable) -> tuple[object, float, float]:  # type: ignore[valid-type]
    """Run ``run()``; its result, wall seconds, and CPU seconds of this process and children."""

    def cpu() -> float:
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    c0, t0 = cpu(), time.perf_counter()
    result = run()
    return result, time.perf_counter() - t0, cpu() - c0


def numbers(path: Path) -> list[int]:
    """The frame number of every decoded frame of ``path``."""
    with av.open(str(path)) as container:
        container.streams.video[0].thread_type = "AUTO"
        return [read_number(f.to_ndarray(format="gray")) for f in container.decode(video=0)]


def wrong_cuts(got: list[int], expected: list[int], bounds: list[int]) -> list[str]:
    """Every cut (and the ends) whose frames differ from the expected ones."""
    if len(got) != len(expected):
        return [f"{len(got)} frames decoded, {len(expected)} expected"]
    bad = []
    for n, (a, b) in enumerate(itertools.pairwise(bounds)):
        if got[a:b] != expected[a:b]:
            at = next(i for i in range(a, b) if got[i] != expected[i])
            bad.append(f"clip {n}: frame {at} shows {got[at]}, not {expected[at]}")
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 20 s edit of 6 clips")
    parser.add_argument(
        "--smoke", action="store_true", help="an 8 s edit of 3 clips (what the smoke test runs)"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="cache and output folder")
    args = parser.parse_args()

    minutes, clips, source_seconds = 10, 51, 180
    if args.quick or args.smoke:
        minutes, clips, source_seconds = (8 / 60, 3, 8) if args.smoke else (1 / 3, 6, 12)
    total = round(minutes * 60 * FPS)
    folder = args.out / ("smart-quick" if args.quick or args.smoke else "smart")
    folder.mkdir(parents=True, exist_ok=True)

    print(f"making sources ({source_seconds} s each, cached in {args.out / 'media'}) …")
    sources = [
        make_source(Source(f"smart_{n}", "testsrc2", p, barcode_filter()), source_seconds, args.out)
        for n, p in SOURCES
    ]
    project, expected = make_edit(sources, clips, total, source_seconds * FPS)
    bounds = [round(c.start * FPS) for c in project.tracks[0].clips] + [total]
    print(f"edit: {clips} clips ({clips - 1} cuts), {total} frames = {total / FPS:.0f} s")
    project.frame_at(0.0)  # warm imports and the probe cache, as after a first preview

    rows = {}
    for label, smart in (("full re-encode", False), ("smart render", True)):
        out = folder / f"{'smart' if smart else 'full'}.mp4"
        result, wall, cpu = timed(
            lambda out=out, smart=smart: project.render(out, smart=smart, progress_bar=False)
        )
        rows[label] = (result, wall, cpu, out)
        print(f"{label:15s} wall {wall:7.1f} s   cpu {cpu:7.1f} s   {result.smart_note}")

    failures = 0
    for label, (_, _, _, out) in rows.items():
        bad = wrong_cuts(numbers(out), expected, bounds)
        status = "every frame exact" if not bad else "; ".join(bad[:5])
        print(f"{label:15s} {out.name}: {status} ({len(bounds) - 2} cuts checked)")
        failures += bool(bad)

    full, smart = rows["full re-encode"], rows["smart render"]
    ratio, cpu_ratio = full[1] / smart[1], full[2] / smart[2]
    copied = smart[0].frames_copied
    print()
    print("| render | wall s | cpu s | frames copied |")
    print("|---|---|---|---|")
    print(f"| full re-encode | {full[1]:.1f} | {full[2]:.1f} | 0 |")
    print(f"| smart render | {smart[1]:.1f} | {smart[2]:.1f} | {copied} of {total} |")
    verdict = "meets" if ratio >= TARGET else "misses"
    print(
        f"\nspeed-up: {ratio:.1f}× wall, {cpu_ratio:.1f}× cpu "
        f"({verdict} the {TARGET:g}× target); load average {os.getloadavg()[0]:.2f}"
    )
    if not smart[0].smart:
        print("smart render was not used:", smart[0].smart_note)
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
