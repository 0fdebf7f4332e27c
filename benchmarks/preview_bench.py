"""Preview benchmark: how fast vnb shows a composed frame, against PyAV's bare seek and MoviePy.

The edit (``--quick`` scales every time by 1/5), 1280×720 at 30 fps, two video tracks:

- track 1: clip A = a[0 s, 10 s) at 0 s (testsrc2), clip B = b[0 s, 10 s) at 9 s (mandelbrot,
  brightness +0.1), a 1 s crossfade from A to B;
- track 2: clip C = m[0 s, 19 s) at 0 s (another mandelbrot zoom, box blur of radius 5),
  picture in picture: scale 0.5, its top-left corner at (600, 30);
- timeline 19 s = 570 frames; two layers are composed at every frame.

Sources a and b are ``media.py``'s; m (20 s) is made the same way (H.264, GOP 60, CRF 18).
One run prints:

- cold exact seeks of the composed frame (``frame_at(p, t, cache=False, proxies=False)``) at
  seeded random times, interleaved with PyAV's bare accurate seek (the floor) at the same
  times on the base layer's source (and, for reference, on the top layer's);
- the same times through 640×360 proxies, the cache (second request of the same frames), and
  MoviePy's ``get_frame`` on the same edit;
- sequential playback (consecutive frames, no cache) for one layer and for two, through the
  crossfade, and stepping backwards one frame at a time;
- the ratios against the targets of issue #3.

The script exits 1 if a check fails: composed frames must equal the floor's decoded frame where
clip A shows alone, cached frames the computed ones, second requests must all hit the cache.

Usage::

    .venv/bin/python benchmarks/preview_bench.py              # full: 60 random times
    .venv/bin/python benchmarks/preview_bench.py --quick      # 2 s sources, 8 random times
    .venv/bin/python benchmarks/preview_bench.py --quick --no-moviepy   # the smoke test
    .venv/bin/python benchmarks/preview_bench.py --no-moviepy --profile # + cProfile of the
                                                                        #   cold exact path
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from media import FPS, GOP, HEIGHT, OUT, SOURCES, WIDTH, Source, make_source

TOP = Source(
    "m",
    "mandelbrot=start_scale=0.5:end_scale=0.05"
    ":start_x=-0.7436438870371587:start_y=0.1318259042053119",
    550,
)
"""The top layer's source: another mandelbrot zoom (fine detail, keyframes of about 125 KB).

Not media.py's ``cellauto``: its keyframes of about 700 KB of noise take 60 ms to decode
alone, far more than any camera file, and would make every seek a measure of that one frame.
"""
PROXY_SIZE = (640, 360)
BRIGHTNESS, BLUR_RADIUS = 0.1, 5
PIP_SCALE, PIP_X, PIP_Y = 0.5, 280, -150
"""Clip C's transform: centre offset from the canvas centre (so top-left = (600, 30))."""
PIP_LEFT, PIP_TOP = 600, 30
EXACT_COLUMNS = 560
"""Columns left of the picture in picture: there the composed frame is clip A's own pixels."""

# The targets of issue #3.
CACHED_MS = 3.0
PROXY_MS = 10.0
COLD_OVER_FLOOR = 1.2
FPS_ONE, FPS_TWO = 60.0, 30.0
MOVIEPY_OVER_PROXY = 30.0


