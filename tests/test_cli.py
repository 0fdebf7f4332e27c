"""The ``vnb`` command line, run for real in a subprocess: user errors are one line, not a
traceback (exit 2 when argparse refuses the command line, 1 when the work is refused);
`vnb frame`'s sizes, `vnb --version`, `vnb effects` listing the shipped WASM examples,
progress bars, and `vnb lab`'s options."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import vnb

ROOT = Path(__file__).resolve().parent.parent


def _vnb(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vnb", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        **kwargs,
    )


def _user_error(out: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    """One message on stderr naming ``words``, exit ``code``, no traceback."""
    assert out.returncode == code, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    message = out.stderr.strip().splitlines()[-1]
    assert "error" in message
    for word in words:
        assert word in message, (word, message)


@pytest.fixture(scope="module")
def video(color_media) -> Path:
    return color_media("red", 440, seconds=1)


@pytest.fixture(scope="module")
def project_file(tmp_path_factory, video) -> Path:
    path = tmp_path_factory.mktemp("cli") / "cli.vnb.json"
    p = vnb.Project(name="cli", width=320, height=240, fps=30)
    p.add_track("video").add_clip(video, start=0, duration=1)
    p.save(path)
    return path


def test_batch_refuses_two_inputs_that_would_write_one_output(project_file, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        (folder / "cli.vnb.json").write_bytes(project_file.read_bytes())
    out_dir = tmp_path / "out"
    out = _vnb("batch", a / "cli.vnb.json", b / "cli.vnb.json", "--out-dir", out_dir, "-q")
    _user_error(out, 1, str(a / "cli.vnb.json"), str(b / "cli.vnb.json"), "cli.mp4")
    assert not out_dir.exists()  # refused before anything was made


def test_frame_refuses_a_missing_folder_and_an_unknown_suffix(project_file, tmp_path):
    missing = tmp_path / "nowhere" / "f.png"
    _user_error(_vnb("frame", project_file, "0.5", missing), 1, str(tmp_path / "nowhere"))
    assert not missing.parent.exists()
    _user_error(_vnb("frame", project_file, "0.5", tmp_path / "f.xyz"), 1, ".xyz", ".png")
    assert not (tmp_path / "f.xyz").exists()
    for bad in ("0", "-3", "60000", "wide"):
        out = _vnb("frame", project_file, "0.5", tmp_path / "f.png", "--width", bad)
        _user_error(out, 2, "--width", "8192")
    assert not (tmp_path / "f.png").exists()


def test_frame_width_alone_keeps_the_projects_aspect(project_file, tmp_path):
    from PIL import Image

    for args, size in (
        (("--width", "160"), (160, 120)),
        (("--height", "60"), (80, 60)),
        (("--width", "100"), (100, 75)),
        (("--width", "64", "--height", "64"), (64, 64)),
        ((), (320, 240)),
    ):
        png = tmp_path / f"f{'-'.join(args)}.png"
        out = _vnb("frame", project_file, "0.5", png, *args)
        assert out.returncode == 0, out.stderr
        assert Image.open(png).size == size, args
        assert f"({size[0]}x{size[1]})" in out.stdout


def test_detect_refuses_a_score_that_is_not_between_0_and_1(video):
    for bad in ("nan", "inf", "-0.1", "1.5", "high"):
        _user_error(_vnb("detect", video, "--conf", bad, "-q"), 2, "--conf", "0 to 1")


def test_unknown_options_are_refused_except_by_lab(project_file, tmp_path):
    out = _vnb("frame", project_file, "0.5", tmp_path / "f.png", "--colour", "red")
    _user_error(out, 2, "--colour")


def test_version():
    out = _vnb("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"vnb {vnb.__version__}"


def test_effects_lists_the_shipped_wasm_examples():
    from vnb.effects.wasm import EXAMPLES

    out = _vnb("effects")
    assert out.returncode == 0, out.stderr
    names = sorted(p.stem for p in EXAMPLES.glob("*.wat"))
    assert len(names) >= 6
    examples = out.stdout.split("WASM examples shipped with vnb", 1)[1]
    assert all(name in examples for name in names)
    assert "load_wasm" in examples and "vnb effects check" in examples


def test_a_bug_still_shows_its_traceback(tmp_path):
    code = (
        "import sys, vnb.cli\n"
        "def boom(args): raise RuntimeError('a bug')\n"
        "vnb.cli._doctor = boom\n"
        "sys.exit(vnb.cli.main(['doctor']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 1
    assert "Traceback" in out.stderr and "RuntimeError: a bug" in out.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get_json(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 (loopback)
        return json.loads(reply.read())


def test_lab_port_ip_no_browser_and_jupyterlab_options(tmp_path):
    """`vnb lab --port --ip --no-browser -- --IdentityProvider.token=…` serves there, with the
    news notification off, and stops on one Ctrl+C (no terminal: JupyterLab does not ask)."""
    port, token = _free_port(), "vnb-test-token"
    log = tmp_path / "lab.log"
    opened = tmp_path / "browser-opened"
    browser = f"sh -c 'touch {opened}'"  # what JupyterLab would run to open a browser
    env = {**os.environ, "BROWSER": browser, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    env.pop("VNB_LAB_CHECK", None)
    argv = [sys.executable, "-m", "vnb", "lab", "--port", str(port), "--ip", "127.0.0.1"]
    argv += ["--no-browser", "--", f"--IdentityProvider.token={token}"]
    with log.open("w") as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            with contextlib.suppress(OSError, ValueError):
                api = _get_json(f"http://127.0.0.1:{port}/api", token)
                break
            time.sleep(0.25)
        else:
            pytest.fail(f"vnb lab did not answer on port {port}:\n{log.read_text()}")
        assert api["version"]
        plugin = "@jupyterlab/apputils-extension:notification"
        settings = _get_json(f"http://127.0.0.1:{port}/lab/api/settings/{plugin}", token)
        assert settings["schema"]["properties"]["fetchNews"]["default"] == "false"
        text = log.read_text()
        assert f"http://127.0.0.1:{port}/lab" in text
        time.sleep(1)
        assert not opened.exists()  # --no-browser
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(30) == 130
        time.sleep(1)
        with pytest.raises(ProcessLookupError):  # JupyterLab itself is gone, not orphaned
            os.killpg(proc.pid, 0)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_progress_bars_show_no_inverted_rate_and_100_percent_once(project_file, video, tmp_path):
    """The render bar counts seconds of video with ffmpeg's speed (no tqdm "s/s" rate, which
    inverts itself below 1); every bar prints its 100 % line once (tqdm's close shows it)."""
    out = _vnb("render", project_file, tmp_path / "o.mp4", "--no-smart")
    assert out.returncode == 0, out.stderr
    lines = out.stderr.replace("\r", "\n").splitlines()
    bar = [line for line in lines if "o.mp4" in line and "%|" in line]
    assert bar, out.stderr
    assert not any("s/s" in line for line in bar), bar
    assert sum("100%|" in line for line in bar) == 1, bar
    assert "1.0/1.0 s" in bar[-1]
    out = _vnb("detect", video, "--every", "10", "--out", tmp_path / "d.json")
    assert out.returncode == 0, out.stderr
    lines = out.stderr.replace("\r", "\n").splitlines()
    assert sum("100%|" in line for line in lines) == 1, lines


def test_lab_stop_is_bounded_when_jupyterlab_does_not_exit(tmp_path):
    """A JupyterLab that does not exit after the Ctrl+C that stops it (as one did, waiting in
    Python's exit for a start-up scan) is terminated after `STOP_GRACE`, then killed."""
    stubborn = tmp_path / "stubborn.py"
    stubborn.write_text(
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('http://127.0.0.1:1/lab', flush=True)\n"
        "time.sleep(600)\n"
    )
    code = (
        "import sys, vnb.notebook.lab as lab\n"
        "lab.STOP_GRACE = 1.0\n"
        "lab._require_jupyterlab = lambda: None\n"
        f"lab.lab_command = lambda folder, *o: [sys.executable, {str(stubborn)!r}]\n"
        f"sys.exit(lab.run_lab(lab.Path({str(tmp_path)!r})))\n"
    )
    log = tmp_path / "log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", code], stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "http://" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        started = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(30) == 130, log.read_text()
        assert time.monotonic() - started < 1.0 + 5.0 + 3.0  # grace, then terminate → kill
        time.sleep(0.5)
        with pytest.raises(ProcessLookupError):  # the stubborn server was killed
            os.killpg(proc.pid, 0)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_lab_grace_starts_when_jupyterlab_is_told_to_stop():
    from vnb.notebook.lab import STOP_GRACE, _grace_left

    now = time.monotonic()
    assert _grace_left([], asks_first=False) is None
    assert _grace_left([now], asks_first=True) is None  # in a terminal it only asks
    assert _grace_left([now - 10, now], asks_first=True) is None  # a 2nd Ctrl+C much later
    assert abs(_grace_left([now - 1, now], asks_first=True) - STOP_GRACE) < 0.1
    assert abs(_grace_left([now - 1], asks_first=False) - (STOP_GRACE - 1)) < 0.1
    assert _grace_left([now - 100], asks_first=False) == 0.0


