"""Render a project to a file: plan, rasterise titles, build the graph, run ffmpeg, check."""

from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vnb import telemetry
from vnb.errors import RenderCancelledError, RenderError
from vnb.ffmpeg import TextImage, build_command, build_graph
from vnb.ffmpeg.binary import ENV_VAR, ffmpeg_has, find_ffmpeg
from vnb.ffmpeg.outputs import check_output
from vnb.ffmpeg.run import Progress, RunOptions, run_ffmpeg
from vnb.render.encoders import EncoderChoice, choose_encoder
from vnb.render.sequence import Frames, frames_target
from vnb.schema.export import FORMATS, ExportSettings, resolve_export

if TYPE_CHECKING:
    from vnb.ffmpeg.command import Command
    from vnb.ffmpeg.hardware import EncoderSetup
    from vnb.plan import Plan
    from vnb.schema import Project

__all__ = ["RenderResult", "render"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderResult:
    """What a render made."""

    path: Path
    """The file made; for a PNG sequence, the new folder or the ``%05d`` pattern."""
    duration: float
    """Seconds."""
    frames: int
    """Video frames written (0 for audio-only output; for a PNG sequence, the files)."""
    width: int
    height: int
    video_codec: str | None
    """The encoder that ran."""
    audio_codec: str | None
    preset: str
    hardware: str
    """``software``, or the hardware encoder family that ran."""
    note: str
    """Why hardware was or was not used, and any fallback taken."""
    elapsed: float
    """Wall-clock seconds."""
    command: tuple[str, ...]
    """The ffmpeg command (for logs; it ran without a shell)."""
    smart: bool = False
    """Smart render ran: untouched spans of H.264 sources were copied, not re-encoded."""
    frames_copied: int = 0
    """Video frames copied from the sources by smart render (the rest were encoded)."""
    smart_note: str = ""
    """What smart render did, or why it was not used."""

    def _repr_html_(self) -> str:
        return f"<code>{self.path}</code>: {self.duration:.2f} s, {self.width}×{self.height}"


def text_images(plan: Plan, folder: Path) -> dict[str, TextImage]:
    """Rasterise every title and cue of ``plan`` into ``folder`` (see `vnb.render.textimages`).

    Raises:
        ProjectError: a text cannot be rasterised (named), or all of them together would
            take more than `TEXT_PIXEL_BUDGET` pixels on the canvas.
    """
    from vnb.render.textimages import text_images as write  # noqa: PLC0415 - Pillow on use
    from vnb.text import text_style  # noqa: PLC0415 - Pillow on use

    return write(plan, folder, text_style)


def _check_encoders(export: ExportSettings, exe: str) -> None:
    """Refuse before rendering when the ffmpeg binary lacks an encoder the output needs."""
    for codec in (export.video_codec, export.audio_codec):
        if codec in ("none", "libx264", "libopenh264"):  # H.264 falls back between these two
            continue
        if not ffmpeg_has("encoders", codec, exe):
            kind = FORMATS[export.container].name
            msg = (
                f"this ffmpeg ({exe}) has no {codec} encoder, which the {kind} output needs: "
                f"choose another format or codec, or set {ENV_VAR} to an ffmpeg that has it "
                "(the imageio-ffmpeg package's has)"
            )
            raise RenderError(msg)


def _expected_frames(plan: Plan, export: ExportSettings) -> int:
    if export.fps is None:
        return plan.frames
    rate = Fraction(export.fps).limit_denominator(1001)
    return round(plan.frames / plan.fps * rate)


def _checker(plan: Plan, export: ExportSettings, frames: int) -> Callable[[Path], None]:
    """A check of the finished file against the plan (security notes: check what ffmpeg made)."""

    def check(path: Path) -> None:
        import av  # noqa: PLC0415

        try:
            with av.open(str(path)) as container:
                duration = (container.duration or 0) / 1e6
                video = container.streams.video[0] if container.streams.video else None
                got = video.frames if video is not None else 0
        except av.error.FFmpegError as err:
            msg = f"the rendered file cannot be read back: {err}"
            raise RenderError(msg) from err
        if export.video_codec not in ("none", "gif") and got and abs(got - frames) > 1:
            msg = f"ffmpeg wrote {got} frames, the plan has {frames}"
            raise RenderError(msg)
        if duration and abs(duration - plan.duration) > max(0.25, 2 / float(plan.fps)):
            msg = f"ffmpeg wrote {duration:.3f} s, the plan has {plan.duration:.3f} s"
            raise RenderError(msg)

    return check


@telemetry.timed("render")
def render(
    project: Project,
    output: str | os.PathLike[str],
    preset: str | None = None,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    timeout: float | None = None,
    progress_bar: bool | None = None,
    smart: bool = True,
    **overrides: Any,
) -> RenderResult:
    """Render ``project`` to ``output``.

    The output's extension chooses the container and, unless the preset, the project's export
    settings or an override name them, the codecs: ``.mp4``/``.m4v`` H.264 + AAC, ``.mov``
    H.264 (or ProRes: ``video_codec="prores"``) + AAC, ``.mkv`` H.264 + AAC (or Opus),
    ``.webm`` VP9 + Opus, ``.gif`` (a palette made for the clip), audio only for ``.m4a``
    (AAC), ``.wav`` (PCM), ``.mp3``, ``.flac``, ``.opus``/``.ogg`` (Opus), and PNG frames for
    ``name_%05d.png`` (into an existing folder) or ``folder/`` (a new folder). An unknown
    extension, or one that contradicts an explicit setting, is refused with the choices.

    Args:
        project: the edit.
        output: the file to write. It appears only when the render succeeded and was checked;
            a failed or cancelled render leaves nothing under this name (a PNG sequence
            appears whole, and never replaces a file).
        preset: a named preset (``web-1080p``, ``web-720p``, ``vertical``, ``square``,
            ``webm``, ``prores``, ``gif``, ``audio-only``); default: the project's export
            settings.
        on_progress: called with a `Progress` about twice a second.
        cancel: set this event to stop the render.
        timeout: seconds after which the render is stopped.
        progress_bar: show a tqdm bar (default: in notebooks and terminals).
        smart: copy the untouched stretches of H.264 sources instead of re-encoding them when
            the edit and the settings allow it (`vnb.render.smart`); the result's
            ``smart_note`` says what was done or why not.
        **overrides: export settings to change: ``crf``, ``speed``, ``video_codec``,
            ``audio_codec``, ``audio_bitrate``, ``width``, ``height``, ``fps``, ``fit``,
            ``hardware``…

    Raises:
        ProjectError: invalid project, preset, override or output extension.
        MediaError: missing or unusable media (all listed with their clips).
        RenderError: ``output`` is one of the project's inputs or its own file, or exists and
            is not a regular file; or ffmpeg failed (its reason is in the message).
        RenderCancelledError: cancelled or timed out.
    """
    from vnb.media import plan_project  # noqa: PLC0415

    started = time.monotonic()
    check_output(project, output, folder_ok=True)  # first: what is at the target is safe
    export = resolve_export(project.export, preset, output=output, **overrides)
    plan = plan_project(project)
    frames = _frames_target(project, output, plan, export)
    exe = find_ffmpeg()
    _check_encoders(export, exe)
    run = RunOptions(on_progress, cancel, timeout, progress_bar)
    if export.video_codec != "none":  # WASM/Python effects: pre-rendered, then read as sources
        plan, run = _prerender(plan, run, started)
        if frames is None:
            check_output(project, output, plan)  # nor over a pre-rendered intermediate
    choice = choose_encoder(export, exe)
    done, smart_note = (None, "smart render was turned off")
    if smart:
        done, smart_note = _smart(plan, export, exe, output, run)
    if done is not None:
        return _smart_result(plan, export, choice, done, started)
    made, choice = _encode_or_fall_back(plan, export, exe, choice, frames or output, run)
    path, command, count, argv = made
    width = export.width or plan.width
    return RenderResult(
        path=path,
        duration=plan.duration,
        frames=count,
        width=width,
        height=export.height or (plan.height * width // plan.width // 2 * 2),
        video_codec=command.video_codec,
        audio_codec=None if export.audio_codec == "none" else export.audio_codec,
        preset=export.preset,
        hardware=choice.hardware,
        note=choice.note,
        elapsed=time.monotonic() - started,
        command=argv,
        smart_note=smart_note,
    )


def _prerender(plan: Plan, run: RunOptions, started: float) -> tuple[Plan, RunOptions]:
    """The plan with its WASM/Python effects pre-rendered, and the run options for the rest.

    Their ``on_progress`` reports the render's progress after the pre-pass, and their
    ``timeout`` is what the pre-pass left of it.
    """
    from vnb.render.prerender import prerender  # noqa: PLC0415

    timeout = run.timeout
    plan, on_progress = prerender(
        plan, on_progress=run.on_progress, cancel=run.cancel,
        progress_bar=run.progress_bar, timeout=timeout, started=started,
    )  # fmt: skip
    if timeout is not None and timeout > 0:  # the pre-pass spent part of the timeout
        timeout = max(1e-3, timeout - (time.monotonic() - started))
    return plan, dataclasses.replace(run, on_progress=on_progress, timeout=timeout)


def _frames_target(
    project: Project, output: str | os.PathLike[str], plan: Plan, export: ExportSettings
) -> Frames | None:
    """For PNG frames, the checked new files to write; else None, once ``output`` is checked."""
    if export.container != "png":
        check_output(project, output, plan)  # before any work: never over an input, the project
        return None
    frames = frames_target(output)  # numbered new files: `frames_target` never replaces one
    frames.check_free(_expected_frames(plan, export))
    return frames


def _smart_result(
    plan: Plan,
    export: ExportSettings,
    choice: EncoderChoice,
    done: tuple[Path, tuple[str, ...], int, str],
    started: float,
) -> RenderResult:
    """What a smart render made: ``done`` is its path, command, frames copied and note."""
    path, argv, copied, smart_note = done
    return RenderResult(
        path=path,
        duration=plan.duration,
        frames=plan.frames,
        width=plan.width,
        height=plan.height,
        video_codec="libx264",
        audio_codec=None if export.audio_codec == "none" else export.audio_codec,
        preset=export.preset,
        hardware="software",
        note=choice.note,
        elapsed=time.monotonic() - started,
        command=argv,
        smart=True,
        frames_copied=copied,
        smart_note=smart_note,
    )


def _encode_or_fall_back(  # noqa: PLR0917 - private, one caller
    plan: Plan,
    export: ExportSettings,
    exe: str,
    choice: EncoderChoice,
    target: str | os.PathLike[str] | Frames,
    run: RunOptions,
) -> tuple[tuple[Path, Command, int, tuple[str, ...]], EncoderChoice]:
    """Encode with the chosen encoder; when hardware fails, again in software.

    Returns what `_encode` returns, and the encoder choice that made it.
    """
    try:
        return _encode(plan, export, exe, choice.setup, target, run), choice
    except RenderCancelledError:
        raise
    except RenderError as err:
        if choice.setup is None:
            raise
        telemetry.count("render.hardware_fallback")
        said = (err.stderr_tail.strip().splitlines() or ["no message"])[-1]
        note = f"{choice.note} failed during the render ({said}); rendered again in software"
        choice = EncoderChoice(None, "software", note)
    return _encode(plan, export, exe, None, target, run), choice


def _smart(
    plan: Plan,
    export: ExportSettings,
    exe: str,
    output: str | os.PathLike[str],
    run: RunOptions,
) -> tuple[tuple[Path, tuple[str, ...], int, str] | None, str]:
    """Try smart render: (path, command, frames copied, note), or None and why it was not used."""
    from vnb.plan.smart import describe, smart_plan  # noqa: PLC0415
    from vnb.render import smart  # noqa: PLC0415
    from vnb.render.h264 import plan_sources  # noqa: PLC0415

    if export.container != "mp4":
        kind = FORMATS[export.container].name
        return None, f"smart render writes MP4 only, not {kind}: rendered normally"
    if plan.frames == 0 or export.video_codec != "libx264":
        return None, f"smart render needs H.264 output (not {export.video_codec})"
    indexes = plan_sources(plan)
    decision = smart_plan(plan, export, indexes)
    if isinstance(decision, str):
        telemetry.count("render.smart_skipped")
        return None, f"smart render not used: {decision}"
    has_sound = export.audio_codec != "none" and any(t.items for t in plan.audio)
    sound_export = export.model_copy(update={"video_codec": "none", "container": "m4a"})

    def sound(folder: Path, options: RunOptions) -> Path | None:
        if not has_sound:
            return None
        return _encode(plan, sound_export, exe, None, folder / "sound.m4a", options)[0]

    try:
        path, argv = smart.render_smart(
            plan,
            export,
            decision,
            indexes,
            output,
            exe=exe,
            sound=sound,
            check=_checker(plan, export, plan.frames),
            run=run,
        )
    except RenderCancelledError:
        raise
    except RenderError as err:
        telemetry.count("render.smart_failed")
        return None, f"smart render failed ({str(err).splitlines()[0]}); rendered normally"
    telemetry.count("render.smart")
    return (path, argv, decision.copied, describe(decision)), ""


def _encode(  # noqa: PLR0917 - private, called twice
    plan: Plan,
    export: ExportSettings,
    exe: str,
    setup: EncoderSetup | None,
    output: str | os.PathLike[str] | Frames,
    run: RunOptions,
) -> tuple[Path, Command, int, tuple[str, ...]]:
    """Build the command for ``plan`` with the chosen encoder (None: software) and run it.

    Returns the path made, the command, the frames written and the argv.
    """
    with tempfile.TemporaryDirectory(prefix="vnb-render-") as tmp:
        folder = Path(tmp)
        graph = build_graph(plan, export, text_images(plan, folder))
        has = lambda name: ffmpeg_has("encoders", name, exe)  # noqa: E731
        command = build_command(graph, export, has, setup)
        script = None
        if command.needs_script():
            script = folder / "graph.txt"
            script.write_text(command.graph, encoding="utf-8")
        frames = _expected_frames(plan, export) if graph.video else 0
        args = command.args(str(script) if script else None)
        options: dict[str, Any] = {
            "muxer": command.muxer,
            "total_seconds": max(plan.duration, 1e-3),
            "exe": exe,
        }
        if isinstance(output, Frames):
            path = _run_frames(args, output, frames, options, run)
        else:
            path = run_ffmpeg(
                args,
                output,
                description=Path(output).name,
                check=_checker(plan, export, frames),
                on_progress=run.on_progress,
                cancel=run.cancel,
                timeout=run.timeout,
                progress_bar=run.progress_bar,
                **options,
            )
    return path, command, frames, (exe, *args)


def _run_frames(
    args: list[str], frames: Frames, expected: int, options: dict[str, Any], run: RunOptions
) -> Path:
    """Render a PNG sequence: one stream of PNGs, split into numbered files, moved into place."""
    with frames.staging() as staged:
        stream = run_ffmpeg(
            args,
            staged / "frames.stream",
            description=frames.path.name,
            on_progress=run.on_progress,
            cancel=run.cancel,
            timeout=run.timeout,
            progress_bar=run.progress_bar,
            **options,
        )
        count = frames.split(stream, staged)
        stream.unlink()
        if count != expected:
            msg = f"ffmpeg wrote {count} frames, the plan has {expected}"
            raise RenderError(msg)
        frames.publish(staged, count)
    return frames.path
