"""``animation_bench.py --profile``: where an animated render's time goes, by parts removed.

vnb's own command for an edit (inputs and graph, as `Project.render` builds them) is run with
``-c:v wrapped_avframe -f null`` (the graph and the decoders, no encode) as built and with
parts taken out of the graph; the CPU time of each (user + system of the ffmpeg process, best
of ``repeat``) shows what each part costs. The variants change what is drawn, so only their
times mean anything:

- ``no sub-pixel shift``: every ``convolution`` (the moving pictures' shifts) replaced by
  ``null``;
- ``still decoded once``: a still image input read once and repeated by a ``loop`` filter,
  instead of ``-loop 1`` (which decodes and converts the image again for every frame);
- both.

The graph goes to ffmpeg in a file (``-/filter_complex``): an animated graph is larger than
the 128 KB a single argument may have.
"""

from __future__ import annotations

import re
import resource
import subprocess
import tempfile
from pathlib import Path

from media import ffmpeg_exe

import vnb

__all__ = ["profile"]

_UNESCAPED = r"(?<!\\)"
_LABELS = re.compile(r"((?:\[[A-Za-z0-9_]+\])+)$")


def command(project: vnb.Project, folder: Path) -> tuple[list[str], str, list[str]]:
    """vnb's inputs, graph and output labels for ``project`` (title images into ``folder``)."""
    from vnb.ffmpeg import build_command, build_graph
    from vnb.media import plan_project
    from vnb.render.export import text_images
    from vnb.schema.export import resolve_export

    plan = plan_project(project)
    export = resolve_export(project.export, None, crf=20, speed="fast")
    graph = build_graph(plan, export, text_images(plan, folder))
    cmd = build_command(graph, export, lambda _name: True)
    labels = [cmd.outputs[i + 1] for i, a in enumerate(cmd.outputs) if a == "-map"]
    return list(cmd.inputs), cmd.graph, labels


def _without_shift(graph: str) -> str:
    """Every ``convolution`` replaced by ``null`` (its pads and labels kept)."""
    chains = []
    for chain in re.split(_UNESCAPED + ";", graph):
        filters = re.split(_UNESCAPED + ",", chain.strip())
        out = []
        for f in filters:
            head = re.match(r"^((?:\[[^\]]*\])*)", f)
            pre = head.group(1) if head else ""
            if not f[len(pre) :].startswith("convolution="):
                out.append(f)
                continue
            post = _LABELS.search(f)
            out.append(pre + "null" + (post.group(1) if post else ""))
        chains.append(",".join(out))
    return ";".join(chains)


def _still_once(inputs: list[str], graph: str, fps: object) -> tuple[list[str], str]:
    """Each ``-loop 1`` image input read once and repeated by a ``loop`` filter instead."""
    out: list[str] = []
    looped: list[int] = []
    args = iter(inputs)
    for arg in args:
        index = out.count("-i")  # the input this option belongs to
        if arg == "-loop" or (arg == "-t" and looped and looped[-1] == index):
            if arg == "-loop":
                looped.append(index)
            next(args)  # its value
            continue
        out.append(arg)
    for n in looped:
        again = f"[{n}:v]loop=loop=-1:size=1:start=0,setpts=N/({fps})/TB,"
        graph = graph.replace(f"[{n}:v]", again, 1)
    return out, graph


def _cpu_of(argv: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            msg = f"ffmpeg failed: {done.stderr[-1500:]}"
            raise RuntimeError(msg)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        best = min(best, cpu)
    return best


def profile(projects: dict[str, vnb.Project], repeat: int = 3) -> dict[str, dict[str, float]]:
    """CPU seconds of each project's graph (no encode), as built and with parts removed."""
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, project in projects.items():
            inputs, graph, labels = command(project, folder)
            variants = {"as built": (inputs, graph)}
            if "convolution=" in graph:
                variants["no sub-pixel shift"] = (inputs, _without_shift(graph))
            if "-loop" in inputs:
                fps = project.fps
                variants["still decoded once"] = _still_once(inputs, graph, fps)
                if "convolution=" in graph:
                    variants["both"] = _still_once(inputs, _without_shift(graph), fps)
            results[name] = {}
            for variant, (ins, text) in variants.items():
                script = folder / "graph.txt"
                script.write_text(text)
                argv = [ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error", *ins]
                argv += ["-/filter_complex", str(script)]
                for label in labels:
                    argv += ["-map", label]
                argv += ["-c:v", "wrapped_avframe", "-c:a", "pcm_s16le", "-f", "null", "-"]
                results[name][variant] = _cpu_of(argv, repeat)
                print(f"  {name:<24} {variant:<22} {results[name][variant]:7.2f} cpu s", flush=True)
    return results