@dataclass(frozen=True, slots=True)
class Edit:
    """The reference edit at one scale (all times in seconds)."""

    scale: Fraction
    """1 for the full edit (10 s sources), 1/5 for ``--quick``."""

    def t(self, seconds: float) -> Fraction:
        return Fraction(seconds).limit_denominator(1000) * self.scale

    def frames(self, seconds: Fraction) -> int:
        n = seconds * FPS
        assert n.denominator == 1, f"{seconds} s is not a whole number of frames"
        return int(n)

    @property
    def source_seconds(self) -> tuple[float, float, float]:
        """Lengths of the sources a, b and m."""
        return float(self.t(10)), float(self.t(10)), float(self.t(20))

    @property
    def xfade(self) -> Fraction:
        return self.t(1)

    @property
    def b_start(self) -> Fraction:
        return self.t(10) - self.xfade

    @property
    def duration(self) -> Fraction:
        return self.b_start + self.t(10)

    @property
    def spread(self) -> int:
        """Frames between two consecutive random times, at least: one GOP, more than vnb's
        reader decodes forward without seeking (48), so every request of every layer seeks."""
        return GOP

    @property
    def windows(self) -> dict[str, tuple[int, int]]:
        """Playback windows ``[first, end)`` in timeline frames."""
        return {
            "body": (self.frames(self.t(10)), self.frames(self.t(13))),
            "crossfade": (self.frames(self.t(8.5)), self.frames(self.t(10.5))),
        }

    @property
    def backward(self) -> tuple[tuple[int, ...], int]:
        """Where stepping backwards starts (mid-GOP in every source), and how many steps."""
        return (self.frames(self.t(6.5)), self.frames(self.t(14.5))), max(3, int(15 * self.scale))

    def base_source(self, k: int) -> tuple[int, int]:
        """``(source number, source frame)`` the base layer shows at ``k`` (A in the fade)."""
        b0 = self.frames(self.b_start)
        return (0, k) if k < self.frames(self.t(10)) else (1, k - b0)


# -- vnb ---------------------------------------------------------------------------------------


def vnb_project(edit: Edit, sources: list[Path], *, layers: int = 2):
    import vnb

    p = vnb.Project(name="preview-bench", width=WIDTH, height=HEIGHT, fps=FPS)
    base = p.add_track("video")
    a = base.add_clip(str(sources[0]), start=0, duration=float(edit.t(10)))
    b = base.add_clip(str(sources[1]), start=float(edit.b_start), duration=float(edit.t(10)))
    b.effects.append(vnb.effects.brightness(BRIGHTNESS))
    base.add_transition(a, b, "crossfade")
    if layers > 1:
        top = p.add_track("video")
        c = top.add_clip(
            str(sources[2]),
            start=0,
            duration=float(edit.duration),
            transform={"scale": PIP_SCALE, "x": PIP_X, "y": PIP_Y},
        )
        c.effects.append(vnb.effects.blur(BLUR_RADIUS))
    return p


# -- the floor: PyAV's bare accurate seek -------------------------------------------------------


class BareSeek:
    """One open PyAV decoder: seek to the keyframe at or before the frame, decode up to it."""

    def __init__(self, path: Path) -> None:
        import av

        self.container = av.open(str(path))
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        # The pts of every frame (demuxed once, not timed): frame index → timestamp.
        self.pts = sorted(
            p.pts for p in self.container.demux(self.stream) if p.pts is not None and p.size
        )

    def frame(self, index: int):
        want = self.pts[index]
        self.container.seek(want, stream=self.stream, backward=True, any_frame=False)
        for frame in self.container.decode(self.stream):
            if frame.pts is not None and frame.pts >= want:
                assert frame.pts == want, (frame.pts, want)
                return frame
        msg = f"frame {index} not found"
        raise RuntimeError(msg)

    def close(self) -> None:
        self.container.close()


# -- MoviePy -----------------------------------------------------------------------------------


def moviepy_edit(edit: Edit, sources: list[Path]):
    """The same edit in MoviePy 2.x: ``CrossFadeIn``, ``LumContrast``, a Pillow box blur."""
    import numpy as np
    from moviepy import CompositeVideoClip, VideoFileClip, vfx
    from PIL import Image, ImageFilter

    box = ImageFilter.BoxBlur(BLUR_RADIUS)

    def box_blur(frame: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(frame).filter(box))

    files = [VideoFileClip(str(s), audio=False) for s in sources]
    ten, xf, b0 = float(edit.t(10)), float(edit.xfade), float(edit.b_start)
    a = files[0].subclipped(0, ten).with_start(0)
    b = (
        files[1]
        .subclipped(0, ten)
        # vnb adds 219 × 0.1 to limited-range luma: about 25.5 in full-range RGB.
        .with_effects([vfx.LumContrast(lum=255 * BRIGHTNESS, contrast=0)])
        .with_start(b0)
        .with_effects([vfx.CrossFadeIn(xf)])
    )
    c = (
        files[2]
        .subclipped(0, float(edit.duration))
        .resized(PIP_SCALE)
        .image_transform(box_blur)
        .with_start(0)
        .with_position((PIP_LEFT, PIP_TOP))
    )
    video = CompositeVideoClip([a, b, c], size=(WIDTH, HEIGHT)).with_duration(float(edit.duration))
    return video, files


