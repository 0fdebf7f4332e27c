"""Many cuts of one source: ffmpeg's peak memory and the render's time, old code against new.

Three edits, each rendered by the checkout under test and, when ``--old`` names another
checkout (default: ``/work/main`` if it exists), by that one too, in child processes (so ffmpeg
runs under a small wrapper that reports its own peak RSS and CPU time):

- ``rss``: ``--cuts`` (2,000) cuts of two frames from one 1920×1080 30 fps H.264 source (GOP
  60), in source order with one frame left out between cuts; canvas 640×360. Reported: ffmpeg's
  peak RSS. The old code opens one input per cut, so it runs at ``--old-cuts`` (500) unless
  told otherwise (at 2,000 it passed 8 GB).
- ``speed``: 500 one-second cuts (every other 1.5 s) of one 640×360 source; wall and CPU.
- ``transitions``: 40 one-second cuts (every 2 s, off keyframes) of the 1080p source joined
  by 0.5 s crossfades, and the same 40 cuts joined by hard cuts: the CPU difference per
  transition.

Every render is counted (frames in the output) and must have the frames the edit asks for, or
the script exits with status 1. ``--quick`` scales the edits down (for the smoke test).

Usage::

    .venv/bin/python benchmarks/cuts_bench.py            # full (several minutes)
    .venv/bin/python benchmarks/cuts_bench.py --quick --old none
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from media import OUT, ffmpeg_exe, make_media

ROOT = Path(__file__).resolve().parent.parent
FPS = 30


def make_source(width: int, height: int, seconds: float, folder: Path) -> Path:
    """A testsrc2 H.264 file with a tone, made once and cached (written whole, then renamed)."""
    return make_media(
        folder,
        f"cuts_{width}x{height}_{seconds:g}s.mp4",
        video=f"testsrc2=s={width}x{height}:r={FPS}:d={seconds}",
        audio=f"sine=f=440:d={seconds}",
        crf=23,
        audio_bitrate="128k",
        timeout=None,
    )


# -- measuring ffmpeg alone ---------------------------------------------------------------

WRAPPER = """#!{python}
import os, subprocess, sys
p = subprocess.Popen([{real!r}, *sys.argv[1:]])
_, status, usage = os.wait4(p.pid, 0)
with open({log!r}, "a") as f:
    f.write(f"{{usage.ru_maxrss}} {{usage.ru_utime + usage.ru_stime}}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measuring_ffmpeg(folder: Path, real: str) -> tuple[Path, Path]:
    """An executable that runs ``real`` ffmpeg and logs its own peak RSS (KB) and CPU seconds.

    ``RUSAGE_CHILDREN`` of the Python process that starts ffmpeg is not ffmpeg's alone: a
    child started by ``vfork`` reports its parent's resident memory until it execs. Point
    ``VNB_FFMPEG`` at the returned script; read the log afterwards.
    """
    folder.mkdir(parents=True, exist_ok=True)
    script, log = folder / "ffmpeg-measured", folder / "ffmpeg-usage.log"
    script.write_text(WRAPPER.format(python=sys.executable, real=real, log=str(log)))
    script.chmod(0o755)
    log.write_text("")
    return script, log


def peak(log: Path) -> tuple[float, float]:
    """The largest peak RSS (MB) and the total CPU seconds of the ffmpeg runs logged."""
    rows = [line.split() for line in log.read_text().splitlines() if line.strip()]
    return max(int(r[0]) for r in rows) / 1024, sum(float(r[1]) for r in rows)


# -- the child: builds one edit with the vnb on its PYTHONPATH, renders, reports -------------


def child(spec: dict) -> dict:
    """Render one edit (``spec``) and return its figures; runs in a fresh process."""
    import av

    import vnb

    p = vnb.Project(name="cuts", width=spec["width"], height=spec["height"], fps=FPS)
    v = p.add_track("video")
    frame = 1 / FPS
    clips, start = [], 0.0
    overlap = spec["xfade"]
    for source_start in spec["starts"]:
        clip = v.add_clip(
            spec["source"],
            start=round(start * FPS) * frame,
            source_start=source_start,
            duration=spec["length"],
        )
        if overlap and clips:
            v.add_transition(clips[-1], clip, "crossfade", duration=overlap)
        clips.append(clip)
        start += spec["length"] - overlap
    out = Path(spec["out"])
    p.frame_at(0.0)  # probe once before timing
    log = Path(spec["log"])
    log.write_text("")
    t0 = time.perf_counter()
    p.render(out, speed="ultrafast", crf=30, progress_bar=False)
    wall = time.perf_counter() - t0
    rss, cpu = peak(log)
    with av.open(str(out)) as c:
        frames = c.streams.video[0].frames
    return {
        "wall": wall,
        "cpu": cpu,
        "rss_mb": rss,
        "frames": frames,
        "expected": round(p.duration * FPS),
    }


def run(tree: Path, spec: dict, ffmpeg: Path) -> dict:
    """``child(spec)`` with the vnb of checkout ``tree`` and the measuring ``ffmpeg``."""
    env = {**os.environ, "PYTHONPATH": str(tree), "VNB_FFMPEG": str(ffmpeg)}
    code = "import json,sys; sys.path.insert(0, sys.argv[1]); import cuts_bench as b; "
    code += "print(json.dumps(b.child(json.loads(sys.argv[2]))))"
    here = str(Path(__file__).resolve().parent)
    done = subprocess.run(
        [sys.executable, "-c", code, here, json.dumps(spec)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def show(name: str, label: str, r: dict) -> bool:
    if "error" in r:
        print(f"  {name:<26} {label:<4} FAILED: {r['error']}")
        return False
    ok = r["frames"] == r["expected"]
    print(
        f"  {name:<26} {label:<4} wall {r['wall']:7.2f} s  cpu {r['cpu']:7.2f} s  "
        f"ffmpeg peak RSS {r['rss_mb']:7.0f} MB  frames {r['frames']}/{r['expected']}"
        + ("" if ok else "  WRONG FRAME COUNT")
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small edits (smoke test)")
    parser.add_argument("--out", type=Path, default=OUT, help="cache and output folder")
    parser.add_argument("--cuts", type=int, default=2000, help="cuts of the rss edit")
    parser.add_argument("--old-cuts", type=int, default=500, help="cuts for the old code")
    default_old = "/work/main" if Path("/work/main/vnb").is_dir() else "none"
    parser.add_argument("--old", default=default_old, help="old checkout, or none")
    args = parser.parse_args()

    q = args.quick
    cuts = 60 if q else args.cuts
    old_cuts = min(cuts, 60 if q else args.old_cuts)
    speed_cuts, xfades = (20, 3) if q else (500, 40)
    folder = args.out / ("cuts-quick" if q else "cuts")
    folder.mkdir(parents=True, exist_ok=True)
    big = make_source(1920, 1080, max(cuts * 0.1, xfades * 2.0) + 1, args.out / "media")
    small = make_source(640, 360, speed_cuts * 1.5 + 1, args.out / "media")
    wrapper, log = measuring_ffmpeg(folder, ffmpeg_exe())
    trees = [("new", ROOT)] + ([("old", Path(args.old))] if args.old != "none" else [])
    ok = True
    results: dict[tuple[str, str], dict] = {}

    def edit(name: str, label: str, tree: Path, **spec: object) -> None:
        nonlocal ok
        spec = {"width": 640, "height": 360, "xfade": 0.0, **spec}
        spec["out"] = str(folder / f"{name}-{label}.mp4")
        spec["log"] = str(log)
        results[name, label] = r = run(tree, spec, wrapper)
        ok &= show(name, label, r)

    print(f"rss: cuts of two frames from {big.name} (canvas 640x360)")
    runs = [("new", ROOT, cuts)] + [(label, tree, old_cuts) for label, tree in trees[1:]]
    if len(trees) > 1 and old_cuts != cuts:  # the same edit for both, too
        runs.insert(1, ("new", ROOT, old_cuts))
    for label, tree, n in runs:
        starts = [i * 0.1 for i in range(n)]
        edit(f"rss-{n}", label, tree, source=str(big), starts=starts, length=2 / FPS)
    if (f"rss-{old_cuts}", "old") in results:
        new, old = results[f"rss-{old_cuts}", "new"], results[f"rss-{old_cuts}", "old"]
        if "error" not in new and "error" not in old:
            print(
                f"ratios (new/old, {old_cuts} cuts): peak RSS {new['rss_mb'] / old['rss_mb']:.2f}x,"
                f" cpu {new['cpu'] / old['cpu']:.2f}x, wall {new['wall'] / old['wall']:.2f}x"
            )
    print(f"speed: {speed_cuts} one-second cuts of {small.name}")
    for label, tree in trees:
        starts = [i * 1.5 for i in range(speed_cuts)]
        edit("speed", label, tree, source=str(small), starts=starts, length=1.0)
    print(f"transitions: {xfades} one-second cuts of {big.name}, crossfades vs hard cuts")
    for label, tree in trees:
        starts = [i * 2.0 + 0.5 for i in range(xfades)]  # not on keyframes (GOP 2 s)
        for name, xf in (("hard", 0.0), ("xfade", 0.5)):
            edit(
                f"{name}-{xfades}",
                label,
                tree,
                source=str(big),
                starts=starts,
                length=1.0,
                xfade=xf,
            )
        hard, xfade = results[f"hard-{xfades}", label], results[f"xfade-{xfades}", label]
        if "error" not in hard and "error" not in xfade:
            per = (xfade["cpu"] - hard["cpu"]) / (xfades - 1)
            print(f"  {label}: CPU per transition {per:+.3f} s")
    if ("speed", "old") in results and "error" not in results["speed", "old"]:
        new, old = results["speed", "new"], results["speed", "old"]
        print(
            f"ratios (new/old): speed wall {new['wall'] / old['wall']:.2f}x, "
            f"cpu {new['cpu'] / old['cpu']:.2f}x"
        )
    print("all frame counts right" if ok else "SOME RENDERS WRONG")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
