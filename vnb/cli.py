"""The ``vnb`` command line: render, frame, probe, doctor, demo, effects."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from vnb.errors import VnbError

__all__ = ["main"]


def _render(args: argparse.Namespace) -> int:
    import vnb  # noqa: PLC0415

    project = vnb.load(args.project)
    overrides = {
        k: getattr(args, k) for k in ("crf", "speed", "hardware") if getattr(args, k) is not None
    }
    result = project.render(
        args.output, preset=args.preset, progress_bar=not args.quiet, **overrides
    )
    print(
        f"wrote {result.path} ({result.duration:.2f} s, {result.width}x{result.height},"
        f" {result.elapsed:.1f} s)"
    )
    return 0


def _frame(args: argparse.Namespace) -> int:
    from PIL import Image  # noqa: PLC0415

    import vnb  # noqa: PLC0415

    project = vnb.load(args.project)
    size = (args.width, args.height) if args.width and args.height else None
    frame = project.frame_at(args.time, size=size)
    Image.fromarray(frame).save(args.output)
    print(f"wrote {args.output} ({frame.shape[1]}x{frame.shape[0]})")
    return 0


def _probe(args: argparse.Namespace) -> int:
    from vnb.media import probe  # noqa: PLC0415

    print(json.dumps(probe(args.file).to_dict(), indent=2))
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from vnb.telemetry import doctor, format_report  # noqa: PLC0415

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


def _effects(_args: argparse.Namespace) -> int:
    from vnb.effects import REGISTRY  # noqa: PLC0415

    for spec in REGISTRY.values():
        params = ", ".join(
            f"{p.name}={p.default!r}"
            + (f" [{p.minimum:g}..{p.maximum:g}]" if p.minimum is not None else "")
            for p in spec.params
        )
        print(f"{spec.name}({params})\n    {spec.doc}")
    return 0


def _cache(args: argparse.Namespace) -> int:
    from vnb import cache  # noqa: PLC0415

    if args.action == "clear":
        before = cache.stats()
        cache.clear()
        print(f"emptied the cache at {before['directory']} ({before['bytes'] / 1e6:.1f} MB freed)")
        return 0
    figures = cache.stats()
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    where = "in memory only: the folder is unusable" if figures["backend"] == "memory" else "disk"
    print(f"cache: {figures['directory']} ({where})")
    volume, limit = figures["bytes"] / 1e6, figures["size_limit"] / 1e6
    print(f"{figures['entries']} entries, {volume:.1f} MB of {limit:.0f} MB")
    hits, misses, ratio = figures["hits"], figures["misses"], figures["hit_ratio"]
    print(f"{hits} hits, {misses} misses (hit ratio {ratio:.0%})")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vnb", description="vnb: a Jupyter-native video editor.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("render", help="render a project file to a video file")
    p.add_argument("project", help="a .vnb.json project file")
    p.add_argument("output", help="the video file to write")
    p.add_argument(
        "--preset", help="web-1080p, web-720p, vertical, square, webm, prores, gif, audio-only"
    )
    p.add_argument("--crf", type=int, help="quality (lower is better)")
    p.add_argument("--speed", help="encoder speed preset (ultrafast … slower)")
    p.add_argument("--hardware", choices=["none", "auto"], help="hardware encoding")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_render)

    p = sub.add_parser("frame", help="write the frame at a time as a PNG")
    p.add_argument("project")
    p.add_argument("time", type=float, help="seconds on the timeline")
    p.add_argument("output", help="the PNG to write")
    p.add_argument("--width", type=int)
    p.add_argument("--height", type=int)
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

    p = sub.add_parser("effects", help="list the built-in effects and their parameters")
    p.set_defaults(run=_effects)

    p = sub.add_parser("cache", help="show the cache's figures, or empty it")
    p.add_argument("action", choices=["stats", "clear"])
    p.add_argument("--json", action="store_true", help="machine-readable figures")
    p.set_defaults(run=_cache)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (errors are messages, not tracebacks)."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except VnbError as err:
        print(f"vnb: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("vnb: interrupted", file=sys.stderr)
        return 130


def _entry() -> None:
    """The console script."""
    sys.exit(main())
