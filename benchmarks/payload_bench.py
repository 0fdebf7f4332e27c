"""What one editor costs on the wire: its ES module, its CSS and its initial state (issue #13).

When a notebook shows an editor, the kernel opens a widget comm whose first message carries
every synced trait: anywidget's ``_esm`` (and ``_css``) and the editor's own traits (the
timeline view model, the inspector, labels, …, and ``frame_jpeg`` as a binary buffer). The
editor's bundle (``editor.js`` + ``editor.css``) comes once per kernel, in the shared model the
first editor opens (`vnb.notebook._assets.shared_bundle`); every editor after it costs only
its own message.
This script builds the editor of a 3-track project (two video tracks, one audio track; a
crossfade, effects, a title, a selected clip), splits its state as ipywidgets does when it
opens the comm (`ipywidgets.widgets.widget._remove_buffers`) and packs the JSON part with
jupyter_client's own packer, so the bytes are the bytes sent.

    .venv/bin/python benchmarks/payload_bench.py            # the table
    .venv/bin/python benchmarks/payload_bench.py --json     # one JSON line
    .venv/bin/python benchmarks/payload_bench.py --check    # exit 1 when the first editor
                                                            # (with the bundle) passes 80 KB

Run it with ``PYTHONPATH`` pointing at another checkout to measure that tree (the figure before
the bundle was measured so: see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from ipywidgets import Widget
from ipywidgets.widgets.widget import _remove_buffers
from jupyter_client.session import json_packer

import vnb
from vnb.notebook.editor import Editor

GOAL = 80 * 1024
"""Bytes per editor (module + CSS + initial state) the issue asks for at most."""
BEFORE = 260_289
"""Bytes per editor before the esbuild bundle (regex-inlined ``data:`` URLs): this script run on
commit 6cd0477, the parent of the bundle (the issue's 188 KB was an older tree's figure)."""


def three_track_project(folder: Path) -> tuple[vnb.Project, str]:
    """A 3-track project on the benchmark sources (2 s each, made once and cached), and the id
    of its selected clip."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # media.py beside this file
    from media import make_sources

    a, b, c = make_sources(2.0)
    p = vnb.Project(name="payload", width=1280, height=720, fps=30)
    v1 = p.add_track("video")
    first = v1.add_clip(str(a), start=0.0, duration=2.0)
    second = v1.add_clip(str(b), start=1.5, duration=2.0)
    second.effects.append(vnb.effects.brightness(0.1))
    second.effects.append(vnb.effects.contrast(1.2))
    v1.add_transition(first, second, "crossfade", duration=0.5)
    v2 = p.add_track("video")
    top = v2.add_clip(str(c), start=1.0, duration=1.5)
    top.transform.scale = 0.5
    audio = p.add_track("audio")
    audio.add_clip(str(a), start=0.0, duration=2.0)
    p.add_title("Payload", start=0.0, duration=1.0)
    p.save(folder / "payload.vnb.json")
    return p, second.id


def comm_open_bytes(widget: Widget) -> tuple[dict[str, int], int]:
    """The bytes of ``widget``'s first comm message: ``_esm``, ``_css``, the rest, buffers."""
    state = widget.get_state()
    esm, css = state.pop("_esm", ""), state.pop("_css", "")
    rest, _paths, buffers = _remove_buffers(state)
    sizes = {
        "esm": len(str(esm).encode("utf-8")),
        "css": len(str(css).encode("utf-8")),
        "state": len(json_packer(rest)),
        "buffers": sum(len(bytes(b)) for b in buffers),
    }
    return sizes, sum(sizes.values())


def measure() -> dict[str, int]:
    """One editor's bytes, and the shared bundle's (sent once per kernel, before the first)."""
    with tempfile.TemporaryDirectory() as tmp:
        project, selected = three_track_project(Path(tmp))
        editor = Editor(project, selection=selected)
        try:
            sizes, total = comm_open_bytes(editor)
            bundle = getattr(editor, "bundle", None)  # None: a tree without the shared bundle
            shared = comm_open_bytes(bundle)[1] if bundle is not None else 0
        finally:
            editor.close()
    return {**sizes, "per_editor": total, "shared_once": shared, "first_editor": total + shared}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--check", action="store_true", help="exit 1 above the goal")
    args = parser.parse_args()
    sizes = measure()
    if args.json:
        print(json.dumps({**sizes, "goal": GOAL, "before": BEFORE}))
    else:
        kb = lambda n: f"{n / 1024:7.1f} KB"  # noqa: E731
        print("editors of a 3-track project: their first comm messages")
        for name, label in [
            ("esm", "_esm"),
            ("css", "_css"),
            ("state", "other traits (JSON)"),
            ("buffers", "binary buffers (frame_jpeg)"),
            ("per_editor", "every editor"),
            ("shared_once", "the shared bundle, once"),
            ("first_editor", "the first editor, with it"),
        ]:
            print(f"  {label:32} {kb(sizes[name])}")
        print(f"  {'goal (per editor)':32} {kb(GOAL)}")
        print(f"  {'before the bundle (per editor)':32} {kb(BEFORE)}")
    return 1 if args.check and sizes["first_editor"] > GOAL else 0


if __name__ == "__main__":
    raise SystemExit(main())
