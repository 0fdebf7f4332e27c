"""Render many projects at once on any `concurrent.futures.Executor` (local processes, Dask...).

Workers get data, never live objects: a project file's path, or a project's JSON with the
folder its relative names resolve against. Each render's failure is caught in the worker and
reported with its project; the other renders still finish, and `render_many` returns every
outcome in the order given. Each worker goes through the render cache, so re-running a batch
copies what was already rendered.

With Dask, the workers must see the same files at the same paths (one machine, or a shared
filesystem): ``vnb.render_many(projects, outputs, executor=client.get_executor())``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vnb._bars import open_bar
from vnb.errors import ArgumentError, RenderError

if TYPE_CHECKING:
    from vnb.render.export import RenderResult
    from vnb.schema import Project

__all__ = ["BatchResult", "output_paths", "render_many"]

DEFAULT_WORKERS = 2
_NOT_SENT = frozenset({"on_progress", "cancel"})


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome of one render of a batch.

    Attributes:
        project: The project as given: its file, or ``project 'name'`` for a live object.
        output: The file it was to write.
        result: What the render made, or None when it failed.
        error: ``"<project>: <ErrorType>: <message>"`` when it failed, else None.
    """

    project: str
    output: Path
    result: RenderResult | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the render succeeded."""
        return self.error is None


def _spec(project: Project | str | os.PathLike[str]) -> dict[str, Any]:
    """What a worker needs to rebuild a project: a path, or JSON and a base folder."""
    if isinstance(project, str | os.PathLike):
        path = Path(project)
        return {"label": str(project), "path": str(path.absolute())}
    label = str(project.file) if project.file is not None else f"project {project.name!r}"
    return {"label": label, "json": project.model_dump_json(), "base_dir": str(project.base_dir)}


def _render_spec(
    spec: dict[str, Any], output: str, preset: str | None, options: dict[str, Any]
) -> dict[str, Any]:
    """Run in a worker: load the project, render it (through the render cache), report.

    Returns:
        ``{"ok": True, "result": {...}}`` or ``{"ok": False, "error": "Type: message"}``; never
        raises for a failed render, so nothing custom has to travel back between processes.
    """
    from vnb.render.rendercache import cached_render  # noqa: PLC0415
    from vnb.schema import Project, load  # noqa: PLC0415

    project: Project
    try:
        if "path" in spec:
            project = load(spec["path"])
        else:
            project = Project.model_validate_json(spec["json"])
            project._base_dir = Path(spec["base_dir"])
        result = cached_render(project, output, preset, progress_bar=False, **options)
    except Exception as err:
        return {"ok": False, "error": f"{type(err).__name__}: {err}"}
    fields = asdict(result)
    fields["path"] = str(result.path)
    return {"ok": True, "result": fields}


def _outcome(spec: dict[str, Any], output: Path, future: cf.Future[dict[str, Any]]) -> BatchResult:
    from vnb.render.export import RenderResult  # noqa: PLC0415

    label = spec["label"]
    try:
        answer = future.result()
    except BaseException as err:  # the worker died, the task was lost or cancelled
        return BatchResult(label, output, error=f"{label}: {type(err).__name__}: {err}")
    if not answer.get("ok"):
        return BatchResult(label, output, error=f"{label}: {answer.get('error')}")
    fields = dict(answer["result"])
    fields["path"], fields["command"] = Path(fields["path"]), tuple(fields["command"])
    return BatchResult(label, output, result=RenderResult(**fields))


def render_many(
    projects: Sequence[Project | str | os.PathLike[str]],
    outputs: Sequence[str | os.PathLike[str]],
    *,
    executor: cf.Executor | None = None,
    workers: int = DEFAULT_WORKERS,
    preset: str | None = None,
    progress_bar: bool | None = None,
    **render_options: Any,
) -> list[BatchResult]:
    """Render ``projects[i]`` to ``outputs[i]`` for every ``i``, in parallel.

    Args:
        projects: `Project` objects or project files.
        outputs: The files to write, one per project, all different.
        executor: Where the renders run: any `concurrent.futures.Executor`, e.g. Dask's
            ``client.get_executor()``. Default: a pool of ``workers`` local processes.
        workers: Size of the default pool.
        preset: A named preset for every render.
        progress_bar: Show a bar counting finished renders (default: in terminals/notebooks).
        **render_options: Export overrides for every render (``crf``, ``hardware``...),
            ``smart`` as for `render`, and ``cache=False`` to render even when an identical
            output exists.

    Returns:
        One `BatchResult` per project, in the order given; failures are in there too (their
        ``error`` names the project) — nothing is raised for a failed render.

    Raises:
        ValueError: The lists differ in length, or two projects would write one file.
        RenderError: An option that cannot be sent to a worker (``on_progress``, ``cancel``),
            or an output that is one of the project files (each render refuses an output that
            is one of its own inputs or not a regular file, and reports it in its result).
    """
    if len(projects) != len(outputs):
        msg = f"outputs: {len(projects)} projects but {len(outputs)} outputs"
        raise ArgumentError(msg)
    targets = [Path(os.path.abspath(o)) for o in outputs]  # noqa: PTH100 - workers' cwd differs
    if len(set(targets)) != len(targets):
        twice = next(t for t in targets if targets.count(t) > 1)
        msg = f"outputs: two projects would write the same output file {twice}"
        raise ArgumentError(msg)
    _refuse_project_files(projects, targets)
    unsendable = sorted(_NOT_SENT & render_options.keys())
    if unsendable:
        msg = f"render_many cannot send {', '.join(unsendable)} to its workers"
        raise RenderError(msg)
    render_options.pop("progress_bar", None)
    specs = [_spec(p) for p in projects]
    own = executor is None
    if executor is None:
        context = multiprocessing.get_context("spawn")  # safe in a threaded kernel
        executor = cf.ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context)
    futures: list[cf.Future[dict[str, Any]]] = []
    try:
        for spec, target in zip(specs, targets, strict=True):
            # A nonce makes every request distinct to executors that deduplicate pure calls.
            sent = {**spec, "nonce": secrets.token_hex(8)}
            futures.append(executor.submit(_render_spec, sent, str(target), preset, render_options))
        _follow(futures, progress_bar)
    except BaseException:  # interrupted: drop what has not started, do not wait for the rest
        for future in futures:
            future.cancel()
        if own:
            executor.shutdown(wait=False, cancel_futures=True)
        raise
    if own:
        executor.shutdown(wait=True)
    return [_outcome(s, t, f) for s, t, f in zip(specs, targets, futures, strict=True)]


def _refuse_project_files(
    projects: Sequence[Project | str | os.PathLike[str]], targets: Sequence[Path]
) -> None:
    """Refuse an output that is one of the batch's project files (each render checks the rest).

    Raises:
        RenderError: naming the output and the project file it is.
    """
    files = [Path(p) if isinstance(p, str | os.PathLike) else p.file for p in projects]
    seen: dict[tuple[int, int], Path] = {}
    for file in files:
        with contextlib.suppress(OSError):
            if file is not None:
                info = file.stat()
                seen[info.st_dev, info.st_ino] = file
    for target in targets:
        with contextlib.suppress(OSError):
            info = target.stat()
            if (info.st_dev, info.st_ino) in seen:
                msg = (
                    f"cannot render to {target}: it is the project file "
                    f"{seen[info.st_dev, info.st_ino]} of this batch"
                )
                raise RenderError(msg)


def _follow(futures: list[cf.Future[dict[str, Any]]], progress_bar: bool | None) -> None:
    """Wait for every future, with a bar counting them when wanted."""
    bar = open_bar(progress_bar, total=len(futures), desc="renders", unit="project")
    with bar:
        for _ in cf.as_completed(futures):
            bar.advance()


def output_paths(
    files: Sequence[str | os.PathLike[str]], out_dir: str | os.PathLike[str], preset: str | None
) -> list[Path]:
    """Where `vnb batch` writes each project: ``out_dir/<name>.<container>``.

    A project exported as PNG frames writes ``out_dir/<name>_%05d.png`` (numbered files).

    The name is the file's without ``.vnb.json`` (or its last suffix); the container is the
    preset's, else the project's own export container (``mp4`` if the file cannot be read —
    its render will report why).
    """
    from vnb.errors import VnbError  # noqa: PLC0415
    from vnb.schema import load  # noqa: PLC0415
    from vnb.schema.export import resolve_export  # noqa: PLC0415

    out: list[Path] = []
    for file in files:
        name = Path(file).name
        stem = name.removesuffix(".vnb.json") if name.endswith(".vnb.json") else Path(name).stem
        try:
            export = resolve_export(load(file).export, preset)
            container = export.container
        except VnbError:
            container = resolve_export(None, preset).container if preset else "mp4"
        suffix = "_%05d.png" if container == "png" else f".{container}"  # frames: numbered
        out.append(Path(out_dir) / f"{stem}{suffix}")
    return out
