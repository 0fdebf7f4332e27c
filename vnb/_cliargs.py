"""The ``vnb`` command line's grammar: each subcommand's arguments (`vnb.cli` runs them).

Each ``add_*`` function adds one subcommand to the subparsers and returns its parser, for
`vnb.cli` to attach the function that runs it.
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from vnb.schema.export import FITS, HARDWARE

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]

__all__ = [
    "HARDWARE_CHOICES",
    "MAX_SIDE",
    "add_batch",
    "add_cache",
    "add_demo",
    "add_detect",
    "add_doctor",
    "add_effects",
    "add_frame",
    "add_lab",
    "add_models",
    "add_probe",
    "add_render",
]

HARDWARE_CHOICES = list(HARDWARE)
"""``--hardware``'s choices: the export settings' `HARDWARE`."""
MAX_SIDE = 8192
"""The largest ``--width``/``--height`` of `vnb frame`: the project's own bound."""


def _side(text: str) -> int:
    """An argparse type: a frame side in pixels, 1..`MAX_SIDE`."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_SIDE:
        msg = f"must be a whole number of pixels from 1 to {MAX_SIDE}, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _score(text: str) -> float:
    """An argparse type: a confidence score, a finite number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        msg = f"must be a number from 0 to 1, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def add_render(sub: Commands) -> argparse.ArgumentParser:
    """The ``render`` command: render a project file to a video file."""
    p = sub.add_parser("render", help="render a project file to a video file")
    p.add_argument("project", help="a .vnb.json project file")
    p.add_argument(
        "output",
        help="the file to write; its extension picks the format (.mp4 .mov .mkv .webm .gif "
        ".m4a .wav .mp3 .flac .opus .ogg, NAME_%%05d.png or FOLDER/ for PNG frames)",
    )
    p.add_argument(
        "--preset", help="web-1080p, web-720p, vertical, square, webm, prores, gif, audio-only"
    )
    p.add_argument("--crf", type=int, help="quality (lower is better)")
    p.add_argument("--speed", help="encoder speed preset (ultrafast … slower)")
    p.add_argument("--hardware", choices=HARDWARE_CHOICES, help="hardware encoding")
    p.add_argument("--video-codec", help="e.g. prores for a .mov (default: the format's)")
    p.add_argument("--audio-codec", help="e.g. opus for a .mkv (default: the format's)")
    p.add_argument(
        "--fit",
        choices=list(FITS),
        help="an output of another aspect: bars, crop to the centre, or over a blurred copy",
    )
    p.add_argument(
        "--no-smart",
        dest="smart",
        action="store_false",
        help="re-encode everything (no stream copy of untouched H.264 stretches)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


def add_batch(sub: Commands) -> argparse.ArgumentParser:
    """The ``batch`` command: render many project files in parallel."""
    p = sub.add_parser("batch", help="render many project files in parallel")
    p.add_argument("files", nargs="+", metavar="FILE", help=".vnb.json project files")
    p.add_argument("--out-dir", required=True, help="folder for the outputs (NAME.mp4 …)")
    p.add_argument("--workers", type=int, default=2, help="local processes (default 2)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler, e.g. tcp://h:8786")
    p.add_argument("--preset", help="a named preset for every render")
    p.add_argument("--crf", type=int, help="quality (lower is better)")
    p.add_argument("--speed", help="encoder speed preset (ultrafast … slower)")
    p.add_argument("--hardware", choices=HARDWARE_CHOICES, help="hardware encoding")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


def add_frame(sub: Commands) -> argparse.ArgumentParser:
    """The ``frame`` command: write the frame at a time as a PNG."""
    p = sub.add_parser("frame", help="write the frame at a time as a PNG")
    p.add_argument("project")
    p.add_argument("time", type=float, help="seconds on the timeline")
    p.add_argument("output", help="the PNG to write")
    p.add_argument("--width", type=_side, help="pixels; alone, the height keeps the aspect")
    p.add_argument("--height", type=_side, help="pixels; alone, the width keeps the aspect")
    return p


def add_probe(sub: Commands) -> argparse.ArgumentParser:
    """The ``probe`` command: describe a media file as JSON."""
    p = sub.add_parser("probe", help="describe a media file as JSON")
    p.add_argument("file")
    return p


def add_doctor(sub: Commands) -> argparse.ArgumentParser:
    """The ``doctor`` command: check ffmpeg, PyAV, fonts and the cache."""
    p = sub.add_parser("doctor", help="check ffmpeg, PyAV, fonts and the cache")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def add_demo(sub: Commands) -> argparse.ArgumentParser:
    """The ``demo`` command: make sample media and render a demo edit."""
    p = sub.add_parser("demo", help="make sample media and render a demo edit")
    p.add_argument("--folder", default="vnb-demo", help="where to put it (default: ./vnb-demo)")
    p.add_argument("--no-render", action="store_true", help="only make the media and the project")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


def add_effects(sub: Commands) -> argparse.ArgumentParser:
    """The ``effects`` command: list effects (built-in, WASM, Python); check a WASM module."""
    p = sub.add_parser("effects", help="list effects (built-in, WASM, Python); check a WASM module")
    p.add_argument("action", nargs="?", choices=["list", "check"], default="list")
    p.add_argument("file", nargs="?", help="for check: the .wasm or .wat module")
    return p


def add_cache(sub: Commands) -> argparse.ArgumentParser:
    """The ``cache`` command: show the cache's figures, or empty it."""
    p = sub.add_parser("cache", help="show the cache's figures, or empty it")
    p.add_argument("action", choices=["stats", "clear"])
    p.add_argument("--json", action="store_true", help="machine-readable figures")
    return p


def add_detect(sub: Commands) -> argparse.ArgumentParser:
    """The ``detect`` command: detect and track objects in a video (JSON or COCO)."""
    p = sub.add_parser("detect", help="detect and track objects in a video (JSON or COCO)")
    p.add_argument("video")
    p.add_argument("--out", help="the file to write (default: standard output)")
    p.add_argument("--format", choices=["json", "coco"], default="json")
    p.add_argument("--every", type=int, default=1, help="analyse one frame in N (default 1)")
    p.add_argument("--classes", help="comma-separated class names, e.g. person,car")
    p.add_argument("--model", help="a registered model's name or an ONNX file")
    p.add_argument("--size", type=int, help="model input side, a multiple of 32 (default 320)")
    p.add_argument("--conf", type=_score, default=0.25, help="lowest score kept, 0..1")
    p.add_argument("--timeout", type=float, help="seconds one model call may take (default 60)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


def add_models(sub: Commands) -> argparse.ArgumentParser:
    """The ``models`` command: list detection models, or register an ONNX export."""
    p = sub.add_parser("models", help="list detection models, or register an ONNX export")
    p.add_argument("action", choices=["list", "add"])
    p.add_argument("path", nargs="?", help="for add: the ONNX file (YOLOv5 or YOLOv8/v11)")
    p.add_argument("--name", help="for add: the name to register it under")
    return p


def add_lab(sub: Commands) -> argparse.ArgumentParser:
    """The ``lab`` command: open JupyterLab on the tutorials (notebooks/ of the checkout)."""
    p = sub.add_parser(
        "lab",
        help="open JupyterLab on the tutorials (notebooks/ of the checkout)",
        description="Open JupyterLab on the tutorials. Options it does not know go to "
        "JupyterLab, e.g. `vnb lab --ServerApp.token=x` or `vnb lab -- --collaborative`.",
    )
    p.add_argument("--folder", help="another folder of notebooks (default: notebooks/)")
    p.add_argument("--port", type=int, help="the port to serve on (default: JupyterLab's, 8888)")
    p.add_argument("--ip", help="the address to listen on (default: JupyterLab's, localhost)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--check",
        action="store_true",
        help="start it headless, check that it serves the tutorials, stop (also: VNB_LAB_CHECK=1)",
    )
    p.add_argument(
        "--timeout", type=float, default=120.0, help="seconds --check waits for it (default 120)"
    )
    return p
