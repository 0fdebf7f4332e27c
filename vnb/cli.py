"""The ``vnb`` command line: render, batch, frame, probe, doctor, demo, effects, cache, lab.

Exit codes: 0 done; 1 the work was refused or failed (a `VnbError`: a bad project, a missing
file or folder, outputs that would collide, a failed render — one line on stderr, no
traceback); 2 the command line does not parse (argparse: an unknown option, a value out of its
range such as ``--conf nan``); 130 Ctrl+C. Anything else is a bug in vnb: its traceback shows.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from vnb.errors import VnbError

__all__ = ["main"]

HARDWARE_CHOICES = ["none", "auto", "nvenc", "qsv", "vaapi", "amf", "videotoolbox"]
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


def _render(args: argparse.Namespace) -> int:
    from vnb.project import load  # noqa: PLC0415

    project = load(args.project)
    overrides = {
        k: getattr(args, k)
        for k in ("crf", "speed", "hardware", "video_codec", "audio_codec", "fit")
        if getattr(args, k) is not None
    }
    result = project.render(
        args.output,
        preset=args.preset,
        progress_bar=not args.quiet,
        smart=args.smart,
        **overrides,
    )
    print(
        f"wrote {result.path} ({result.duration:.2f} s, {result.width}x{result.height},"
        f" {result.elapsed:.1f} s)"
    )
    if args.hardware not in (None, "none"):
        print(f"encoder: {result.video_codec} — {result.note}")
    if result.smart:
        print(result.smart_note)
    return 0


def _batch(args: argparse.Namespace) -> int:
    from vnb.render.batch import output_paths, render_many  # noqa: PLC0415

    out_dir = Path(args.out_dir)
    outputs = output_paths(args.files, out_dir, args.preset)
    first: dict[Path, str] = {}
    for file, output in zip(args.files, outputs, strict=True):
        other = first.setdefault(output.resolve(), file)
        if other != file:
            msg = (
                f"{other} and {file} would both be written to {output}: "
                "rename one, or render them into different --out-dir folders"
            )
            raise VnbError(msg)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        msg = f"cannot make the output folder {out_dir}: {err.strerror}"
        raise VnbError(msg) from None
    options = {
        k: getattr(args, k) for k in ("crf", "speed", "hardware") if getattr(args, k) is not None
    }
    options.update(preset=args.preset, progress_bar=not args.quiet)
    if args.scheduler:
        try:
            from distributed import Client  # noqa: PLC0415 - optional
        except ImportError:
            msg = "--scheduler needs Dask: pip install 'vnb[batch]'"
            raise VnbError(msg) from None
        with Client(args.scheduler) as client:
            results = render_many(args.files, outputs, executor=client.get_executor(), **options)
    else:
        results = render_many(args.files, outputs, workers=args.workers, **options)
    for r in results:
        print(f"wrote {r.output}" if r.ok else f"FAILED {r.error}")
    failed = sum(not r.ok for r in results)
    print(f"{len(results) - failed} of {len(results)} rendered")
    return 1 if failed else 0


def _frame(args: argparse.Namespace) -> int:
    from PIL import Image  # noqa: PLC0415

    from vnb.ffmpeg.outputs import check_output  # noqa: PLC0415
    from vnb.fileio import atomic_write  # noqa: PLC0415
    from vnb.project import load  # noqa: PLC0415

    output = Path(args.output)
    Image.init()
    suffix = output.suffix.lower()
    if suffix not in Image.registered_extensions():
        known = ", ".join(sorted({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}))
        msg = f"{output}: unknown image suffix {suffix or '(none)'!r}; use one of {known}"
        raise VnbError(msg)
    if not output.parent.is_dir():
        msg = f"{output}: the folder {output.parent} does not exist"
        raise VnbError(msg)
    project = load(args.project)
    check_output(project, output)  # never over a still the project uses, nor a device
    size = _frame_size(project.width, project.height, args.width, args.height)
    frame = project.frame_at(args.time, size=size)
    image = io.BytesIO()
    try:
        Image.fromarray(frame).save(image, format=Image.registered_extensions()[suffix])
    except (OSError, ValueError) as err:
        msg = f"cannot write {output}: {err}"
        raise VnbError(msg) from None
    atomic_write(output.absolute(), image.getvalue(), what="image", backup=False)
    print(f"wrote {args.output} ({frame.shape[1]}x{frame.shape[0]})")
    return 0


def _frame_size(
    width: int, height: int, want_width: int | None, want_height: int | None
) -> tuple[int, int] | None:
    """The size `vnb frame` draws at: as asked; one side alone keeps the project's aspect."""
    if want_width and want_height:
        return (want_width, want_height)
    if want_width:
        return (want_width, max(1, round(want_width * height / width)))
    if want_height:
        return (max(1, round(want_height * width / height)), want_height)
    return None


