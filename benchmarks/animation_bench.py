"""Animation benchmark (issue #14): how smooth a Ken Burns is, and what animation costs.

1. **Smoothness.** A still photo (scikit-image's ``coffee``, upscaled with Lanczos to 1.25× the
   size that fills the canvas) on a 1920×1080 30 fps canvas for 10 s, with ``transform.scale``
   1.0 → 1.25, ``transform.x`` 0 → -W/16 and ``transform.y`` 0 → +H/18, all ``ease_in_out``.
   Rendered at CRF 12 and decoded; for every pair of consecutive frames the displacement of the
   content at the canvas centre is measured by phase correlation (`phasecorr.py`, a central
   crop) and compared with what the curve predicts there, from ``clip.value_at``: the content
   at the centre at frame k sits at ``-X_k / s_k`` in the picture, so at frame k+1 it has moved
   by ``X_{k+1} - X_k · s_{k+1} / s_k`` (X = (x, y), s = scale). Reported: the largest and the
   RMS distance between the two, in pixels (goal < 0.1 px). The same is measured on ffmpeg's
   ``zoompan`` doing the same move (a hand-written command; it crops at whole pixels), on
   vnb's preview (``frame_at``, a subset of pairs; each frame is also compared with the render's
   by PSNR) and on frames warped exactly by scipy (cubic spline) from the photo: the floor of
   the measurement itself.
2. **Cost.** An edit (a 1080p ``testsrc2`` base, a 960×540 picture in picture, a title), 6 s,
   rendered static and animated (the picture in picture moves and grows, the title fades in
   and out and rises); the ratios animated/static of wall and CPU time (goal ≤ 1.15); the same
   animated edit as one hand-written ffmpeg command (``scale`` with ``eval=frame``, ``overlay``
   with x/y formulas, ``fade`` on the title's alpha) and in MoviePy 2 (if installed); and
   ``frame_at(cache=False)`` over consecutive frames of the animated edit against the static
   one (goal ≤ 1.2).

One run prints the tables and writes every figure to a JSON file (``--json``, default
``OUT/animation-<mode>/animation_bench.json``). The script exits 1 when a render has the wrong
number of frames or a measured displacement is not finite; the goals never fail it unless
``--strict``.

Usage::

    .venv/bin/python benchmarks/animation_bench.py              # full (~10 min on 2 cores)
    .venv/bin/python benchmarks/animation_bench.py --quick      # 1080p, 3 s, one round
    .venv/bin/python benchmarks/animation_bench.py --smoke      # 320x180, 1 s (the smoke test)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

# Before numpy: the phase correlation's small matrix products are slower with BLAS threads,
# which spin on a busy machine (10× slower at a load of 8 on 2 cores).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from anim_edit import EditSize, measure_costs
from media import OUT, ffmpeg_exe, run_ffmpeg
from phasecorr import displacement, gray

import vnb
from tests.helpers.media import photo

SMOOTH_GOAL = 0.1
"""Pixels: the largest deviation of the frame-to-frame displacement from the curve."""
FPS = 30


@dataclass(frozen=True, slots=True)
class Mode:
    """Sizes and lengths of one run."""

    name: str
    canvas: tuple[int, int]
    seconds: float
    """Length of the Ken Burns."""
    crop: int
    """Side of the central crop that phase correlation compares."""
    preview_pairs: int
    edit: EditSize
    repeat: int


MODES = {
    "full": Mode("full", (1920, 1080), 10.0, 512, 20, EditSize((1920, 1080), 6.0, 60), 3),
    "quick": Mode("quick", (1920, 1080), 3.0, 512, 6, EditSize((1920, 1080), 3.0, 30), 1),
    "smoke": Mode("smoke", (320, 180), 1.0, 96, 3, EditSize((320, 180), 1.0, 6), 1),
}


@dataclass(slots=True)
class Smoothness:
    """One way of drawing the Ken Burns, measured."""

    name: str
    pairs: int
    max_px: float
    rms_px: float
    mean_px: float
    """The mean deviation (a bias: e.g. a scale a little off)."""

    @property
    def met(self) -> bool:
        return self.max_px < SMOOTH_GOAL


# -- the Ken Burns ----------------------------------------------------------------------------


def photo_size(canvas: tuple[int, int]) -> tuple[int, int]:
    """The photo's size: 1.25× the canvas width, the 3:2 of ``coffee`` (even numbers)."""
    w = 2 * round(canvas[0] * 1.25 / 2)
    return w, 2 * round(w / 3)


