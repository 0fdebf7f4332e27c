"""Graph + export settings → the ffmpeg arguments (a list, never a shell string)."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass

from vnb.ffmpeg.graph import Graph
from vnb.ffmpeg.hardware import EncoderSetup
from vnb.schema.export import ExportSettings

__all__ = ["Command", "build_command"]

INLINE_GRAPH_LIMIT = 4000
"""Graphs longer than this many characters go through a script file, not the command line."""

MUXERS = {
    "mp4": "mp4",
    "mov": "mov",
    "webm": "webm",
    "mkv": "matroska",
    "gif": "gif",
    "png": "image2pipe",
    "m4a": "ipod",
    "wav": "wav",
    "mp3": "mp3",
    "flac": "flac",
    "opus": "opus",
    "ogg": "ogg",
}
"""Container → ffmpeg muxer. A PNG sequence is written as one stream of PNG images (the render
splits it into numbered files)."""

_H264_FALLBACKS = ("libx264", "libopenh264")

_VP9_SPEED = {
    "ultrafast": ("realtime", 8),
    "superfast": ("realtime", 7),
    "veryfast": ("good", 6),
    "faster": ("good", 5),
    "fast": ("good", 4),
}
"""The speed preset → libvpx-vp9's deadline and ``-cpu-used`` (slower presets: good, 2)."""


@dataclass(frozen=True, slots=True)
class Command:
    """Everything ffmpeg needs between its name and the output file."""

    inputs: tuple[str, ...]
    """The input options and ``-i`` arguments."""
    graph: str
    """The ``-filter_complex`` text."""
    outputs: tuple[str, ...]
    """Maps and codec options."""
    muxer: str
    video_codec: str | None
    """The encoder that will run, or None for audio-only output."""

    def args(self, script: str | None = None) -> list[str]:
        """The arguments; with ``script`` the graph is read from that file (ffmpeg ≥ 7)."""
        graph = ["-/filter_complex", script] if script else ["-filter_complex", self.graph]
        return [*self.inputs, *graph, *self.outputs]

    def needs_script(self) -> bool:
        """Whether the graph is too long for a comfortable command line."""
        return len(self.graph) > INLINE_GRAPH_LIMIT

    def __str__(self) -> str:
        return shlex.join(["ffmpeg", *self.args()])


def encoder_args(
    export: ExportSettings, has_encoder: Callable[[str], bool]
) -> tuple[str | None, list[str]]:
    """The video encoder to use and its options, falling back when the binary lacks one."""
    codec: str = export.video_codec
    if codec == "none":
        return None, ["-vn"]
    if codec in _H264_FALLBACKS and not has_encoder(codec):
        codec = next((c for c in _H264_FALLBACKS if has_encoder(c)), codec)
    args = ["-c:v", codec]
    if codec in ("libx264", "libx265"):
        args += ["-preset", export.speed, "-crf", str(export.crf), "-pix_fmt", export.pix_fmt]
    elif codec == "libopenh264":
        args += ["-b:v", "8M", "-pix_fmt", "yuv420p"]
    elif codec == "libvpx-vp9":
        deadline, cpu = _VP9_SPEED.get(export.speed, ("good", 2))
        args += ["-crf", str(export.crf), "-b:v", "0", "-row-mt", "1", "-deadline", deadline]
        args += ["-cpu-used", str(cpu), "-pix_fmt", "yuv420p"]
    elif codec == "prores_ks":
        args += ["-profile:v", "3", "-pix_fmt", export.pix_fmt]
    elif codec == "gif":
        args += ["-loop", "0"]
    elif codec == "png":
        args += ["-pix_fmt", "rgb24"]
    return codec, args


def _audio_args(export: ExportSettings) -> list[str]:
    if export.audio_codec == "none":
        return ["-an"]
    args = ["-c:a", export.audio_codec]
    if export.audio_codec not in ("pcm_s16le", "flac"):
        args += ["-b:a", str(export.audio_bitrate)]
    return args


def build_command(
    graph: Graph,
    export: ExportSettings,
    has_encoder: Callable[[str], bool],
    video: EncoderSetup | None = None,
) -> Command:
    """Arguments that run ``graph`` and encode its outputs under ``export``.

    ``video``, when given, is the video encoder chosen ahead (a hardware one) with its options.
    """
    inputs: list[str] = list(video.global_args) if video is not None else []
    for i in graph.inputs:
        inputs += i.argv()
    text, label = graph.filter_complex(), graph.video
    if video is not None and video.upload and label:
        text, label = f"{text};\n[{label}]{video.upload}[vnbhw]", "vnbhw"
    outputs: list[str] = []
    codec: str | None
    if label:
        outputs += ["-map", f"[{label}]"]
    if graph.audio:
        outputs += ["-map", f"[{graph.audio}]"]
    if video is not None and graph.video:
        codec, vargs = video.codec, ["-c:v", video.codec, *video.args]
    else:
        codec, vargs = encoder_args(export, has_encoder)
    outputs += vargs + _audio_args(export)
    if export.faststart and export.container in ("mp4", "mov", "m4a"):
        outputs += ["-movflags", "+faststart"]
    return Command(
        inputs=tuple(inputs),
        graph=text,
        outputs=tuple(outputs),
        muxer=MUXERS[export.container],
        video_codec=codec,
    )