def _probe(args: argparse.Namespace) -> int:
    from vnb.media import probe  # noqa: PLC0415

    print(json.dumps(probe(args.file).to_dict(), indent=2))
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from vnb.doctor import doctor, format_report  # noqa: PLC0415

    report = doctor()
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0 if report["ok"] else 1


def _demo(args: argparse.Namespace) -> int:
    from vnb.demo import demo_project  # noqa: PLC0415

    folder = Path(args.folder)
    print(f"making sample media in {folder}/ …")
    project = demo_project(folder)
    print(f"saved the project to {project.file}")
    if args.no_render:
        return 0
    result = project.render(folder / "demo.mp4", progress_bar=not args.quiet)
    print(f"rendered {result.duration:.1f} s of video in {result.elapsed:.1f} s")
    print(f"wrote {result.path}")
    return 0


def _effects(args: argparse.Namespace) -> int:
    from vnb.effects.catalog import check_lines, list_lines  # noqa: PLC0415

    if args.action == "check":
        if not args.file:
            print("vnb: error: vnb effects check needs a .wasm or .wat file", file=sys.stderr)
            return 2
        print("\n".join(check_lines(args.file)))
        return 0
    print("\n".join([*list_lines(), *_example_lines()]))
    return 0


def _example_lines() -> list[str]:
    """The WASM effects shipped with vnb (``vnb/effects/wasm/examples``) and how to use one."""
    from vnb.effects.wasm import EXAMPLES  # noqa: PLC0415

    names = sorted(p.stem for p in EXAMPLES.glob("*.wat"))
    if not names:
        return []
    return [
        f"WASM examples shipped with vnb ({EXAMPLES}):",
        f"    {', '.join(names)}",
        "    use one: vnb.effects.load_wasm(vnb.effects.wasm.EXAMPLES / 'sepia.wat')(),"
        " or copy it into a plugin folder; check one: vnb effects check PATH",
    ]


def _cache(args: argparse.Namespace) -> int:
    from vnb import cache  # noqa: PLC0415

    cache.check()  # an unusable folder is an error here (CacheError), not a silent fallback
    if args.action == "clear":
        before = cache.stats()
        freed = before["bytes"] + cache.clear()
        print(f"emptied the cache at {before['directory']} ({freed / 1e6:.1f} MB freed)")
        return 0
    figures = cache.stats()
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    where = "in memory only: the folder is unusable" if figures["backend"] == "memory" else "disk"
    print(f"cache: {figures['directory']} ({where})")
    volume, limit = figures["bytes"] / 1e6, figures["size_limit"] / 1e6
    print(f"{figures['entries']} entries, {volume:.1f} MB of {limit:.0f} MB")
    files, files_limit = figures["files_bytes"] / 1e6, figures["files_limit"] / 1e6
    print(f"{figures['files']} proxies and pre-renders, {files:.1f} MB of {files_limit:.0f} MB")
    hits, misses, ratio = figures["hits"], figures["misses"], figures["hit_ratio"]
    print(f"{hits} hits, {misses} misses (hit ratio {ratio:.0%})")
    return 0


def _detect(args: argparse.Namespace) -> int:
    import vnb.detect  # noqa: PLC0415

    classes = [c.strip() for c in args.classes.split(",") if c.strip()] if args.classes else None
    dets = vnb.detect.analyze(
        args.video,
        every=args.every,
        classes=classes,
        model=args.model,
        size=args.size,
        conf=args.conf,
        progress=not args.quiet,
        timeout=args.timeout,
    )
    if args.out in (None, "-"):
        sys.stdout.write(dets.dumps(format=args.format))
        return 0
    with contextlib.suppress(OSError):
        if Path(args.out).samefile(args.video):
            msg = f"{args.out}: that is the video being analysed; give another --out"
            raise VnbError(msg)
    dets.save(args.out, format=args.format)
    tracks = len(dets.track_ids)
    print(f"wrote {args.out}: {len(dets)} detections in {len(dets.analyzed_frames)} frames,"
          f" {tracks} tracks", file=sys.stderr)  # fmt: skip
    return 0


