"""Which hardware video encoders work here, and which one a render uses.

``ffmpeg -encoders`` lists what the binary was *built with*; on a machine without the hardware
each of those fails to open within a few tens of milliseconds ("Cannot load libcuda.so.1",
"Error creating a MFX session"...). So every candidate is confirmed with a trial: a fraction of
a second of lavfi video encoded to the null muxer with the very options a render would pass.
Verdicts are cached per binary (path, size, mtime, version) and encoder options, in this
process and in `vnb.cache` for a day, so a new kernel does not pay for the trials again.

Priority: NVENC, then Quick Sync, VAAPI and AMF on Linux and Windows; VideoToolbox on macOS.
``hardware="auto"`` takes the first that works and otherwise falls back to software, saying
why in the render result's note; a named family that does not work is an error carrying
ffmpeg's own reason.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from vnb.errors import FFmpegNotFoundError, RenderError
from vnb.ffmpeg.binary import ffmpeg_version, find_ffmpeg
from vnb.ffmpeg.hardware import (
    FAMILIES,
    HARDWARE_CODECS,
    EncoderSetup,
    hardware_encoder,
    hardware_setup,
)
from vnb.schema.export import ExportSettings

__all__ = [
    "ListedEncoder",
    "Trial",
    "list_encoders",
    "priority",
    "probe_hardware",
]

TRIAL_TIMEOUT = 20.0
"""Seconds a trial encode may take (opening a GPU the first time can take a second or two)."""
TRIAL_TTL = 24 * 3600.0
"""Seconds a verdict stays in the disk cache (a driver installed today counts tomorrow)."""
_TRIAL_SOURCE = "color=c=gray:s=256x144:r=30:d=0.2"
_KEY_VERSION = 1
_PREFIX = re.compile(r"^(\[[^\]]*\]\s*)+")
_NOISE = (
    "error while opening encoder",
    "could not open encoder",
    "terminating thread",
    "task finished",
    "nothing was written",
    "error sending frames",
    "conversion failed",
    "error while filtering",
    "error reinitializing filters",
)

_lock = threading.Lock()
_trials: dict[tuple[object, ...], Trial] = {}
_listings: dict[str, dict[str, ListedEncoder]] = {}


@dataclass(frozen=True, slots=True)
class ListedEncoder:
    """One line of ``ffmpeg -encoders``."""

    name: str
    kind: Literal["video", "audio", "subtitle"]
    description: str


@dataclass(frozen=True, slots=True)
class Trial:
    """The verdict of a trial encode.

    Attributes:
        encoder: The encoder tried, e.g. ``h264_nvenc``.
        works: It opened and encoded a few frames.
        message: ffmpeg's reason when it did not ("Cannot load libcuda.so.1"), else "".
        seconds: How long the trial took (0 when the verdict came from a cache).
    """

    encoder: str
    works: bool
    message: str
    seconds: float


@dataclass(frozen=True, slots=True)
class EncoderChoice:
    """The video encoder a render uses.

    Attributes:
        setup: The hardware encoder and its options; None lets the command pick software.
        hardware: ``software``, or the family that runs (``nvenc``...).
        note: Why: the hardware chosen, or why hardware was not used.
    """

    setup: EncoderSetup | None
    hardware: str
    note: str


def parse_encoders(text: str) -> dict[str, ListedEncoder]:
    """Parse the output of ``ffmpeg -encoders``.

    Args:
        text: Its standard output (a legend, a line of dashes, then one encoder a line).

    Returns:
        The encoders by name, in listed order.
    """
    kinds: dict[str, Literal["video", "audio", "subtitle"]] = {
        "V": "video",
        "A": "audio",
        "S": "subtitle",
    }
    out: dict[str, ListedEncoder] = {}
    started = False
    for line in text.splitlines():
        words = line.split(maxsplit=2)
        if not started:
            started = bool(words) and set(words[0]) == {"-"}
            continue
        if len(words) >= 2 and words[0][:1] in kinds and len(words[0]) == 6:
            desc = words[2].strip() if len(words) > 2 else ""
            out[words[1]] = ListedEncoder(words[1], kinds[words[0][0]], desc)
    return out


def list_encoders(exe: str | None = None) -> dict[str, ListedEncoder]:
    """The encoders the binary was built with (not all of them need work here).

    Raises:
        FFmpegNotFoundError: The binary cannot be run.
    """
    return dict(_listing(exe or find_ffmpeg()))


def _listing(exe: str) -> dict[str, ListedEncoder]:
    cached = _listings.get(exe)
    if cached is None:
        code, out, err = _run([exe, "-hide_banner", "-encoders"], TRIAL_TIMEOUT)
        if code != 0:
            msg = f"cannot list the encoders of {exe!r}: {ffmpeg_reason(err, code)}"
            raise FFmpegNotFoundError(msg)
        cached = _listings[exe] = parse_encoders(out)
    return cached


def priority(system: str | None = None) -> tuple[str, ...]:
    """The hardware families ``hardware="auto"`` tries, in order, on a platform.

    Args:
        system: ``sys.platform``-like name; default this machine's.
    """
    system = sys.platform if system is None else system
    if system == "darwin":
        return ("videotoolbox",)
    return tuple(f for f in FAMILIES if f != "videotoolbox")


def vaapi_device() -> str | None:
    """The DRM render node VAAPI uses: ``VNB_VAAPI_DEVICE``, else the first ``renderD*``."""
    configured = os.environ.get("VNB_VAAPI_DEVICE", "").strip()
    if configured:
        return configured
    folder = Path("/dev/dri")
    nodes = sorted(folder.glob("renderD*")) if folder.is_dir() else []
    return str(nodes[0]) if nodes else None


def _run(argv: list[str], timeout: float) -> tuple[int, str, str]:
    """Run a short ffmpeg command; ``(returncode, stdout, stderr)``, -1 when it did not run."""
    try:
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return -1, "", f"no answer within {timeout:g} s"
    except OSError as err:
        return -1, "", f"cannot run ffmpeg: {err}"
    decode = lambda b: b.decode("utf-8", errors="replace")  # noqa: E731
    return done.returncode, decode(done.stdout), decode(done.stderr)


def ffmpeg_reason(stderr: str, returncode: int = 1) -> str:
    """The telling lines of a failed ffmpeg run, without its generic follow-up errors.

    Args:
        stderr: What ffmpeg printed.
        returncode: Its exit code (a signal is named when nothing was printed).
    """
    lines = [" ".join(_PREFIX.sub("", line).split()) for line in stderr.splitlines()]
    lines = [line for line in lines if line]
    telling = [line for line in lines if not any(n in line.lower() for n in _NOISE)]
    picked = telling[:2] or lines[:1]
    if not picked:
        return f"ffmpeg exited with code {returncode} and printed nothing"
    return "; ".join(dict.fromkeys(picked))


def _setup(encoder: str) -> EncoderSetup:
    return hardware_setup(encoder, ExportSettings(), device=vaapi_device() or "")


def trial(encoder: str, exe: str | None = None, *, refresh: bool = False) -> Trial:
    """Find out whether ``encoder`` really encodes on this machine.

    Args:
        encoder: A hardware encoder, e.g. ``h264_nvenc``.
        exe: The ffmpeg binary; default `find_ffmpeg`.
        refresh: Ignore cached verdicts and run the trial again.

    Returns:
        The verdict (cached per binary and encoder options).

    Raises:
        FFmpegNotFoundError: The binary cannot be run.
        ValueError: Not a hardware encoder vnb knows.
    """
    from vnb import cache, telemetry  # noqa: PLC0415

    exe = exe or find_ffmpeg()
    setup = _setup(encoder)
    ident = _binary_identity(exe)
    key = (ident, encoder, setup)
    with _lock:
        if not refresh and key in _trials:
            return _trials[key]
        disk_key = cache.make_key("vnb.encoder-trial", _KEY_VERSION, ident, encoder, setup)
        stored = None if refresh else cache.get_json(disk_key)
        if isinstance(stored, dict) and time.time() - stored.get("time", 0) < TRIAL_TTL:
            verdict = Trial(encoder, bool(stored["works"]), str(stored["message"]), 0.0)
        else:
            verdict = _run_trial(exe, encoder, setup)
            if verdict.seconds:
                telemetry.timing("encoder_trial", verdict.seconds)
            cache.put_json(
                disk_key,
                {"works": verdict.works, "message": verdict.message, "time": time.time()},
            )
        _trials[key] = verdict
        return verdict


def _run_trial(exe: str, encoder: str, setup: EncoderSetup) -> Trial:
    started = time.monotonic()
    if setup.upload and not vaapi_device():
        return Trial(encoder, False, "no VAAPI render device (/dev/dri/renderD*)", 0.0)
    argv = [exe, "-hide_banner", "-nostdin", "-v", "error", *setup.global_args]
    argv += ["-f", "lavfi", "-i", _TRIAL_SOURCE]
    if setup.upload:
        argv += ["-vf", setup.upload]
    argv += ["-frames:v", "3", "-c:v", encoder, *setup.args, "-an", "-f", "null", "-"]
    code, _, err = _run(argv, TRIAL_TIMEOUT)
    seconds = time.monotonic() - started
    if code == 0:
        return Trial(encoder, True, "", seconds)
    return Trial(encoder, False, ffmpeg_reason(err, code), seconds)


def _binary_identity(exe: str) -> tuple[str, int, int, str]:
    """``(path, size, mtime_ns, version)`` of the binary: a rebuilt ffmpeg is tried again."""
    from vnb.cache import source_identity  # noqa: PLC0415

    try:
        path, size, mtime = source_identity(exe)
    except Exception:  # a PATH name such as "ffmpeg" that is not a file here
        path, size, mtime = exe, 0, 0
    return (path, size, mtime, ffmpeg_version(exe))


def clear_trials() -> None:
    """Forget this process's verdicts and encoder listings (the disk cache keeps its own)."""
    with _lock:
        _trials.clear()
        _listings.clear()


