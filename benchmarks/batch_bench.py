"""Batch throughput: the same renders one after another, on 2 local processes, on 2 Dask workers.

Six short 720p projects (each a cut and a crossfade between two lavfi sources, a title and
audio) are rendered three ways in one run:

1. **sequential**: ``project.render`` in a loop, in this process;
2. **local**: ``vnb.render_many(..., workers=2)`` (a pool of 2 spawned processes);
3. **dask**: ``vnb.render_many(..., executor=client.get_executor())`` on a ``distributed``
   ``LocalCluster`` of 2 single-threaded worker processes on loopback.

Every render bypasses the render cache (``cache=False``), so each way does all the work. The
figure of merit is ``ideal / measured`` where ideal is ``sequential / 2``: 1.0 means two workers
halved the time. libx264 already spreads one encode over several threads, so on a 2-core
machine expect well under 1.0.

Then the hardware section: which hardware encoders this ffmpeg has and whether they work (trial
encodes); when one works, the first project is rendered with it and with libx264 and the times
compared; otherwise the reasons are printed.

```bash
.venv/bin/python benchmarks/batch_bench.py            # 6 projects of 4 s
.venv/bin/python benchmarks/batch_bench.py --quick    # 6 projects of 1 s, no Dask if missing
.venv/bin/python benchmarks/batch_bench.py --smoke    # 3 projects of 1 s (the smoke test)
```
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import av
from media import OUT, make_sources

import vnb
from vnb.render.encoders import probe_hardware

COUNT = 6


def make_projects(folder: Path, seconds: float, media: Path, count: int = COUNT) -> list[Path]:
    """``count`` project files, each cutting two sources together with a crossfade and a title."""
    sources = make_sources(max(seconds + 2, 4.0), media)
    files = []
    for i in range(count):
        a, b = sources[i % 3], sources[(i + 1) % 3]
        p = vnb.Project(name=f"batch{i}", width=1280, height=720, fps=30)
        v = p.add_track("video")
        half = seconds / 2
        first = v.add_clip(str(a), start=0, source_start=0.5, duration=half + 0.25)
        second = v.add_clip(str(b), start=half - 0.25, source_start=1.0, duration=half + 0.25)
        v.add_transition(first, second, "crossfade", duration=0.5)
        p.add_title(f"project {i}", start=0, duration=min(1.0, seconds))
        file = folder / f"batch{i}.vnb.json"
        p.save(file)
        files.append(file)
    return files


def frames_of(path: Path) -> int:
    """Decoded video frames of ``path``."""
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def check(outputs: list[Path], expected: int) -> None:
    """Every output exists and has the expected number of frames."""
    for out in outputs:
        n = frames_of(out)
        if n != expected:
            msg = f"{out}: {n} frames, expected {expected}"
            raise SystemExit(msg)


def timed(label: str, fn) -> float:
    """Run ``fn`` and print and return its wall time."""
    t0 = time.perf_counter()
    fn()
    seconds = time.perf_counter() - t0
    print(f"{label:<12} {seconds:7.2f} s", flush=True)
    return seconds


def sequential(files: list[Path], outs: list[Path]) -> None:
    """Render every project in this process, one after another."""
    for file, out in zip(files, outs, strict=True):
        vnb.load(file).render(out, progress_bar=False, speed="veryfast")


def batch(files: list[Path], outs: list[Path], **kwargs: object) -> None:
    """``render_many`` and fail loudly on any failed render."""
    results = vnb.render_many(
        files, outs, progress_bar=False, cache=False, speed="veryfast", **kwargs
    )
    bad = [r.error for r in results if not r.ok]
    if bad:
        raise SystemExit("\n".join(str(b) for b in bad))


def hardware_section(files: list[Path], folder: Path) -> None:
    """Hardware encoders: time one render with each that works, against libx264."""
    trials = probe_hardware()
    working = [name for name, t in trials.items() if t.works]
    if not trials:
        print("hardware: this ffmpeg was built with no hardware encoder")
        return
    if not working:
        print("hardware: no hardware encoder works here:")
        for name, t in sorted(trials.items()):
            print(f"  {name}: {t.message}")
        return
    project = vnb.load(files[0])
    sw = timed("libx264", lambda: project.render(folder / "sw.mp4", progress_bar=False))
    hw_out = folder / "hw.mp4"
    hw = timed("hardware", lambda: project.render(hw_out, hardware="auto", progress_bar=False))
    print(f"hardware encode: {sw / hw:.2f}× the speed of libx264 ({working[0]})")


def main() -> int:
    """Run the benchmark and print the table and the ratios."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 s projects")
    ap.add_argument("--smoke", action="store_true", help="3 projects of 1 s (the smoke test)")
    ap.add_argument("--out", type=Path, default=OUT, help="output folder")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask cluster")
    args = ap.parse_args()
    seconds = 1.0 if args.quick or args.smoke else 4.0
    count = 3 if args.smoke else COUNT
    folder = args.out / ("batch-quick" if args.quick or args.smoke else "batch")
    folder.mkdir(parents=True, exist_ok=True)
    files = make_projects(folder, seconds, args.out, count)
    expected = round(seconds * 30)

    def outs(way: str) -> list[Path]:
        return [folder / f"{way}{i}.mp4" for i in range(count)]

    print(f"{count} projects of {seconds:g} s at 1280×720, libx264 veryfast")
    seq = timed("sequential", lambda: sequential(files, outs("seq")))
    check(outs("seq"), expected)
    local = timed("local ×2", lambda: batch(files, outs("local"), workers=2))
    check(outs("local"), expected)
    ideal = seq / 2
    print(f"local 2 workers: {seq / local:.2f}× sequential, {ideal / local:.2f} of the ideal")
    if not args.no_dask:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            print("dask: distributed is not installed (pip install 'vnb[batch]')")
        else:
            with (
                LocalCluster(
                    n_workers=2,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                ) as cluster,
                Client(cluster) as client,
            ):
                executor = client.get_executor()
                dask = timed("dask ×2", lambda: batch(files, outs("dask"), executor=executor))
            check(outs("dask"), expected)
            print(f"dask 2 workers: {seq / dask:.2f}× sequential, {ideal / dask:.2f} of the ideal")
    hardware_section(files, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