def test_frame_and_detect_never_write_over_what_they_read(tmp_path, still_png, video):
    """``vnb frame p.json 0 logo.png`` where logo.png is the project's still, and
    ``vnb detect v.mp4 --out v.mp4``, used to replace the input."""
    logo = tmp_path / "logo.png"
    logo.write_bytes(still_png.read_bytes())
    p = vnb.Project(name="still", width=64, height=48, fps=30)
    p.add_track("video").add_clip(logo, start=0, duration=1)
    project = p.save(tmp_path / "still.vnb.json")
    before = logo.read_bytes()
    _user_error(_vnb("frame", project, "0", logo), 1, "cannot render to", "clip")
    assert logo.read_bytes() == before
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    _user_error(_vnb("frame", project, "0", fifo), 1, "FIFO")
    assert fifo.is_fifo()
    copy = tmp_path / "v.mp4"
    copy.write_bytes(video.read_bytes())
    _user_error(_vnb("detect", copy, "--out", copy, "-q"), 1, "the video being analysed")
    assert copy.read_bytes() == video.read_bytes()
    out = _vnb("frame", project, "0", tmp_path / "frame.png")
    assert out.returncode == 0, out.stderr
    assert not list(tmp_path.glob(".*.tmp"))  # written whole, nothing left beside it