def probe_hardware(
    exe: str | None = None,
    *,
    codecs: Iterable[str] = ("libx264", "libx265"),
    families: Iterable[str] = FAMILIES,
    refresh: bool = False,
) -> dict[str, Trial]:
    """Try every hardware encoder the binary was built with, for the given codecs.

    Args:
        exe: The ffmpeg binary; default `find_ffmpeg`.
        codecs: Software encoders whose hardware counterparts to try.
        families: Hardware families to try.
        refresh: Run the trials again instead of using cached verdicts.

    Returns:
        The verdicts by encoder name; encoders not in the build are left out.
    """
    exe = exe or find_ffmpeg()
    listed = _listing(exe)
    out: dict[str, Trial] = {}
    for codec in codecs:
        for family in families:
            name = hardware_encoder(family, codec)
            if name is not None and name in listed:
                out[name] = trial(name, exe, refresh=refresh)
    return out


def choose_encoder(export: ExportSettings, exe: str | None = None) -> EncoderChoice:
    """Decide which video encoder renders ``export``.

    Args:
        export: The settings; ``hardware`` is ``none``, ``auto`` or a family.
        exe: The ffmpeg binary; default `find_ffmpeg`.

    Returns:
        The choice; its note says what was tried and why hardware was or was not used.

    Raises:
        RenderError: A family was named and its encoder is not in the build, does not work
            here (with ffmpeg's reason), or cannot encode this export.
    """
    wanted = export.hardware
    if wanted == "none":
        return EncoderChoice(None, "software", "software encoder (hardware='none')")
    exe = exe or find_ffmpeg()
    software = export.video_codec
    if software not in HARDWARE_CODECS or export.pix_fmt != "yuv420p":
        why = (
            f"{software} with {export.pix_fmt}: hardware encoding covers H.264 and HEVC in "
            "8-bit 4:2:0"
        )
        if wanted != "auto":
            msg = f"hardware={wanted!r}: {why}"
            raise RenderError(msg)
        return EncoderChoice(None, "software", f"hardware='auto': {why}; used software")
    listed = _listing(exe)
    families = priority() if wanted == "auto" else (wanted,)
    reasons: list[str] = []
    for family in families:
        name = hardware_encoder(family, software) or f"{family}?"
        if name not in listed:
            if wanted != "auto":
                msg = f"hardware={wanted!r}: this ffmpeg ({exe}) was built without {name}"
                raise RenderError(msg)
            reasons.append(f"{name}: not in this ffmpeg build")
            continue
        verdict = trial(name, exe)
        if verdict.works:
            setup = hardware_setup(name, export, device=vaapi_device() or "")
            return EncoderChoice(setup, family, f"hardware encoder {name} (hardware={wanted!r})")
        if wanted != "auto":
            msg = (
                f"hardware={wanted!r}: {name} does not work on this machine; "
                f"the trial encode failed: {verdict.message}"
            )
            raise RenderError(msg)
        reasons.append(f"{name}: {verdict.message}")
    listing = "; ".join(reasons)
    note = f"hardware='auto': no hardware encoder works here, used software ({listing})"
    return EncoderChoice(None, "software", note)