def make_photo(folder: Path, canvas: tuple[int, int]) -> Path:
    """``coffee`` upscaled (Lanczos) to `photo_size`, as a PNG (made once)."""
    from PIL import Image

    size = photo_size(canvas)
    path = folder / f"coffee_{size[0]}x{size[1]}.png"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(photo("coffee")).resize(size, Image.Resampling.LANCZOS).save(path)
    return path


def ken_burns(png: Path, mode: Mode) -> tuple[vnb.Project, vnb.Clip]:
    w, h = mode.canvas
    p = vnb.Project(name="ken-burns", width=w, height=h, fps=FPS)
    clip = p.add_track("video").add_clip(str(png), duration=mode.seconds)
    clip.transform.fit = "fill"
    end = mode.seconds
    clip.animate("transform.scale", {0: 1.0, end: 1.25}, easing="ease_in_out")
    clip.animate("transform.x", {0: 0.0, end: -w / 16}, easing="ease_in_out")
    clip.animate("transform.y", {0: 0.0, end: h / 18}, easing="ease_in_out")
    return p, clip


def curve(clip: vnb.Clip, k: int) -> tuple[float, float, float]:
    t = k / FPS
    x, y, s = (clip.value_at(f"transform.{a}", t) for a in ("x", "y", "scale"))
    return x, y, s


def predicted(clip: vnb.Clip, k: int) -> tuple[float, float]:
    """How far the content at the canvas centre at frame ``k`` moves by frame ``k + 1``."""
    x0, y0, s0 = curve(clip, k)
    x1, y1, s1 = curve(clip, k + 1)
    return x1 - x0 * s1 / s0, y1 - y0 * s1 / s0


def scale_ratio(clip: vnb.Clip, k: int) -> float:
    """How much larger the picture is at frame ``k + 1`` than at ``k``, by the curve."""
    return curve(clip, k + 1)[2] / curve(clip, k)[2]


def centre(picture: np.ndarray, side: int) -> np.ndarray:
    """The central ``side``×``side`` pixels (``side`` even, like the canvas)."""
    h, w = picture.shape[:2]
    y0, x0 = (h - side) // 2, (w - side) // 2
    return picture[y0 : y0 + side, x0 : x0 + side]


def region(mode: Mode) -> int:
    """The side of the central region kept of every frame (the crop and room to move)."""
    return min(mode.crop + 48, *mode.canvas)


def decoded(
    path: Path, side: int, keep: set[int]
) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
    """``(k, gray centre, rgb frame or None)`` of every frame; the rgb only for ``keep``."""
    with av.open(str(path)) as container:
        for k, frame in enumerate(container.decode(video=0)):
            rgb = frame.to_ndarray(format="rgb24")
            yield k, gray(centre(rgb, side)), (rgb if k in keep else None)


def deviations(
    name: str, frames: Iterator[tuple[int, np.ndarray]], clip: vnb.Clip, crop: int
) -> Smoothness:
    """Measure consecutive frames ``(k, gray centre)`` against the curve."""
    errors, signed = [], []
    last: tuple[int, np.ndarray] | None = None
    for k, g in frames:
        if last is not None and last[0] == k - 1:
            want = predicted(clip, k - 1)
            got = displacement(last[1], g, crop, zoom=scale_ratio(clip, k - 1))
            errors.append(math.hypot(got[0] - want[0], got[1] - want[1]))
            signed.append(got[0] - want[0])
        last = (k, g)
    e = np.array(errors)
    return Smoothness(
        name, len(e), float(e.max()), float(np.sqrt(np.mean(e**2))), float(np.mean(signed))
    )


def zoompan_input(png: Path, canvas: tuple[int, int]) -> tuple[Path, float]:
    """The photo cut to the canvas's shape (what the canvas shows at scale 1); its zoom 1 factor."""
    from PIL import Image

    image = Image.open(png)
    f = max(canvas[0] / image.width, canvas[1] / image.height)
    w, h = round(canvas[0] / f), round(canvas[1] / f)
    x0, y0 = (image.width - w) // 2, (image.height - h) // 2
    path = png.with_name(f"{png.stem}_zoompan.png")
    if not path.exists():
        image.crop((x0, y0, x0 + w, y0 + h)).save(path)
    return path, f


