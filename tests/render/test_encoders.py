"""Hardware encoders: parsing ``-encoders``, per-encoder quality options, trials, choice, fallback.

This machine has no GPU: every hardware encoder the binary lists must fail its trial, and
``hardware="auto"`` must render in software saying why. Golden files under ``golden/`` hold
this binary's real ``-encoders`` output, a trimmed build without hardware encoders, and the
options each preset gives each encoder (``VNB_UPDATE_GOLDEN=1`` rewrites the latter).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

import vnb
from vnb import cache
from vnb.errors import RenderError
from vnb.ffmpeg import build_command
from vnb.ffmpeg.binary import find_ffmpeg
from vnb.ffmpeg.command import encoder_args
from vnb.ffmpeg.graph import Chain, Graph
from vnb.ffmpeg.hardware import EncoderSetup, hardware_encoder, hardware_setup, quality_value
from vnb.render import encoders, export
from vnb.schema.export import resolve_export

GOLDEN = Path(__file__).parent / "golden"
HW_LISTING = GOLDEN / "encoders-ffmpeg-9.0.2-linux-hw.txt"
NO_HW_LISTING = GOLDEN / "encoders-no-hardware.txt"
HW_ENCODERS = [
    f"{codec}_{family}"
    for codec in ("h264", "hevc")
    for family in ("nvenc", "qsv", "vaapi", "amf", "videotoolbox")
]
GENERIC_OPTIONS = {"b:v", "pix_fmt", "global_quality", "q:v"}


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path):
    cache.configure(directory=tmp_path / "cache")
    encoders.clear_trials()
    yield
    encoders.clear_trials()
    cache.configure()


def fake_listing(monkeypatch, path: Path) -> str:
    """Make `choose_encoder` see the encoders of a recorded build (trials still run for real)."""
    exe = find_ffmpeg()
    monkeypatch.setitem(encoders._listings, exe, encoders.parse_encoders(path.read_text()))
    return exe


# -- parsing ---------------------------------------------------------------------------------


def test_parse_the_recorded_listing_of_a_build_with_hardware():
    listed = encoders.parse_encoders(HW_LISTING.read_text())
    assert listed["libx264"].kind == "video"
    assert listed["aac"].kind == "audio"
    assert listed["srt"].kind == "subtitle"
    assert listed["h264_nvenc"].description == "NVIDIA NVENC H.264 encoder (codec h264)"
    hardware = {n for n in listed if n.endswith(("_nvenc", "_qsv", "_vaapi", "_amf"))}
    assert {"h264_nvenc", "hevc_nvenc", "h264_qsv", "h264_vaapi", "h264_amf"} <= hardware
    assert not any(n.endswith("_videotoolbox") for n in listed)  # a Linux build
    assert "=" not in listed and "------" not in listed  # the legend is not an encoder


def test_parse_a_build_without_hardware():
    listed = encoders.parse_encoders(NO_HW_LISTING.read_text())
    assert {"libx264", "libopenh264", "libvpx-vp9", "prores_ks", "aac", "libopus"} <= set(listed)
    assert not [n for n in listed if n.rpartition("_")[2] in ("nvenc", "qsv", "vaapi", "amf")]


def test_the_recorded_listing_is_this_binary_s():
    live = encoders.list_encoders()
    recorded = encoders.parse_encoders(HW_LISTING.read_text())
    assert set(live) == set(recorded)


def test_priority_per_platform():
    assert encoders.priority("linux") == ("nvenc", "qsv", "vaapi", "amf")
    assert encoders.priority("win32") == ("nvenc", "qsv", "vaapi", "amf")
    assert encoders.priority("darwin") == ("videotoolbox",)


def test_ffmpeg_reason_keeps_the_telling_line():
    stderr = (
        "[h264_nvenc @ 0x5] Cannot load libcuda.so.1\n"
        "[vost#0:0/h264_nvenc @ 0x5] [enc:h264_nvenc @ 0x6] Error while opening encoder - maybe"
        " incorrect parameters such as bit_rate, rate, width or height.\n"
        "[vf#0:0 @ 0x7] Task finished with error code: -1 (Operation not permitted)\n"
    )
    assert encoders.ffmpeg_reason(stderr) == "Cannot load libcuda.so.1"
    assert "code 134" in encoders.ffmpeg_reason("", 134)


# -- quality mapping -------------------------------------------------------------------------


CASES = {
    "default": ("default", {}),
    "web-1080p": ("web-1080p", {}),
    "web-720p": ("web-720p", {}),
    "web-720p-ultrafast-crf30": ("web-720p", {"speed": "ultrafast", "crf": 30}),
    "vertical-slower-crf16": ("vertical", {"speed": "slower", "crf": 16}),
}


def mapping() -> dict[str, dict[str, str]]:
    """Per case, per encoder: its options as one line (global options and upload noted)."""
    out: dict[str, dict[str, str]] = {}
    for case, (preset, overrides) in CASES.items():
        export_ = resolve_export(None, preset, **overrides)
        rows = {"libx264": shlex.join(encoder_args(export_, lambda _n: True)[1])}
        for name in HW_ENCODERS:
            setup = hardware_setup(name, export_, device="/dev/dri/renderD128")
            line = shlex.join(["-c:v", name, *setup.args])
            if setup.global_args:
                line = f"{shlex.join(setup.global_args)} ... {line}"
            if setup.upload:
                line += f"  (picture through {setup.upload})"
            rows[name] = line
        out[case] = rows
    return out


def test_preset_to_encoder_arguments_golden():
    path = GOLDEN / "hardware-args.json"
    got = mapping()
    if os.environ.get("VNB_UPDATE_GOLDEN"):
        path.write_text(json.dumps(got, indent=1) + "\n")
    assert got == json.loads(path.read_text())


def test_one_quality_scale():
    assert quality_value("h264_nvenc", 20) == 20
    assert quality_value("h264_qsv", 0) == 1  # 0 means "automatic" to NVENC: never sent
    assert quality_value("hevc_vaapi", 63) == 51
    assert quality_value("h264_videotoolbox", 20) == 61  # higher is better there
    assert quality_value("h264_videotoolbox", 51) == 1
    assert hardware_encoder("nvenc", "libx265") == "hevc_nvenc"
    assert hardware_encoder("nvenc", "libvpx-vp9") is None


def encoder_help(exe: str, name: str) -> str:
    done = subprocess.run(
        [exe, "-hide_banner", "-h", f"encoder={name}"], capture_output=True, timeout=30, check=True
    )
    return done.stdout.decode()


def test_every_option_exists_in_this_ffmpeg():
    """Each private option (and its named value) we pass is one the encoder declares."""
    exe = find_ffmpeg()
    listed = encoders.list_encoders(exe)
    export_ = resolve_export(None, "web-720p", speed="slower")
    checked = 0
    for name in HW_ENCODERS:
        if name not in listed:
            continue
        text = encoder_help(exe, name)
        declared = set(re.findall(r"^  -(\S+)", text, re.MULTILINE))
        args = hardware_setup(name, export_).args
        for flag, value in zip(args[::2], args[1::2], strict=True):
            option = flag.lstrip("-")
            if option in GENERIC_OPTIONS:
                continue
            assert option in declared, f"{name} has no -{option}"
            if not value.lstrip("-").isdigit():  # a named constant: listed under the option
                assert re.search(rf"^     {re.escape(value)}\s", text, re.MULTILINE), (name, flag)
            checked += 1
    assert checked >= 20


def test_vaapi_uploads_at_the_end_of_the_graph():
    graph = Graph(
        inputs=(), chains=(Chain(("0:v",), (("null", ()),), ("v",)),), video="v", audio=None
    )
    setup = hardware_setup("h264_vaapi", resolve_export(), device="/dev/dri/renderD129")
    command = build_command(graph, resolve_export(), lambda _n: True, setup)
    assert command.inputs[:2] == ("-init_hw_device", "vaapi=vnbva:/dev/dri/renderD129")
    assert command.graph.endswith(";\n[v]format=nv12,hwupload[vnbhw]")
    assert command.outputs[:4] == ("-map", "[vnbhw]", "-c:v", "h264_vaapi")
    assert command.video_codec == "h264_vaapi"


# -- trials and choice on this machine ---------------------------------------------------------


def test_trials_fail_here_with_ffmpeg_s_reason_and_are_cached():
    verdicts = encoders.probe_hardware(codecs=("libx264",))
    assert set(verdicts) == {"h264_nvenc", "h264_qsv", "h264_vaapi", "h264_amf"}
    if any(v.works for v in verdicts.values()):
        pytest.skip("this machine has a working hardware encoder")
    assert "libcuda" in verdicts["h264_nvenc"].message
    assert "MFX session" in verdicts["h264_qsv"].message
    assert "amf" in verdicts["h264_amf"].message.lower()
    assert all(v.seconds < 5 for v in verdicts.values())
    assert encoders.trial("h264_nvenc") is verdicts["h264_nvenc"]  # in-process
    encoders.clear_trials()
    again = encoders.trial("h264_nvenc")  # from the disk cache: no ffmpeg run
    assert (again.works, again.message, again.seconds) == (False, verdicts["h264_nvenc"].message, 0)
    fresh = encoders.trial("h264_nvenc", refresh=True)
    assert fresh.seconds > 0


def test_auto_on_a_build_without_hardware(monkeypatch):
    fake_listing(monkeypatch, NO_HW_LISTING)
    choice = encoders.choose_encoder(resolve_export(hardware="auto"))
    assert (choice.setup, choice.hardware) == (None, "software")
    assert "h264_nvenc: not in this ffmpeg build" in choice.note
    with pytest.raises(RenderError, match="built without h264_qsv"):
        encoders.choose_encoder(resolve_export(hardware="qsv"))


def test_non_h264_exports_stay_in_software():
    choice = encoders.choose_encoder(resolve_export(None, "webm", hardware="auto"))
    assert choice.hardware == "software"
    assert "H.264 and HEVC" in choice.note
    with pytest.raises(RenderError, match="prores_ks"):
        encoders.choose_encoder(resolve_export(None, "prores", hardware="nvenc"))


def small_project(color_media) -> vnb.Project:
    p = vnb.Project(name="hw", width=160, height=120, fps=30)
    p.add_track("video").add_clip(color_media("teal", 440, seconds=1), start=0, duration=1)
    return p


def test_auto_renders_in_software_and_says_why(color_media, tmp_path):
    result = small_project(color_media).render(tmp_path / "auto.mp4", hardware="auto")
    if result.hardware != "software":
        pytest.skip(f"this machine has working hardware: {result.note}")
    assert result.path.is_file()
    assert result.video_codec == "libx264"
    assert "no hardware encoder works here" in result.note
    assert "h264_nvenc: Cannot load libcuda.so.1" in result.note
    assert "h264_vaapi" in result.note


def test_a_named_family_that_does_not_work_is_a_clear_error(color_media, tmp_path):
    if encoders.trial("h264_nvenc").works:
        pytest.skip("NVENC works here")
    out = tmp_path / "nvenc.mp4"
    with pytest.raises(RenderError) as info:
        small_project(color_media).render(out, hardware="nvenc")
    message = str(info.value)
    assert "h264_nvenc" in message
    assert "Cannot load libcuda.so.1" in message
    assert not out.exists()


def test_a_hardware_encoder_failing_mid_render_is_retried_in_software(
    color_media, tmp_path, monkeypatch
):
    # An "encoder" that passes the choice but fails when ffmpeg opens it.
    broken = EncoderSetup("libx264", ("-profile:v", "no-such-profile"))
    note = "hardware encoder h264_fake (hardware='auto')"
    choice = encoders.EncoderChoice(broken, "fake", note)
    monkeypatch.setattr(export, "choose_encoder", lambda *_a: choice)
    result = small_project(color_media).render(tmp_path / "retry.mp4", hardware="auto")
    assert result.path.is_file()
    assert result.hardware == "software"
    assert result.note.startswith(note)
    assert "failed during the render" in result.note
    assert "rendered again in software" in result.note
    assert "no-such-profile" not in " ".join(result.command)
