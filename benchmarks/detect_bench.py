"""How close `vnb.detect.analyze` comes to the model alone, on a 720p clip.

Two measures, in the same run, interleaved round by round:

- **floor**: the onnxruntime session of the shipped model called on pre-made input tensors
  (letterboxed frames of the clip, made before the clock starts), one frame per call — what the
  model alone can do;
- **analyze**: ``vnb.detect.analyze(clip, every=1, size=320, progress=False)`` with an empty cache
  — decoding with PyAV, scaling into the letterbox, the model, decoding the boxes, NMS, tracking.

Frames per second of each (best of the rounds) and their ratio are printed; the target is a
ratio of at least 0.9. The clip is a 1280×720 30 fps H.264 pan across scikit-image's astronaut
(testsrc2 when scikit-image is missing), cached in ``benchmarks/out/detect/``.

    .venv/bin/python benchmarks/detect_bench.py            # 10 s clip, 3 rounds
    .venv/bin/python benchmarks/detect_bench.py --quick    # 2 s clip, 1 round
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from media import OUT, run_ffmpeg


def make_clip(folder: Path, seconds: float) -> Path:
    """A 1280×720 30 fps pan across a photo (or testsrc2), made once per length."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"pan-{seconds:g}s.mp4"
    if path.exists():
        return path
    try:
        from PIL import Image
        from skimage import data

        photo = folder / "astronaut-wide.png"
        Image.fromarray(data.astronaut()).resize((1280, 1280)).save(photo)
        # A 720-pixel high window moving down the 1280×1280 photo, scaled to 1280×720.
        source = ["-loop", "1", "-framerate", "30", "-i", str(photo)]
        vf = f"crop=1280:720:0:'min(560,t*{560 / seconds:.3f})',format=yuv420p"
    except ImportError:
        source = ["-f", "lavfi", "-i", "testsrc2=s=1280x720:r=30"]
        vf = "format=yuv420p"
    tmp = path.with_suffix(".tmp.mp4")
    run_ffmpeg(
        *source, "-t", f"{seconds:g}", "-vf", vf, "-r", "30",
        "-c:v", "libx264", "-preset", "fast", "-crf", "20", "-g", "60", tmp, timeout=None,
    )  # fmt: skip
    tmp.replace(path)
    return path


def premade_tensors(clip: Path, size: int, count: int) -> list[np.ndarray]:
    """Letterboxed input tensors of the clip's first frames (made before any timing)."""
    from vnb.detect.postprocess import Letterbox
    from vnb.media import open_input

    tensors = []
    with open_input(clip) as container:
        for frame in container.decode(container.streams.video[0]):
            lb = Letterbox.fit((frame.width, frame.height), (size, size))
            small = frame.reformat(
                width=lb.width, height=lb.height, format="rgb24", interpolation="AREA"
            ).to_ndarray()
            tensors.append(lb.place([small]))
            if len(tensors) == count:
                break
    return tensors


def floor_fps(model, tensors: list[np.ndarray], frames: int) -> float:
    run, name = model.session.run, model.input_name
    start = time.perf_counter()
    for i in range(frames):
        run(None, {name: tensors[i % len(tensors)]})
    return frames / (time.perf_counter() - start)


def analyze_fps(clip: Path, size: int) -> tuple[float, int]:
    import vnb.detect
    from vnb import cache

    cache.clear()
    start = time.perf_counter()
    dets = vnb.detect.analyze(clip, every=1, size=size, progress=False)
    elapsed = time.perf_counter() - start
    frames = len(dets.analyzed_frames)
    return frames / elapsed, frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="2 s clip, 1 round")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    seconds, rounds = (2.0, 1) if args.quick else (args.seconds, args.rounds)
    clip = make_clip(args.out / "detect", seconds)
    os.environ["VNB_CACHE_DIR"] = tempfile.mkdtemp(prefix="vnb-detect-bench-")
    import vnb.detect

    model = vnb.detect.load_model()
    tensors = premade_tensors(clip, args.size, 30)
    floor_fps(model, tensors, 5)  # warm-up
    floors, analyses, frames = [], [], 0
    for _ in range(rounds):
        a, frames = analyze_fps(clip, args.size)
        analyses.append(a)
        floors.append(floor_fps(model, tensors, frames))
    best_floor, best_analyze = max(floors), max(analyses)
    print(
        f"clip: {clip.name}, {frames} frames 1280x720, input {args.size}, provider {model.provider}"
    )
    print(f"floor    {best_floor:7.1f} fps  (session.run on pre-made tensors)")
    print(f"analyze  {best_analyze:7.1f} fps  (decode + letterbox + model + NMS + tracking)")
    print(f"ratio analyze/floor: {best_analyze / best_floor:.2f} (target >= 0.90)")
    return 0 if frames > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
