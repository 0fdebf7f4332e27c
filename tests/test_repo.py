"""The repository keeps its promises: README commands, CI, binder, cheap import, CLI."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_readme_has_two_commands_and_ci_runs_the_test_one():
    lab, tests = _readme_commands()[:2]
    assert lab.endswith("vnb lab")  # run as written by tests/test_fresh_venvs.py
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci, "the CI script must run the README's test command exactly"
    checks = "\n".join(ci[ci.index(tests) :])  # after the suite, all run, any failure fails CI
    for check in ("ruff check .", "ruff format --check .", "mypy", "lint-imports"):
        assert f'"{check}"' in checks, check


def test_binder_requirements_match_pyproject():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    binder = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    lab = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    missing = (set(deps) | set(lab["lab"])) - binder
    assert not missing, f"binder/requirements.txt lacks {missing}"
    assert "ffmpeg" in (ROOT / "binder" / "apt.txt").read_text().split()


def test_import_vnb_is_cheap():
    code = (
        "import sys, vnb; heavy = [m for m in ('onnxruntime', 'wasmtime', 'anywidget', "
        "'ipywidgets', 'av', 'tqdm', 'diskcache') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_effects_and_doctor_json():
    run = [sys.executable, "-m", "vnb"]
    effects = subprocess.run([*run, "effects"], capture_output=True, text=True, check=True)
    assert "brightness(amount=0.0 [-1..1])" in effects.stdout
    doctor = subprocess.run([*run, "doctor", "--json"], capture_output=True, text=True, check=True)
    report = json.loads(doctor.stdout)
    assert report["ok"] is True
    assert report["ffmpeg"]["version"]
    assert report["ffmpeg"]["encoders"]["libx264"] is True
    assert report["pyav"]["ffmpeg"]


def test_cli_errors_are_messages_not_tracebacks(tmp_path):
    bad = tmp_path / "bad.vnb.json"
    bad.write_text('{"format": "vnb.project", "version": 1, "width": -5}')
    out = subprocess.run(
        [sys.executable, "-m", "vnb", "render", str(bad), str(tmp_path / "o.mp4")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "bad.vnb.json" in out.stderr
    assert "width" in out.stderr
    probe = subprocess.run(
        [sys.executable, "-m", "vnb", "probe", "http://example.com/a.mp4"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 1
    assert "URL" in probe.stderr or "protocol" in probe.stderr


def test_cli_demo_renders_and_frame(tmp_path):
    folder = tmp_path / "demo"
    run = [sys.executable, "-m", "vnb"]
    out = subprocess.run(
        [*run, "demo", "--folder", str(folder), "-q"], capture_output=True, text=True, check=True
    )
    assert str(folder / "demo.mp4") in out.stdout
    import av

    with av.open(str(folder / "demo.mp4")) as c:
        video = c.streams.video[0]
        assert (video.width, video.height) == (1280, 720)
        assert video.frames == 330
        assert c.streams.audio
    png = tmp_path / "f.png"
    subprocess.run(
        [
            *run,
            "frame",
            str(folder / "demo.vnb.json"),
            "5.5",
            str(png),
            "--width",
            "320",
            "--height",
            "180",
        ],
        check=True,
        capture_output=True,
    )
    from PIL import Image

    assert Image.open(png).size == (320, 180)


def test_cli_lab_names_a_folder_without_notebooks(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "vnb", "lab", "--check", "--folder", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert str(tmp_path) in out.stderr and "no tutorials" in out.stderr


@pytest.mark.skipif(
    sys.version_info[:2] != (3, 11),
    reason="the README's CLI reference is argparse's layout on Python 3.11 (CI's); others differ",
)
def test_readme_generated_sections_are_up_to_date():
    from vnb.docs import COMMAND, stale_sections

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    stale = stale_sections(text)
    assert not stale, f"README.md's generated {', '.join(stale)} are stale: run `{COMMAND}`"


def test_docs_generator_sees_a_stale_section_and_rewrites_it(tmp_path):
    readme = tmp_path / "README.md"
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    readme.write_text(text.replace("| `vnb lab` |", "| `vnb gone` |"), encoding="utf-8")
    run = [sys.executable, "-m", "vnb.docs", "--readme", str(readme)]
    check = subprocess.run([*run, "--check"], capture_output=True, text=True, check=False)
    assert check.returncode == 1
    assert "cli-reference" in check.stderr and "python -m vnb.docs --write" in check.stderr
    subprocess.run([*run, "--write"], capture_output=True, text=True, check=True)
    assert readme.read_text(encoding="utf-8") == text
    readme.write_text("# no markers\n", encoding="utf-8")
    out = subprocess.run([*run, "--write"], capture_output=True, text=True, check=False)
    assert out.returncode == 1 and "no markers for 'cli-reference'" in out.stderr


def test_readme_first_example_runs(tmp_path):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.findall(r"```python\n(.+?)\n```", text, re.S)[0]
    assert len(example.splitlines()) <= 15
    check = (
        "\nimport av\n"
        "assert frame.shape == (720, 1280, 3)\n"
        "with av.open('hello.mp4') as c:\n"
        "    s = c.streams.video[0]\n"
        "    print(s.frames, s.width, s.height, result.duration)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", example + check],
        cwd=tmp_path,
        env={**os.environ, "VNB_CACHE_DIR": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    frames, width, height, duration = out.stdout.split()[-4:]
    assert (int(frames), int(width), int(height)) == (165, 1280, 720)  # 3 + 3 - 0.5 s at 30 fps
    assert abs(float(duration) - 5.5) < 0.05


def test_cli_lab_serves_until_ctrl_c_then_jupyterlab_stops(tmp_path):
    import signal
    import time

    log = tmp_path / "lab.log"
    env = {**os.environ, "BROWSER": "true", "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    env.pop("VNB_LAB_CHECK", None)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vnb", "lab"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,  # no terminal: one Ctrl+C stops JupyterLab, no question
            env=env,
            start_new_session=True,  # its own process group, as a terminal gives it
        )
    try:
        deadline = time.monotonic() + 60
        while "http://127.0.0.1:" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.2)
        assert "http://127.0.0.1:" in log.read_text(), log.read_text()
        assert str(ROOT / "notebooks") in log.read_text()
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl+C (in a terminal: twice, tests/test_cli.py)
        assert proc.wait(30) == 130
        # vnb lab waited for JupyterLab: nothing of the group is left, nothing was orphaned
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_the_import_layers_hold():
    """pyproject.toml's import contract (docs/architecture.md): no import crosses a layer upward."""
    exe = Path(sys.executable).with_name("lint-imports")  # the test extra installs it
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [str(exe), "--no-cache"], cwd=ROOT, capture_output=True, text=True, env=env, check=False
    )
    assert out.returncode == 0, out.stdout[-4000:]
    assert "vnb's layers KEPT" in out.stdout
