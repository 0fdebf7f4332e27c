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
import sys
from collections.abc import Sequence
from pathlib import Path

from vnb import _cliargs as _args
from vnb.errors import VnbError

__all__ = ["main"]


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
        gone = f"{before['entries']} entries ({before['renders']} renders), {before['files']} files"
        print(f"emptied the cache at {before['directory']}: {gone}, {freed / 1e6:.1f} MB freed")
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
    print(f"{figures['renders']} renders remembered: an identical render again is a copy")
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
    _args.add_render(sub).set_defaults(run=_render)
    _args.add_batch(sub).set_defaults(run=_batch)
    _args.add_frame(sub).set_defaults(run=_frame)
    _args.add_probe(sub).set_defaults(run=_probe)
    _args.add_doctor(sub).set_defaults(run=_doctor)
    _args.add_demo(sub).set_defaults(run=_demo)
    _args.add_effects(sub).set_defaults(run=_effects)
    _args.add_cache(sub).set_defaults(run=_cache)
    _args.add_detect(sub).set_defaults(run=_detect)
    _args.add_models(sub).set_defaults(run=_models)
    _args.add_lab(sub).set_defaults(run=_lab)
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