def run_zoompan(png: Path, out: Path, mode: Mode) -> None:
    """The same move with ``zoompan``, as a user writes it: zoom, x and y as formulas of ``on``."""
    src, f = zoompan_input(png, mode.canvas)
    w, h = mode.canvas
    n = round(mode.seconds * FPS)
    p = f"(on/{n})"
    e = f"if(lt({p},0.5),4*pow({p},3),1-pow(2-2*{p},3)/2)"
    x = f"iw/2-({-w / 16}*{e})/({f}*zoom)-iw/zoom/2"
    y = f"ih/2-({h / 18}*{e})/({f}*zoom)-ih/zoom/2"
    zoom = f"zoompan=z='1+0.25*{e}':x='{x}':y='{y}':d={n}:s={w}x{h}:fps={FPS},format=yuv420p"
    run_ffmpeg(
        "-i", src, "-vf", zoom, "-frames:v", str(n),
        "-c:v", "libx264", "-preset", "fast", "-crf", "12", out,
        timeout=None,
    )  # fmt: skip


def exact_frames(
    png: Path, clip: vnb.Clip, mode: Mode, side: int
) -> Iterator[tuple[int, np.ndarray]]:
    """The central region of every frame, warped from the photo by scipy (cubic spline)."""
    from PIL import Image
    from scipy import ndimage

    g = gray(np.asarray(Image.open(png).convert("RGB")))
    coeffs = ndimage.spline_filter(g, order=3)
    cw, ch = mode.canvas
    f = max(cw / g.shape[1], ch / g.shape[0])
    qy, qx = np.mgrid[0:side, 0:side].astype(np.float64) + 0.5
    qx += (cw - side) // 2
    qy += (ch - side) // 2
    for k in range(round(mode.seconds * FPS)):
        x, y, s = curve(clip, k)
        u = (qx - cw / 2 - x) / (f * s) + g.shape[1] / 2 - 0.5
        v = (qy - ch / 2 - y) / (f * s) + g.shape[0] / 2 - 0.5
        yield k, ndimage.map_coordinates(coeffs, [v, u], order=3, prefilter=False)


def preview_pairs(mode: Mode) -> list[int]:
    n = round(mode.seconds * FPS)
    return [round(i * (n - 2) / max(1, mode.preview_pairs - 1)) for i in range(mode.preview_pairs)]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * math.log10(255**2 / mse)


def measure_smoothness(folder: Path, mode: Mode) -> tuple[list[Smoothness], dict[str, object]]:
    from vnb.preview import frame_at

    png = make_photo(folder / "media", mode.canvas)
    project, clip = ken_burns(png, mode)
    n = round(mode.seconds * FPS)
    side = region(mode)
    out = folder / "ken_burns.mp4"
    started = time.perf_counter()
    project.render(out, crf=12, speed="fast", smart=False, progress_bar=False)
    render_s = time.perf_counter() - started
    firsts = preview_pairs(mode)
    keep = {k + d for k in firsts for d in (0, 1)}
    kept: dict[int, np.ndarray] = {}
    count = 0

    def render_frames() -> Iterator[tuple[int, np.ndarray]]:
        nonlocal count
        for k, g, rgb in decoded(out, side, keep):
            count += 1
            if rgb is not None:
                kept[k] = rgb
            yield k, g

    results = [deviations("vnb render (crf 12)", render_frames(), clip, mode.crop)]
    if count != n:
        msg = f"{out} has {count} frames, expected {n}"
        raise RuntimeError(msg)
    zp = folder / "zoompan.mp4"
    started = time.perf_counter()
    run_zoompan(png, zp, mode)
    zoompan_s = time.perf_counter() - started
    frames = ((k, g) for k, g, _ in decoded(zp, side, set()))
    results.append(deviations("ffmpeg zoompan (hand-written)", frames, clip, mode.crop))
    shown: dict[int, np.ndarray] = {}
    times = []
    for k in sorted(keep):
        started = time.perf_counter()
        shown[k] = frame_at(project, k / FPS, cache=False, proxies=False)
        times.append(time.perf_counter() - started)
    frames = ((k, gray(centre(shown[k], side))) for k in sorted(keep))
    results.append(deviations("vnb preview (frame_at)", frames, clip, mode.crop))
    results.append(
        deviations(
            "exact warp (measure's floor)", exact_frames(png, clip, mode, side), clip, mode.crop
        )
    )
    extra: dict[str, object] = {
        "render_s": render_s,
        "zoompan_render_s": zoompan_s,
        "preview_ms_p50": 1000 * float(np.median(times)),
        "preview_psnr_min_db": min(psnr(shown[k], kept[k]) for k in keep),
        "preview_frames": len(keep),
    }
    return results, extra


