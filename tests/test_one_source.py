"""Lists vnb needs in two places are written once and derived elsewhere: tests that they agree.

Transition kinds, hardware and fit choices (schema → CLI, encoder families), the filters the
render graphs use (the doctor's list), Darknet's class names (vnb → the model converter), and
the one LEB128 decoder of the ONNX and WASM readers.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import get_args

import pytest

import vnb
from tests.helpers.ffmpeg import ffmpeg_exe
from tests.helpers.media import make_media, make_still
from vnb._varint import VarintError, read_varint
from vnb.cli import _parser
from vnb.detect.onnxcheck import OnnxFormatError, check_model_bytes
from vnb.detect.postprocess import COCO_NAMES, DARKNET_ALIASES
from vnb.effects.wasm.binary import WasmFormatError, outline
from vnb.ffmpeg import build_graph
from vnb.ffmpeg.binary import ffmpeg_has
from vnb.ffmpeg.graph import REQUIRED_FILTERS
from vnb.ffmpeg.hardware import FAMILIES
from vnb.media import plan_project
from vnb.render.encoders import priority
from vnb.render.export import text_images
from vnb.schema import Effect
from vnb.schema.export import FITS, HARDWARE, Fit, Hardware, resolve_export
from vnb.schema.registry import REGISTRY
from vnb.schema.timeline import AUDIO_TRANSITIONS, TRANSITIONS, TransitionKind

ROOT = Path(__file__).resolve().parent.parent


def _choices(command: str, option: str) -> list[str]:
    sub = next(a for a in _parser()._actions if a.dest == "command").choices[command]
    return next(a for a in sub._actions if option in a.option_strings).choices


def test_transition_kinds_are_the_literals_and_ffmpeg_has_each() -> None:
    assert get_args(TransitionKind) == TRANSITIONS
    assert set(AUDIO_TRANSITIONS) <= set(TRANSITIONS)
    # vnb.plan sends "crossfade" as xfade's "fade"; every other kind is an xfade transition.
    listing = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-h", "filter=xfade"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    known = {line.split()[0] for line in listing.splitlines() if line.startswith("     ")}
    assert set(TRANSITIONS) - {"crossfade"} <= known


def test_hardware_and_fit_choices_come_from_the_schema() -> None:
    assert get_args(Hardware) == HARDWARE and HARDWARE[:2] == ("none", "auto")
    assert HARDWARE[2:] == FAMILIES
    for command in ("render", "batch"):
        assert _choices(command, "--hardware") == list(HARDWARE)
    assert get_args(Fit) == FITS
    assert _choices("render", "--fit") == list(FITS)
    # "auto" tries every family of its platform once; VideoToolbox is macOS's alone.
    assert sorted(priority("linux") + priority("darwin")) == sorted(FAMILIES)


@pytest.fixture(scope="module")
def sink(tmp_path_factory: pytest.TempPathFactory) -> vnb.Project:
    """Every built-in effect, a transition, speeds up and down, fades, a rotated still at half
    opacity, a title, and two mono sounds crossfading."""
    folder = tmp_path_factory.mktemp("sink")
    src = make_media(folder, "a.mp4", video="testsrc2=s=64x48:r=30:d=4", audio="sine=d=4")
    mono = make_media(folder, "m.wav", video=None, audio="sine=f=300:d=4", channels=1)
    still = make_still(folder / "s.png", "testsrc2=s=64x48:r=1:d=1")
    p = vnb.Project(name="sink", width=64, height=48, fps=30)
    v = p.add_track("video")
    a = v.add_clip(str(src), start=0, duration=2, fade_in=0.5)
    b = v.add_clip(str(src), start=1.5, duration=2, speed=1.5, fade_out=0.5)
    v.add_transition(a, b, "wipeleft", duration=0.5)
    a.effects.extend(Effect(name=name) for name in REGISTRY)
    top = p.add_track("video")
    top.add_clip(str(still), start=0, duration=2, opacity=0.5).transform.rotation = 10
    top.add_clip(str(src), start=2, duration=1, speed=0.3)
    sound = p.add_track("audio")
    x = sound.add_clip(str(mono), start=0, duration=2, volume=0.5)
    y = sound.add_clip(str(mono), start=1.5, duration=2)
    sound.add_transition(x, y, "crossfade", duration=0.5)
    p.add_title("Hi", start=0, duration=1)
    return p


@pytest.mark.parametrize(
    "export",
    [{}, {"output": "x.gif"}, {"width": 96, "height": 48, "fit": "contain_blur"}],
    ids=["mp4", "gif", "contain_blur"],
)
def test_render_graphs_use_only_the_filters_the_doctor_checks(
    sink: vnb.Project, export: dict[str, str | int]
) -> None:
    plan = plan_project(sink)
    settings = resolve_export(sink.export, None, **export)
    with tempfile.TemporaryDirectory() as tmp:
        graph = build_graph(plan, settings, text_images(plan, Path(tmp)))
    used = {name for chain in graph.chains for name, _ in chain.filters}
    assert len(used) > 20
    assert used <= set(REQUIRED_FILTERS), used - set(REQUIRED_FILTERS)


def test_this_ffmpeg_has_every_required_filter() -> None:
    assert [f for f in REQUIRED_FILTERS if not ffmpeg_has("filters", f)] == []


def test_the_converter_takes_vnbs_darknet_names() -> None:
    sys.path.insert(0, str(ROOT / "models"))
    try:
        import convert_darknet
    finally:
        sys.path.pop(0)
    assert convert_darknet.MODERN_NAMES is DARKNET_ALIASES
    assert set(DARKNET_ALIASES.values()) <= set(COCO_NAMES)
    assert not set(DARKNET_ALIASES) & set(COCO_NAMES)


def test_one_leb128_decoder() -> None:
    assert read_varint(b"\x00", 0) == (0, 1)
    assert read_varint(b"\x01\xac\x02", 1) == (300, 3)  # protobuf's own example
    assert read_varint(b"\xff\xff\xff\xff\x0f", 0, bits=32) == (2**32 - 1, 5)
    assert read_varint(b"\xff" * 9 + b"\x01", 0) == (2**64 - 1, 10)
    for data, bits, why in [
        (b"\xac", 64, "unexpected end"),
        (b"\xac\x02", 64, "unexpected end"),  # ``end`` below stops before the last byte
        (b"\x80\x80\x80\x80\x80\x00", 32, "too long"),
        (b"\xff\xff\xff\xff\x1f", 32, "out of range"),
        (b"\xff" * 9 + b"\x02", 64, "out of range"),
    ]:
        end = 1 if data == b"\xac\x02" else None
        with pytest.raises(VarintError, match=why):
            read_varint(data, 0, end=end, bits=bits)
    # The two readers use it and say which format was wrong.
    with pytest.raises(OnnxFormatError, match="protobuf: unexpected end"):
        check_model_bytes(b"\x08\x80")
    with pytest.raises(WasmFormatError, match="too long"):  # a section size of six bytes
        outline(b"\0asm\x01\0\0\0\x01\x80\x80\x80\x80\x80\x00")
