"""Plugins as effects: namespaced names, projects, plugin folders, the CLI, the import cost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import vnb
from vnb.effects.wasm import plugins
from vnb.effects.wasm.plugins import WasmEffect
from vnb.errors import EffectError, PluginError, ProjectError
from vnb.schema.registry import PLUGINS, REGISTRY, normalize_params

from . import hostile
from .conftest import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]


def test_plugin_names_are_namespaced_and_never_clash(examples: dict[str, WasmEffect]) -> None:
    assert "sepia" in REGISTRY and "wasm:sepia" in PLUGINS  # both exist side by side
    assert normalize_params("sepia", {}) == {"strength": 1.0}
    assert normalize_params("wasm:sepia", {"strength": 0.25}) == {"strength": 0.25}
    effect = examples["vignette"](strength=0.6)
    assert (effect.name, effect.params) == ("wasm:vignette", {"strength": 0.6})
    with pytest.raises(EffectError, match=r"'wasm:vignette' parameter 'strength': must be <= 1"):
        examples["vignette"](strength=2)
    with pytest.raises(EffectError, match="has no parameter 'radius'"):
        examples["vignette"](radius=2)


def test_one_table_holds_every_custom_effect_with_its_implementation(
    examples: dict[str, WasmEffect],
) -> None:
    from vnb.effects.custom import implementation, register
    from vnb.effects.detection import BOXES, REDACT

    assert PLUGINS["wasm:sepia"].impl is examples["sepia"] is implementation("wasm:sepia")
    for name in (REDACT, BOXES):  # the detection effects run from the same table
        assert PLUGINS[name].impl is implementation(name) and PLUGINS[name].impl is not None
    assert register(examples["sepia"]).impl is examples["sepia"]
    with pytest.raises(EffectError, match="not loaded"):  # never named in a project
        normalize_params(REDACT, {})


def test_projects_keep_plugin_effects_and_say_when_one_is_missing(
    tmp_path: Path, examples: dict[str, WasmEffect], monkeypatch: pytest.MonkeyPatch
) -> None:
    p = vnb.Project(name="saved", width=320, height=240, fps=30)
    clip = p.add_track("video").add_clip(color="red", start=0, duration=1)
    clip.effects.append(examples["wave"](amplitude=4))
    path = tmp_path / "p.vnb.json"
    p.save(path)
    assert vnb.load(path).tracks[0].clips[0].effects[0].name == "wasm:wave"

    monkeypatch.setitem(plugins.__dict__, "_scanned", True)  # no folder to find it in
    monkeypatch.delitem(PLUGINS, "wasm:wave")
    with pytest.raises(ProjectError, match=r"'wasm:wave' is a WASM plugin that is not loaded"):
        vnb.load(path)
    with pytest.raises(ProjectError, match=r"'py:nothing' is a Python effect .* not defined"):
        vnb.effects.Effect(name="py:nothing")
    with pytest.raises(ProjectError, match="unknown effect 'wasm'"):
        vnb.effects.Effect(name="wasm")


def test_plugin_folders_are_scanned_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "grayscale.wat").write_text((EXAMPLES / "grayscale.wat").read_text())
    renamed = (EXAMPLES / "invert.wat").read_text().replace('\\"invert\\"', '\\"negate\\"')
    (folder / "negate.wat").write_text(renamed)
    (folder / "spy.wasm").write_bytes(hostile.WASI_FD_WRITE)
    (folder / "notes.txt").write_text("not a plugin")
    monkeypatch.setenv("VNB_PLUGIN_PATH", str(folder))
    monkeypatch.setattr(plugins, "_scanned", False)
    monkeypatch.setattr(plugins, "problems", [])
    monkeypatch.delitem(PLUGINS, "wasm:negate", raising=False)
    assert plugins.plugin_dirs()[0] == folder
    effect = vnb.effects.Effect(name="wasm:negate")  # found by the scan
    assert effect.name == "wasm:negate"
    assert any("spy.wasm" in line and "fd_write" in line for line in plugins.problems)
    frame = np.full((4, 4, 4), 10, np.uint8)
    from vnb.effects.custom import implementation

    assert implementation("wasm:negate").apply(frame, 0, 0, {})[0, 0, 0] == 245


def test_python_effect_declarations_are_checked() -> None:
    with pytest.raises(PluginError, match="default 5 is outside"):
        vnb.effects.python_effect(params={"x": (0, 1, 5)}, name="a")(lambda frame, t, x: frame)
    with pytest.raises(PluginError, match=r"declare it as \(minimum, maximum, default\)"):
        vnb.effects.python_effect(params={"x": 0.5}, name="b")(lambda frame, t, x: frame)

    @vnb.effects.python_effect(name="Swap-RB")
    def swap(frame, t):
        """Swap red and blue."""
        return np.ascontiguousarray(frame[..., [2, 1, 0, 3]])

    assert swap.name == "py:swap-rb" and swap.info.description == "Swap red and blue."
    frame = np.zeros((2, 3, 4), np.uint8)
    frame[..., 0] = 9
    assert swap.apply(frame, 0.0, 0, {})[0, 0, 2] == 9

    @vnb.effects.python_effect
    def wrong(frame, t):
        return frame[..., :3]

    with pytest.raises(PluginError, match=r"py:wrong.*returned \(2, 3, 3\) uint8"):
        wrong.apply(frame, 0.25, 0, {})


def test_results_held_by_the_caller_are_never_overwritten(examples) -> None:
    fx = examples["invert"]
    frames = [np.full((8, 8, 4), v, np.uint8) for v in range(6)]
    outs = [fx.apply(f, 0, 0, {}) for f in frames]  # more than the rotating blocks
    assert [int(o[0, 0, 0]) for o in outs] == [255 - v for v in range(6)]


def _vnb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vnb", *args], capture_output=True, text=True, check=False
    )


def test_cli_lists_every_kind_and_checks_modules(tmp_path: Path) -> None:
    listed = _vnb("effects", "list")
    assert listed.returncode == 0
    assert "brightness(amount=0.0 [-1..1])" in listed.stdout
    assert "WASM effects" in listed.stdout and "Python effects" in listed.stdout
    assert _vnb("effects").stdout == listed.stdout  # `vnb effects` still lists

    ok = _vnb("effects", "check", str(EXAMPLES / "vignette.wat"))
    assert ok.returncode == 0, ok.stderr
    assert "wasm:vignette" in ok.stdout and "param strength" in ok.stdout
    assert "67x37 test frame" in ok.stdout

    bad = tmp_path / "spy.wasm"
    bad.write_bytes(hostile.WASI_PATH_OPEN)
    refused = _vnb("effects", "check", str(bad))
    assert refused.returncode == 1
    assert "spy.wasm" in refused.stderr and "path_open" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_import_vnb_does_not_import_wasmtime_even_with_effects_used() -> None:
    code = (
        "import sys, vnb; vnb.effects.sepia(0.5); vnb.effects.PLUGINS; "
        "print('wasmtime' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
