"""Reading rendered files back with PyAV, and the measures the render tests compare."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

import vnb
from vnb.render import RenderResult

FAST = {"speed": "ultrafast", "crf": 10, "progress_bar": False}
"""Render options for tests: quick, and near lossless so pixels can be compared."""


def render(project: vnb.Project, path: Path, **options: object) -> RenderResult:
    """Render with the quick, near-lossless test options (overridable)."""
    return project.render(path, **{**FAST, **options})


def video_frames(path: Path) -> np.ndarray:
    """Every frame of the first video stream, N×H×W×3 RGB uint8."""
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


@functools.lru_cache(maxsize=8)
def source_frames(path: Path) -> np.ndarray:
    """`video_frames` of a source file, decoded once (read only: do not change it)."""
    frames = video_frames(path)
    frames.flags.writeable = False
    return frames


def audio_samples(path: Path) -> tuple[np.ndarray, int]:
    """The first audio stream as float samples (full scale ±1), channels × N, and its rate."""
    chunks = []
    with av.open(str(path)) as container:
        rate = container.streams.audio[0].rate
        for frame in container.decode(audio=0):
            data = frame.to_ndarray()
            if not frame.format.is_planar:  # interleaved: 1 × (N·channels)
                data = data.reshape(-1, frame.layout.nb_channels).T
            chunks.append(data)
    data = np.concatenate(chunks, axis=1)
    if np.issubdtype(data.dtype, np.integer):
        return data.astype(np.float64) / (np.iinfo(data.dtype).max + 1), rate
    return data.astype(np.float64), rate


@dataclass(frozen=True)
class StreamInfo:
    """What a file holds, as PyAV sees it."""

    kinds: tuple[str, ...]
    video_codec: str | None
    width: int
    height: int
    pix_fmt: str | None
    frames: int
    audio_codec: str | None
    duration: float


def stream_info(path: Path) -> StreamInfo:
    """The streams of a file: kinds, codecs, size and pixel format, frames, duration."""
    with av.open(str(path)) as container:
        kinds = tuple(s.type for s in container.streams)
        v = container.streams.video[0] if container.streams.video else None
        a = container.streams.audio[0] if container.streams.audio else None
        return StreamInfo(
            kinds=kinds,
            video_codec=v.codec_context.name if v else None,
            width=v.codec_context.width if v else 0,
            height=v.codec_context.height if v else 0,
            pix_fmt=v.codec_context.format.name if v and v.codec_context.format else None,
            frames=v.frames if v else 0,
            audio_codec=a.codec_context.name if a else None,
            duration=(container.duration or 0) / 1e6,
        )


def mean_rgb(frame: np.ndarray, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """Mean colour of ``frame`` (or of ``box`` = x0, y0, x1, y1 in it) as three floats."""
    if box is not None:
        x0, y0, x1, y1 = box
        frame = frame[y0:y1, x0:x1]
    return frame.reshape(-1, 3).astype(np.float64).mean(axis=0)


def assert_color(
    frame: np.ndarray,
    rgb: tuple[float, float, float],
    box: tuple[int, int, int, int] | None = None,
    tol: float = 12,
    what: str = "",
) -> None:
    """The mean colour of ``frame`` (or ``box``) is ``rgb`` within ``tol`` per channel."""
    got = mean_rgb(frame, box)
    assert np.all(np.abs(got - np.asarray(rgb)) <= tol), (
        f"{what + ': ' if what else ''}colour {got.round(1)} is not {rgb} ± {tol}"
    )


def mad(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two pictures."""
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB (inf for equal pictures)."""
    mse = float(((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean())
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


def closest(frame: np.ndarray, source: np.ndarray, near: int | None = None, reach: int = 4) -> int:
    """Index of the source frame most like ``frame`` (among ``near ± reach`` if given)."""
    lo, hi = (0, len(source)) if near is None else (max(0, near - reach), near + reach + 1)
    window = source[lo:hi].astype(np.int16)
    diffs = np.abs(window - frame.astype(np.int16)).mean(axis=(1, 2, 3))
    return lo + int(diffs.argmin())


def segment(samples: np.ndarray, rate: int, t0: float, t1: float, margin: float = 0.05):
    """Samples of ``[t0 + margin, t1 - margin)`` seconds (edges are left out)."""
    return samples[:, round((t0 + margin) * rate) : round((t1 - margin) * rate)]


def rms(samples: np.ndarray) -> float:
    """Root mean square over all channels."""
    return float(np.sqrt(np.mean(samples**2)))


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    """The strongest frequency (Hz) of the channels' mix, from a Hann-windowed FFT."""
    mono = samples.mean(axis=0)
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    spectrum[0] = 0
    return float(np.fft.rfftfreq(len(mono), 1 / rate)[spectrum.argmax()])


def luma(frame: np.ndarray) -> np.ndarray:
    """BT.601 luma of an RGB frame, float."""
    f = frame.astype(np.float64)
    return 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]


def detail(frame: np.ndarray) -> float:
    """High-frequency energy: mean absolute Laplacian of the luma."""
    y = luma(frame)
    lap = 4 * y[1:-1, 1:-1] - y[:-2, 1:-1] - y[2:, 1:-1] - y[1:-1, :-2] - y[1:-1, 2:]
    return float(np.abs(lap).mean())
