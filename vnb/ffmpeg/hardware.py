"""Hardware video encoders: their names and the options that give a preset's quality (pure).

One quality scale for every encoder: the export's ``crf`` (x264/x265's constant rate factor).
As HandBrake does with its single "constant quality" slider, the QP-like scales of the hardware
encoders take the same number — NVENC's ``-cq`` (VBR target quality), Quick Sync's
``-global_quality`` (ICQ), VAAPI's ``-qp`` (constant QP) and AMF's ``-qp_i``/``-qp_p`` (constant
QP) all run 1..51 like CRF, lower being better — while VideoToolbox's ``-q:v`` runs the other
way, 1..100, higher being better, and gets ``100 - crf * 100 / 51``. The export's ``speed`` (an
x264 preset name) picks the encoder's own speed preset where it has one (NVENC ``p1``..``p7``,
Quick Sync ``veryfast``..``slower``, AMF ``speed``/``balanced``/``quality``); VAAPI and
VideoToolbox have no portable one and keep their defaults.

Which encoders exist and which of them work on a machine is found at the edge
(`vnb.render.encoders`); this module only knows names and options.
"""

from __future__ import annotations

from dataclasses import dataclass

from vnb.schema.export import HARDWARE, ExportSettings

__all__ = [
    "FAMILIES",
    "HARDWARE_CODECS",
    "EncoderSetup",
    "hardware_encoder",
    "hardware_setup",
]

FAMILIES = tuple(h for h in HARDWARE if h not in ("none", "auto"))
"""The hardware encoder families vnb drives, as named by ``hardware=`` (`HARDWARE` less two)."""

HARDWARE_CODECS = {"libx264": "h264", "libx265": "hevc"}
"""Software encoders that have hardware counterparts, and the codec those are named after."""

_SPEEDS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower")
_NVENC_PRESET = dict(zip(_SPEEDS, ("p1", "p2", "p3", "p3", "p4", "p5", "p6", "p7"), strict=True))
_QSV_PRESET = dict(
    zip(_SPEEDS, ("veryfast", "veryfast", "veryfast", "faster", "fast", "medium", "slow", "slower"),
        strict=True)
)  # fmt: skip
_AMF_QUALITY = dict(
    zip(_SPEEDS, ("speed", "speed", "speed", "balanced", "balanced", "balanced", "quality",
                  "quality"), strict=True)
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class EncoderSetup:
    """A video encoder chosen ahead of the command: its name and every option it needs.

    Attributes:
        codec: The encoder, e.g. ``h264_nvenc``.
        args: Its options, after ``-c:v codec``.
        global_args: Options before the inputs (a hardware device to open).
        upload: Filters appended to the video chain before the encoder (``hwupload``), or "".
    """

    codec: str
    args: tuple[str, ...]
    global_args: tuple[str, ...] = ()
    upload: str = ""


def hardware_encoder(family: str, video_codec: str) -> str | None:
    """Name the ``family`` encoder that stands in for the software ``video_codec``.

    Args:
        family: One of `FAMILIES`.
        video_codec: The export's software encoder, e.g. ``libx264``.

    Returns:
        For example ``h264_nvenc``; None when the codec has no hardware counterpart.
    """
    codec = HARDWARE_CODECS.get(video_codec)
    if codec is None or family not in FAMILIES:
        return None
    return f"{codec}_{family}"


def quality_value(encoder: str, crf: int) -> int:
    """The encoder's own quality number for a CRF (see the module's notes).

    Args:
        encoder: An encoder name; the family is its suffix.
        crf: The export's constant rate factor (0..63).

    Returns:
        1..51 for QP-like scales, 1..100 for VideoToolbox (higher is better there).
    """
    crf = max(1, min(51, crf))
    if encoder.endswith("_videotoolbox"):
        return max(1, min(100, round(100 - crf * 100 / 51)))
    return crf


def hardware_setup(
    encoder: str, export: ExportSettings, *, device: str = "/dev/dri/renderD128"
) -> EncoderSetup:
    """The options that make ``encoder`` honour ``export``'s quality and speed.

    Args:
        encoder: A hardware encoder, e.g. ``h264_nvenc``, ``hevc_vaapi``.
        export: The settings; ``crf`` and ``speed`` are mapped, the picture is 8-bit 4:2:0.
        device: The DRM render node VAAPI opens.

    Returns:
        The setup to hand to `build_command`.

    Raises:
        ValueError: ``encoder`` is not of a known family.
    """
    family = encoder.rpartition("_")[2]
    q = str(quality_value(encoder, export.crf))
    speed = export.speed
    if family == "nvenc":
        args = ["-preset", _NVENC_PRESET[speed], "-tune", "hq", "-rc", "vbr", "-cq", q]
        return EncoderSetup(encoder, (*args, "-b:v", "0", "-pix_fmt", "yuv420p"))
    if family == "qsv":
        args = ["-preset", _QSV_PRESET[speed], "-global_quality", q]
        return EncoderSetup(encoder, (*args, "-pix_fmt", "nv12"))
    if family == "vaapi":
        return EncoderSetup(
            encoder,
            ("-rc_mode", "CQP", "-qp", q),
            global_args=("-init_hw_device", f"vaapi=vnbva:{device}", "-filter_hw_device", "vnbva"),
            upload="format=nv12,hwupload",
        )
    if family == "amf":
        args = ["-quality", _AMF_QUALITY[speed], "-rc", "cqp", "-qp_i", q, "-qp_p", q]
        if encoder.startswith("h264"):
            args += ["-qp_b", q]
        return EncoderSetup(encoder, (*args, "-pix_fmt", "nv12"))
    if family == "videotoolbox":
        return EncoderSetup(encoder, ("-q:v", q, "-pix_fmt", "yuv420p"))
    msg = f"{encoder!r} is not a hardware encoder vnb knows (families: {', '.join(FAMILIES)})"
    raise ValueError(msg)