def _models(args: argparse.Namespace) -> int:
    import vnb.detect  # noqa: PLC0415

    if args.action == "add":
        if not args.path:
            print("vnb: error: vnb models add PATH [--name NAME]", file=sys.stderr)
            return 2
        model = vnb.detect.add_model(args.path, name=args.name)
        print(f"registered {model.name}: {model.layout}, {len(model.names)} classes,"
              f" sha256 {model.sha256}")  # fmt: skip
        return 0
    for name, entry in vnb.detect.list_models().items():
        print(f"{name}  {entry['sha256'][:16]}…  {entry['file']}")
    return 0


def _lab(args: argparse.Namespace) -> int:
    import os  # noqa: PLC0415

    from vnb.notebook.lab import CHECK_ENV, check_lab, notebooks_folder, run_lab  # noqa: PLC0415

    folder = notebooks_folder(args.folder)
    if args.check or os.environ.get(CHECK_ENV) == "1":
        for line in check_lab(folder, timeout=args.timeout):
            print(line)
        print("vnb lab --check: ok")
        return 0
    options = []
    if args.port is not None:
        options.append(f"--ServerApp.port={args.port}")
    if args.ip is not None:
        options.append(f"--ServerApp.ip={args.ip}")
    if args.no_browser:
        options.append("--ServerApp.open_browser=False")
    return run_lab(folder, *options, *args.jupyter_options)


def _parser() -> argparse.ArgumentParser:
    from vnb._version import __version__  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="vnb", description="vnb: a Jupyter-native video editor.")
    parser.add_argument("--version", action="version", version=f"vnb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
        choices=["letterbox", "crop", "contain_blur"],
        help="an output of another aspect: bars, crop to the centre, or over a blurred copy",
    )
    p.add_argument(
        "--no-smart",
        dest="smart",
        action="store_false",
        help="re-encode everything (no stream copy of untouched H.264 stretches)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_render)

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
    p.set_defaults(run=_batch)

    p = sub.add_parser("frame", help="write the frame at a time as a PNG")
    p.add_argument("project")
    p.add_argument("time", type=float, help="seconds on the timeline")
    p.add_argument("output", help="the PNG to write")
    p.add_argument("--width", type=_side, help="pixels; alone, the height keeps the aspect")
    p.add_argument("--height", type=_side, help="pixels; alone, the width keeps the aspect")
    p.set_defaults(run=_frame)

    p = sub.add_parser("probe", help="describe a media file as JSON")
    p.add_argument("file")
    p.set_defaults(run=_probe)

    p = sub.add_parser("doctor", help="check ffmpeg, PyAV, fonts and the cache")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=_doctor)

    p = sub.add_parser("demo", help="make sample media and render a demo edit")
    p.add_argument("--folder", default="vnb-demo", help="where to put it (default: ./vnb-demo)")
    p.add_argument("--no-render", action="store_true", help="only make the media and the project")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_demo)

    p = sub.add_parser("effects", help="list effects (built-in, WASM, Python); check a WASM module")
    p.add_argument("action", nargs="?", choices=["list", "check"], default="list")
    p.add_argument("file", nargs="?", help="for check: the .wasm or .wat module")
    p.set_defaults(run=_effects)

    p = sub.add_parser("cache", help="show the cache's figures, or empty it")
    p.add_argument("action", choices=["stats", "clear"])
    p.add_argument("--json", action="store_true", help="machine-readable figures")
    p.set_defaults(run=_cache)
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
    p.set_defaults(run=_detect)

    p = sub.add_parser("models", help="list detection models, or register an ONNX export")
    p.add_argument("action", choices=["list", "add"])
    p.add_argument("path", nargs="?", help="for add: the ONNX file (YOLOv5 or YOLOv8/v11)")
    p.add_argument("--name", help="for add: the name to register it under")
    p.set_defaults(run=_models)

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
    p.set_defaults(run=_lab)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (errors are messages, not tracebacks).

    A `VnbError` exits 1, and so does an ``OSError`` naming a file (permission denied, disk
    full); argparse's errors exit 2, Ctrl+C 130. Other exceptions are bugs: traceback.
    """
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "lab":
        args.jupyter_options = extra[1:] if extra[:1] == ["--"] else extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return int(args.run(args))
    except VnbError as err:
        print(f"vnb: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        if err.filename is None:
            raise
        print(f"vnb: error: {err.filename}: {err.strerror or err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("vnb: interrupted", file=sys.stderr)
        return 130


def _entry() -> None:
    """The console script."""
    sys.exit(main())