# -- measuring ---------------------------------------------------------------------------------


def random_frames(edit: Edit, n: int, seed: int, avoid: Iterable[int]) -> list[int]:
    """``n`` distinct timeline frames, seeded; consecutive ones at least ``edit.spread`` apart."""
    rng = random.Random(seed)
    total = edit.frames(edit.duration)
    used = set(avoid)
    out: list[int] = []
    for _ in range(1000 * n):
        if len(out) == n:
            break
        k = rng.randrange(total)
        if k in used or (out and abs(k - out[-1]) < edit.spread):
            continue
        used.add(k)
        out.append(k)
    assert len(out) == n, f"cannot draw {n} frames from {total}"
    return out


def _percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


@dataclass(slots=True)
class Timings:
    name: str
    wall: list[float] = field(default_factory=list)
    """Seconds per request."""
    cpu: list[float] = field(default_factory=list)
    """CPU seconds (all threads of the process) per request."""
    rounds: list[float] = field(default_factory=list)
    """Playback: fps of every round (the timings are the best round's)."""

    def time(self, fn: Callable[[], object]) -> object:
        cpu, started = time.process_time(), time.perf_counter()
        out = fn()
        self.wall.append(time.perf_counter() - started)
        self.cpu.append(time.process_time() - cpu)
        return out

    @property
    def p50(self) -> float:
        return statistics.median(self.wall) * 1e3

    @property
    def p95(self) -> float:
        return _percentile(self.wall, 0.95) * 1e3

    @property
    def fps(self) -> float:
        return len(self.wall) / sum(self.wall)

    def seek_row(self) -> str:
        return (
            f"{self.name:<48} {len(self.wall):4d} {self.p50:8.2f} {self.p95:8.2f} "
            f"{statistics.median(self.cpu) * 1e3:8.2f}"
        )

    def play_row(self) -> str:
        return (
            f"{self.name:<48} {len(self.wall):4d} {self.fps:8.1f} {self.p50:8.2f} "
            f"{self.p95:8.2f} {sum(self.cpu) / sum(self.wall):8.2f}  "
            + " ".join(f"{r:.1f}" for r in self.rounds)
        ).rstrip()


class BenchError(RuntimeError):
    pass


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def play(
    name: str, frame: Callable[[int], object], window: tuple[int, int], repeat: int
) -> Timings:
    """Consecutive frames of ``window``, ``repeat`` times; the best round (highest fps).

    The frame before the window is shown first, untimed (the playhead was there).
    """
    first, end = window
    best = None
    rounds = []
    for _ in range(repeat):
        frame(first - 1)
        out = Timings(name)
        for k in range(first, end):
            out.time(partial(frame, k))
        rounds.append(out.fps)
        if best is None or out.fps > best.fps:
            best = out
    assert best is not None
    best.rounds = rounds
    return best


def step_back(
    name: str, frame: Callable[[int], object], starts: Iterable[int], steps: int
) -> Timings:
    """One frame back at a time from each start (shown first, untimed): the "←" key."""
    out = Timings(name)
    for start in starts:
        frame(start)
        for k in range(start - 1, start - 1 - steps, -1):
            out.time(partial(frame, k))
    return out


