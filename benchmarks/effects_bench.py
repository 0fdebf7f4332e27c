"""Custom-effect benchmark: the shipped WASM examples against numpy, and render throughput.

1. Per-frame time of each shipped example (``vnb/effects/wasm/examples``) at 720p and 1080p,
   as vnb calls it: copy the RGBA frame into the instance, ``apply``, copy the result out.
   Against it, the fastest of several numpy implementations of the same formula (each checked
   to give the same picture, within one level). Ratio = numpy time / WASM time (> 1: WASM is
   faster).
2. Render throughput of a 1280×720 30 fps clip with a WASM effect (pre-rendered on 1 and on
   2 worker threads, then encoded) against the same clip without it.

Usage::

    .venv/bin/python benchmarks/effects_bench.py            # full
    .venv/bin/python benchmarks/effects_bench.py --quick    # fewer repeats, 2 s clip
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "vnb" / "effects" / "wasm" / "examples"
SEPIA = ((0.393, 0.769, 0.189), (0.349, 0.686, 0.168), (0.272, 0.534, 0.131))
PARAMS: dict[str, dict[str, float]] = {
    "invert": {},
    "grayscale": {},
    "sepia": {"strength": 1.0},
    "vignette": {"strength": 0.7},
    "pixelate": {"size": 16},
    "wave": {"amplitude": 12, "wavelength": 120, "speed": 1},
}
T = 0.75  # seconds: the frame time given to the effects


# -- numpy implementations (the best of each is reported) -------------------------------


def invert_xor(f: np.ndarray, **_: float) -> np.ndarray:
    return (f.view(np.uint32) ^ np.uint32(0x00FFFFFF)).view(np.uint8)


def invert_sub(f: np.ndarray, **_: float) -> np.ndarray:
    out = f.copy()
    np.subtract(255, f[..., :3], out=out[..., :3])
    return out


def gray_inplace_u32(f: np.ndarray, **_: float) -> np.ndarray:
    v = f.view(np.uint32)[..., 0]
    t, y = np.empty_like(v), np.empty_like(v)
    np.bitwise_and(v, 255, out=y)
    y *= 77
    np.right_shift(v, 8, out=t)
    t &= 255
    t *= 150
    y += t
    np.right_shift(v, 16, out=t)
    t &= 255
    t *= 29
    y += t
    y += 128
    y >>= 8
    y *= 0x010101
    np.bitwise_and(v, 0xFF000000, out=t)
    y |= t
    return y.view(np.uint8).reshape(f.shape)


def gray_u16(f: np.ndarray, **_: float) -> np.ndarray:
    r = f[..., 0].astype(np.uint16)
    r *= 77
    g = f[..., 1].astype(np.uint16)
    g *= 150
    r += g
    g[...] = f[..., 2]
    g *= 29
    r += g
    r += 128
    r >>= 8
    out = f.copy()
    y = r.astype(np.uint8)
    out[..., 0] = y
    out[..., 1] = y
    out[..., 2] = y
    return out


def _sepia_matrix(s: float) -> np.ndarray:
    m = np.empty((3, 3), np.float32)
    for i in range(3):
        for j in range(3):
            ident = np.float32(1.0 if i == j else 0.0)
            m[i, j] = ident + (np.float32(SEPIA[i][j]) - ident) * np.float32(s)
    return m


def sepia_matmul(f: np.ndarray, strength: float) -> np.ndarray:
    v = f[..., :3].astype(np.float32) @ _sepia_matrix(strength).T
    out = np.empty_like(f)
    np.rint(v, out=v)
    np.minimum(v, 255, out=v)
    out[..., :3] = v
    out[..., 3] = f[..., 3]
    return out


def sepia_channels(f: np.ndarray, strength: float) -> np.ndarray:
    m = _sepia_matrix(strength)
    c = [f[..., k].astype(np.float32) for k in range(3)]
    out = f.copy()
    acc = np.empty_like(c[0])
    for i in range(3):
        np.multiply(c[0], m[i, 0], out=acc)
        acc += c[1] * m[i, 1]
        acc += c[2] * m[i, 2]
        np.rint(acc, out=acc)
        np.minimum(acc, 255, out=acc)
        out[..., i] = acc
    return out


_VIGNETTE: dict[tuple[int, int, float], np.ndarray] = {}


def vignette_cached_map(f: np.ndarray, strength: float) -> np.ndarray:
    h, w = f.shape[:2]
    fac = _VIGNETTE.get((w, h, strength))
    if fac is None:  # a fair numpy: the factor map depends only on size and strength
        one, half = np.float32(1), np.float32(0.5)
        u = (np.arange(w, dtype=np.float32) + half) * (np.float32(2) / np.float32(w)) - one
        v = (np.arange(h, dtype=np.float32) + half) * (np.float32(2) / np.float32(h)) - one
        k = np.float32(strength) * half
        fac = _VIGNETTE[(w, h, strength)] = one - k * (u[None, :] * u[None, :] + (v * v)[:, None])
    x = f[..., :3] * fac[..., None]
    np.rint(x, out=x)
    out = np.empty_like(f)
    out[..., :3] = x
    out[..., 3] = f[..., 3]
    return out


def pixelate_reduceat(f: np.ndarray, size: float) -> np.ndarray:
    b = round(size)
    h, w = f.shape[:2]
    rows, cols = np.arange(0, h, b), np.arange(0, w, b)
    sums = np.add.reduceat(np.add.reduceat(f.astype(np.int32), rows, axis=0), cols, axis=1)
    n = (np.minimum(b, h - rows)[:, None] * np.minimum(b, w - cols)[None, :])[..., None]
    mean = ((sums + n // 2) // n).astype(np.uint8)
    return np.repeat(np.repeat(mean, np.minimum(b, h - rows), 0), np.minimum(b, w - cols), 1)


def _wave_shifts(h: int, w: int, t: float, *, amplitude: float, wavelength: float, speed: float):
    turns = np.arange(h, dtype=np.float64) / np.float64(np.float32(wavelength))
    turns += (t * 1000.0 / 1000.0) * np.float64(np.float32(speed))
    q = (turns - np.floor(turns)) - 0.5
    s = 8.0 * q - (16.0 * q) * np.abs(q)
    s = 0.225 * ((s * np.abs(s)) - s) + s
    return np.clip(np.rint(np.float64(np.float32(amplitude)) * -s), -w, w).astype(np.int64)


def wave_gather(f: np.ndarray, t: float = T, **p: float) -> np.ndarray:
    h, w = f.shape[:2]
    d = _wave_shifts(h, w, t, **p)
    x = np.clip(np.arange(w)[None, :] - d[:, None], 0, w - 1)
    return np.take_along_axis(f, x[..., None], axis=1)


def wave_rows(f: np.ndarray, t: float = T, **p: float) -> np.ndarray:
    h, w = f.shape[:2]
    out = np.empty_like(f)
    for y, d in enumerate(_wave_shifts(h, w, t, **p).tolist()):
        if d >= 0:
            out[y, d:] = f[y, : w - d]
            out[y, :d] = f[y, 0]
        else:
            out[y, : w + d] = f[y, -d:]
            out[y, w + d :] = f[y, w - 1]
    return out


NUMPY: dict[str, list[Callable[..., np.ndarray]]] = {
    "invert": [invert_xor, invert_sub],
    "grayscale": [gray_inplace_u32, gray_u16],
    "sepia": [sepia_matmul, sepia_channels],
    "vignette": [vignette_cached_map],
    "pixelate": [pixelate_reduceat],
    "wave": [wave_gather, wave_rows],
}


def best_time(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_frames(repeat: int) -> dict[tuple[str, int], float]:
    from vnb.effects.wasm.plugins import load_wasm

    rng = np.random.default_rng(7)
    ratios: dict[tuple[str, int], float] = {}
    print(
        f"{'effect':10} {'size':>9} {'wasm ms':>8} {'numpy ms':>9} {'best numpy':>18} {'ratio':>6}"
    )
    for height in (720, 1080):
        width = height * 16 // 9
        frame = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
        for name, params in PARAMS.items():
            fx = load_wasm(EXAMPLES / f"{name}.wat")
            got = fx.apply(frame, T, 0, params)
            wasm = best_time(lambda: fx.apply(frame, T, 0, params), repeat)  # noqa: B023
            timings = []
            for impl in NUMPY[name]:
                out = impl(frame, **params)
                diff = int(np.abs(out.astype(np.int16) - got).max())
                if diff > 1:
                    sys.exit(f"{impl.__name__} differs from wasm:{name} by {diff} levels")
                timings.append((best_time(lambda: impl(frame, **params), repeat), impl.__name__))  # noqa: B023
            numpy_time, which = min(timings)
            ratios[(name, height)] = numpy_time / wasm
            print(
                f"{name:10} {width}x{height:<4} {wasm * 1e3:8.2f} {numpy_time * 1e3:9.2f} "
                f"{which:>18} {numpy_time / wasm:5.2f}x"
            )
    return ratios


def bench_render(seconds: float, folder: Path) -> None:
    from media import make_media

    import vnb
    from vnb import cache
    from vnb.effects.wasm.plugins import load_wasm
    from vnb.preview import plan_of
    from vnb.render import intermediate, prerender

    src = make_media(
        folder, "src.mp4", video=f"testsrc2=s=1280x720:r=30:d={seconds}", audio=None,
        preset="fast", crf=18, gop=60, timeout=None,
    )  # fmt: skip
    cache.configure(directory=folder / "cache")
    fx = load_wasm(EXAMPLES / "vignette.wat")
    frames = round(seconds * 30)
    options = {"crf": 20, "speed": "veryfast", "progress_bar": False}

    def project(effect: bool) -> vnb.Project:
        p = vnb.Project(name="bench", width=1280, height=720, fps=30)
        clip = p.add_track("video").add_clip(str(src), start=0, duration=seconds)
        if effect:
            clip.effects.append(fx(strength=0.7))
        return p

    start = time.perf_counter()
    project(False).render(folder / "plain.mp4", **options)
    plain = time.perf_counter() - start
    print(f"\nrender 1280x720, {frames} frames, libx264 veryfast:")
    print(f"  without effect            {plain:6.2f} s  {frames / plain:6.1f} fps")
    for workers in (1, 2):
        shutil.rmtree(folder / "cache" / "prerender", ignore_errors=True)
        intermediate.WORKERS = workers
        p = project(True)
        start, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        [job] = prerender.jobs_for(plan_of(p))
        prerender.prerender_item(job)
        pre = time.perf_counter() - start
        used = resource.getrusage(resource.RUSAGE_SELF)
        cpu_ms = (used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime) / frames * 1e3
        start = time.perf_counter()
        p.render(folder / "fx.mp4", **options)  # the intermediate is cached now
        encode = time.perf_counter() - start
        total = pre + encode
        print(
            f"  wasm:vignette, {workers} worker{'s' if workers > 1 else ' '}  {total:6.2f} s  "
            f"{frames / total:6.1f} fps  (pre-pass {frames / pre:5.1f} fps, "
            f"then graph {frames / encode:5.1f} fps; {plain / total:.2f}x the plain speed; "
            f"pre-pass CPU {cpu_ms:.1f} ms/frame)"
        )
    load = os.getloadavg()[0]
    print(f"  cores: {os.cpu_count()}, load average {load:.1f} (timings are wall clock)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repeats, a 2 s clip")
    parser.add_argument("--out", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    ratios = bench_frames(2 if args.quick else 10)
    gray = ratios[("grayscale", 1080)]
    print(f"\ngrayscale at 1080p: WASM {gray:.2f}x faster than numpy (target >= 2x)")
    with tempfile.TemporaryDirectory(prefix="vnb-fx-bench-") as tmp:
        folder = args.out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        bench_render(2.0 if args.quick else 10.0, folder)
    if gray < 2:
        print("grayscale misses its target")


if __name__ == "__main__":
    main()