# -- the report ----------------------------------------------------------------------------


def smooth_table(results: list[Smoothness], mode: Mode, extra: dict[str, object]) -> str:
    w, h = mode.canvas
    n = round(mode.seconds * FPS)
    lines = [
        f"smoothness: Ken Burns {w}x{h}, {mode.seconds:g} s = {n} frames, scale 1 -> 1.25, "
        f"pan ({-w / 16:g}, {h / 18:g}) px, ease_in_out; {mode.crop} px central crop",
        f"{'drawn by':<32} {'pairs':>5} {'max px':>7} {'rms px':>7} {'mean dx':>8}"
        f"  goal max < {SMOOTH_GOAL}",
    ]
    for r in results:
        verdict = "met" if r.met else "MISSED"
        lines.append(
            f"{r.name:<32} {r.pairs:5d} {r.max_px:7.3f} {r.rms_px:7.3f} {r.mean_px:+8.3f}"
            f"  {verdict}"
        )
    lines.append(
        f"preview vs render: PSNR >= {extra['preview_psnr_min_db']:.1f} dB over "
        f"{extra['preview_frames']} frames; frame_at p50 {extra['preview_ms_p50']:.0f} ms; "
        f"render {extra['render_s']:.1f} s, zoompan {extra['zoompan_render_s']:.1f} s"
    )
    return "\n".join(lines)


def run_profile(out: Path, folder: Path, mode: Mode) -> int:
    """``--profile``: the graphs of the cost edit (static, animated) and of the Ken Burns."""
    from anim_edit import project, sources
    from anim_profile import profile

    base, pip = sources(out, mode.edit)
    kb, _ = ken_burns(make_photo(folder / "media", mode.canvas), mode)
    print(f"graph only (no encode), CPU s, best of 3; load {os.getloadavg()[0]:.1f}")
    profile({
        "edit, static": project(base, pip, mode.edit, animated=False),
        "edit, animated": project(base, pip, mode.edit, animated=True),
        "Ken Burns": kb,
    })  # fmt: skip
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="1080p, 3 s, one round")
    group.add_argument("--smoke", action="store_true", help="320x180, 1 s: the smoke test")
    parser.add_argument("--no-moviepy", action="store_true", help="skip MoviePy")
    parser.add_argument("--repeat", type=int, help="rounds of the cost renders")
    parser.add_argument("--out", type=Path, default=OUT, help="cache and output folder")
    parser.add_argument("--json", type=Path, help="where the figures go")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument(
        "--profile", action="store_true", help="only: CPU of vnb's graphs with parts removed"
    )
    args = parser.parse_args(argv)
    mode = MODES["smoke" if args.smoke else "quick" if args.quick else "full"]
    folder = args.out / f"animation-{mode.name}"
    folder.mkdir(parents=True, exist_ok=True)
    if args.profile:
        return run_profile(args.out, folder, mode)
    moviepy = not (args.no_moviepy or args.smoke)
    print(
        f"animation bench ({mode.name}): Python {platform.python_version()}, {ffmpeg_exe()}; "
        f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    smooth, extra = measure_smoothness(folder, mode)
    print(smooth_table(smooth, mode, extra), flush=True)
    cost = measure_costs(
        args.out, folder, mode.edit, repeat=args.repeat or mode.repeat, moviepy=moviepy
    )
    print(cost.table(), flush=True)
    report = {
        "mode": mode.name,
        "machine": {"cpus": os.cpu_count(), "load": os.getloadavg()[0], "ffmpeg": ffmpeg_exe(),
                    "python": platform.python_version()},
        "smoothness": {
            "canvas": list(mode.canvas), "seconds": mode.seconds, "crop": mode.crop,
            "goal_px": SMOOTH_GOAL, **extra,
            "results": {r.name: asdict(r) | {"met": r.met} for r in smooth},
        },
        "cost": cost.as_json(),
    }  # fmt: skip
    path = args.json or folder / "animation_bench.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2))
    print(f"figures: {path}")
    if not all(math.isfinite(r.max_px) for r in smooth):
        print("a displacement is not finite", file=sys.stderr)
        return 1
    missed = [r.name for r in smooth[:1] if not r.met] + cost.missed()
    if args.strict and missed:
        print(f"goals missed: {missed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