def profile_cold(project, times: list[float], top: int) -> None:
    import cProfile
    import pstats

    from vnb.preview import frame_at

    prof = cProfile.Profile()
    prof.enable()
    for t in times:
        frame_at(project, t, cache=False, proxies=False)
    prof.disable()
    print(f"\ncProfile of {len(times)} more cold exact requests (fresh random times):")
    stats = pstats.Stats(prof, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s sources, 8 random times")
    parser.add_argument("--no-moviepy", action="store_true", help="skip MoviePy")
    parser.add_argument("--samples", type=int, help="random times (default 60, 8 with --quick)")
    parser.add_argument("--seed", type=int, default=3, help="seed of the random times")
    parser.add_argument("--repeat", type=int, help="playback rounds (default 3, 1 with --quick)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder of the cached sources")
    parser.add_argument("--profile", action="store_true", help="cProfile the cold exact path")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    edit = Edit(Fraction(1, 5) if args.quick else Fraction(1))
    n = args.samples or (8 if args.quick else 60)
    sources = [
        make_source(s, seconds, args.out)
        for s, seconds in zip((*SOURCES[:2], TOP), edit.source_seconds, strict=True)
    ]
    with tempfile.TemporaryDirectory(prefix="vnb-preview-bench-") as tmp:
        return run(args, edit, n, sources, Path(tmp))


def run(args: argparse.Namespace, edit: Edit, n: int, sources: list[Path], tmp: Path) -> int:
    import av

    import vnb.cache
    from vnb.media.proxy import ensure_proxy_async, get_proxy
    from vnb.preview import frame_at

    # Everything vnb stores (frames, proxies) goes to a fresh folder, removed at the end.
    vnb.cache.configure(directory=tmp / "cache")
    fps = FPS
    total = edit.frames(edit.duration)
    two = vnb_project(edit, sources)
    one = vnb_project(edit, sources, layers=1)

    # Warm up outside the timings: imports, probes, readers' indexes, every filter graph
    # (one frame in A, in the crossfade, in B). These frames are never sampled.
    b0, nx = edit.frames(edit.b_start), edit.frames(edit.xfade)
    warm = [0, b0 + nx // 2, total - 1]
    for k in warm:
        frame_at(two, k / fps, cache=False, proxies=False)
        frame_at(one, k / fps, cache=False, proxies=False)
    ks = random_frames(edit, n, args.seed, warm)

    print(
        f"edit: {float(edit.duration):g} s, {total} frames, {WIDTH}x{HEIGHT} {FPS} fps, "
        f"2 video tracks, GOP {GOP}; {n} random times (seed {args.seed}, consecutive ones "
        f">= {edit.spread} frames apart); Python {platform.python_version()}, "
        f"PyAV {av.__version__}; {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    # 1. Cold exact seeks, interleaved with the floor (alternating which goes first).
    floors = [BareSeek(s) for s in sources]
    for f in floors:
        f.frame(0)
    floor = Timings("PyAV bare accurate seek, base source (floor)")
    floor_top = Timings("PyAV bare accurate seek, top source (m)")
    cold = Timings("vnb cold exact, composed (2 layers)")
    exact: dict[int, object] = {}
    checked = 0
    worst = 0

    def bare(k: int) -> None:
        src, j = edit.base_source(k)
        floors[src].frame(j)

    for i, k in enumerate(ks):
        for what in ("floor", "vnb") if i % 2 == 0 else ("vnb", "floor"):
            if what == "floor":
                floor.time(partial(bare, k))
            else:
                exact[k] = cold.time(partial(frame_at, two, k / fps, cache=False, proxies=False))
        floor_top.time(partial(floors[2].frame, k))
        if edit.base_source(k)[0] == 0 and k < b0:  # A alone on the base layer
            want = floors[0].frame(k).to_ndarray(format="rgb24")[:, :EXACT_COLUMNS]
            got = exact[k][:, :EXACT_COLUMNS]  # type: ignore[index]
            worst = max(worst, int(abs(want.astype(int) - got.astype(int)).max()))
            checked += 1
    print(f"  cold exact: done (load {os.getloadavg()[0]:.1f})", flush=True)
    frame = floors[0].frame(0)
    rgb = Timings("  (yuv420p -> rgb24 of one 720p frame)")
    for _ in range(20):
        rgb.time(lambda: frame.to_ndarray(format="rgb24"))
    for f in floors:
        f.close()

    # 2. Through the proxies (made first, timed for the record).
    started = time.perf_counter()
    for s in sources:
        ensure_proxy_async(s).result()
    made = time.perf_counter() - started
    if any(get_proxy(s) is None for s in sources):
        msg = "a proxy is missing after ensure_proxy_async"
        raise BenchError(msg)
    for k in warm:
        frame_at(two, k / fps, size=PROXY_SIZE, cache=False)
    proxy = Timings(f"vnb via {PROXY_SIZE[0]}x{PROXY_SIZE[1]} proxies, composed")
    for k in ks:
        small = proxy.time(lambda k=k: frame_at(two, k / fps, size=PROXY_SIZE, cache=False))
        if small.shape != (PROXY_SIZE[1], PROXY_SIZE[0], 3):  # type: ignore[attr-defined]
            msg = f"proxy frame of shape {small.shape}"  # type: ignore[attr-defined]
            raise BenchError(msg)
    print(f"  proxies: made in {made:.1f} s, done (load {os.getloadavg()[0]:.1f})", flush=True)

    # 3. The cache: a first request stores the frame, the second one reads it back.
    cached: dict[str, tuple[Timings, Timings]] = {}
    for label, size in (("1280x720", None), (f"{PROXY_SIZE[0]}x{PROXY_SIZE[1]}", PROXY_SIZE)):
        miss = Timings(f"vnb first request {label}, cache=True (store)")
        hit = Timings(f"vnb cached {label} (second request)")
        for k in ks:
            miss.time(lambda k=k, size=size: frame_at(two, k / fps, size=size))
        hits0 = vnb.cache.stats()["hits"]
        for k in ks:
            got = hit.time(lambda k=k, size=size: frame_at(two, k / fps, size=size))
            if size is None and k in exact and not (got == exact[k]).all():  # type: ignore[attr-defined]
                msg = f"cached frame {k} differs from the computed one"
                raise BenchError(msg)
        hits1 = vnb.cache.stats()["hits"]
        if hits1 - hits0 != n:
            msg = f"{hits1 - hits0} cache hits for {n} second requests ({label})"
            raise BenchError(msg)
        cached[label] = (miss, hit)
    backend = vnb.cache.stats()["backend"]
    print(f"  cache ({backend}): done (load {os.getloadavg()[0]:.1f})", flush=True)

    # 4. Playback: consecutive frames at 720p without the cache.
    def at(project):
        return lambda k: frame_at(project, k / fps, cache=False, proxies=False)

    body, fade = edit.windows["body"], edit.windows["crossfade"]
    r = args.repeat or (1 if args.quick else 3)
    play_one = play("vnb playback, 1 layer (B, brightness)", at(one), body, r)
    play_two = play("vnb playback, 2 layers (B + C, blur)", at(two), body, r)
    play_fade = play("vnb playback, 2 layers through the crossfade", at(two), fade, r)
    back = step_back("vnb step backward, 2 layers", at(two), *edit.backward)
    print(f"  playback: done (load {os.getloadavg()[0]:.1f})", flush=True)

    # 5. MoviePy on the same edit.
    mp_random = mp_play = None
    if not args.no_moviepy:
        video, files = moviepy_edit(edit, sources)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*bytes wanted but 0 bytes read")
                video.get_frame(warm[1] / fps)
                mp_random = Timings("MoviePy get_frame, random")
                for k in ks:
                    mp_random.time(lambda k=k: video.get_frame(k / fps))
                mp_play = play(
                    "MoviePy get_frame, 2 layers playback",
                    lambda k: video.get_frame(k / fps),
                    body,
                    r,
                )
        finally:
            video.close()
            for f in files:
                f.close()
        print(f"  moviepy: done (load {os.getloadavg()[0]:.1f})", flush=True)

    print()
    print(f"{'random access':<48} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8}")
    rows = [floor, floor_top, cold, proxy]
    for miss, hit in cached.values():
        rows += [hit, miss]
    if mp_random is not None:
        rows.append(mp_random)
    for row in rows:
        print(row.seek_row())
    print(rgb.seek_row())
    both = [a + b for a, b in zip(floor.wall, floor_top.wall, strict=True)]
    slower = [max(a, b) for a, b in zip(floor.wall, floor_top.wall, strict=True)]
    for label, values in (
        ("  (floor, both layers one after the other)", both),
        ("  (floor, the slower of the two layers)", slower),
    ):
        print(
            f"{label:<48} {n:4d} {statistics.median(values) * 1e3:8.2f} "
            f"{_percentile(values, 0.95) * 1e3:8.2f}"
        )
    print()
    print(f"{'playback (consecutive frames)':<48} {'n':>4} {'fps':>8} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'cpu/wall':>8}  fps of each round")  # fmt: skip
    for row in (play_one, play_two, play_fade, back, mp_play):
        if row is not None:
            print(row.play_row())
    print(
        f"exactness: {checked} composed frames equal the floor's left of the picture in "
        f"picture (max |diff| {worst})"
    )
    print()

    cached_hd = cached["1280x720"][1]
    cached_sd = cached[f"{PROXY_SIZE[0]}x{PROXY_SIZE[1]}"][1]
    results = [
        (
            f"ratio cached p50 / {CACHED_MS:g} ms: {cached_hd.p50 / CACHED_MS:.3f} "
            f"(720p {cached_hd.p50:.2f} ms; 360p {cached_sd.p50:.2f} ms; target <= 1",
            cached_hd.p50 <= CACHED_MS,
        ),
        (
            f"ratio proxy p50 / {PROXY_MS:g} ms: {proxy.p50 / PROXY_MS:.3f} "
            f"({proxy.p50:.2f} ms composed; target <= 1",
            proxy.p50 <= PROXY_MS,
        ),
        (
            f"ratio cold exact p50 / PyAV floor p50: {cold.p50 / floor.p50:.3f} "
            f"({cold.p50:.1f} / {floor.p50:.1f} ms; CPU p50 ratio "
            f"{statistics.median(cold.cpu) / statistics.median(floor.cpu):.3f}; "
            f"target <= {COLD_OVER_FLOOR}",
            cold.p50 <= COLD_OVER_FLOOR * floor.p50,
        ),
        (
            f"ratio 1-layer playback fps / {FPS_ONE:g}: {play_one.fps / FPS_ONE:.3f} "
            f"({play_one.fps:.1f} fps; target >= 1",
            play_one.fps >= FPS_ONE,
        ),
        (
            f"ratio 2-layer playback fps / {FPS_TWO:g}: {play_two.fps / FPS_TWO:.3f} "
            f"({play_two.fps:.1f} fps; target >= 1",
            play_two.fps >= FPS_TWO,
        ),
    ]
    if mp_random is not None and mp_play is not None:
        results.append(
            (
                f"ratio MoviePy random p50 / vnb proxy p50: {mp_random.p50 / proxy.p50:.1f} "
                f"({mp_random.p50:.1f} / {proxy.p50:.2f} ms; target >= {MOVIEPY_OVER_PROXY:g}",
                mp_random.p50 >= MOVIEPY_OVER_PROXY * proxy.p50,
            )
        )
    for text, ok in results:
        print(f"{text}: {verdict(ok)})")
        if text.startswith("ratio cold exact"):
            print(
                f"  (cold exact p50 / the slower layer's floor p50: "
                f"{cold.p50 / (statistics.median(slower) * 1e3):.3f}; / both layers' floors: "
                f"{cold.p50 / (statistics.median(both) * 1e3):.3f})"
            )
    if mp_random is not None and mp_play is not None:
        print(
            f"ratio MoviePy random p50 / vnb cold exact p50: {mp_random.p50 / cold.p50:.2f}; "
            f"vnb 2-layer playback fps / MoviePy's: {play_two.fps / mp_play.fps:.2f}"
        )
    else:
        print("ratio MoviePy random p50 / vnb proxy p50: skipped (--no-moviepy)")

    if args.profile:
        fresh = random_frames(edit, min(n, 20), args.seed + 1, [*warm, *ks])
        profile_cold(two, [k / fps for k in fresh], 30)
    if checked and worst > 2:
        print(
            f"\nFAILED: composed frames differ from the floor's by up to {worst}", file=sys.stderr
        )
        return 1
    if args.strict and not all(ok for _, ok in results):
        print("\nsome targets were missed (--strict)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as err:
        print(f"FAILED: {err}", file=sys.stderr)
        sys.exit(1)
