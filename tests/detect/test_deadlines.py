"""A detection model that never finishes is stopped by its deadline or by cancel.

The model is a tiny graph built with ``onnx.helper`` whose ``Loop`` runs 2**62 times before
it emits a constant YOLOv5-shaped output: without a deadline ``analyze`` and ``vnb detect``
would run for ever.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import vnb
from vnb.detect import model as model_module
from vnb.errors import DetectionCancelledError, DetectionError


def looping_model(path: Path, trips: int = 2**62) -> Path:
    """A YOLOv5-layout model (80 classes) whose output waits for a ``trips``-long Loop."""
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
            helper.make_node("Add", ["acc_in", "one"], ["acc_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, [1]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [1]),
        ],
        [numpy_helper.from_array(np.ones(1, np.float32), "one")],
    )
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["m"], axes=[0, 1, 2, 3], keepdims=0),
        helper.make_node("Reshape", ["m", "shape1"], ["m1"]),
        helper.make_node("Loop", ["trips", "cond", "m1"], ["acc"], body=body),
        helper.make_node("Mul", ["acc", "zero"], ["z"]),
        helper.make_node("Reshape", ["z", "shape3"], ["z3"]),
        helper.make_node("Add", ["table", "z3"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "looping",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["batch", 3, "h", "w"])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 4, 85])],
        [
            numpy_helper.from_array(np.zeros((1, 4, 85), np.float32), "table"),
            numpy_helper.from_array(np.array(trips, np.int64), "trips"),
            numpy_helper.from_array(np.array(True), "cond"),
            numpy_helper.from_array(np.zeros(1, np.float32), "zero"),
            numpy_helper.from_array(np.array([1], np.int64), "shape1"),
            numpy_helper.from_array(np.array([-1, 1, 1], np.int64), "shape3"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.helpers.ffmpeg import run_ffmpeg

    path = tmp_path_factory.mktemp("loopvid") / "grey.mp4"
    run_ffmpeg(
        "-f", "lavfi", "-i", "color=c=gray:s=160x120:r=10:d=0.5", "-c:v", "libx264",
        "-pix_fmt", "yuv420p", str(path),
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def looping(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return looping_model(tmp_path_factory.mktemp("loopmodel") / "loop.onnx")


def test_a_looping_model_is_stopped_at_the_deadline(video: Path, looping: Path) -> None:
    vnb.detect.load_model(looping)  # onnxruntime's import and the session: not the deadline's
    started = time.monotonic()
    with pytest.raises(DetectionError, match=r"loop\.onnx: the model ran past its deadline of 1 s"):
        vnb.detect.analyze(video, model=looping, timeout=1, progress=False, track=False)
    assert time.monotonic() - started < 3
    assert not [t for t in threading.enumerate() if t.name == "vnb-detect-deadline"]


def test_the_default_deadline_is_visible_and_changeable(
    video: Path, looping: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert model_module.DEFAULT_TIMEOUT == 60.0
    monkeypatch.setattr(model_module, "DEFAULT_TIMEOUT", 0.5)
    started = time.monotonic()
    with pytest.raises(DetectionError, match=r"deadline of 0\.5 s") as caught:
        vnb.detect.analyze(video, model=looping, progress=False)
    assert time.monotonic() - started < 2.5
    assert caught.value.partial is not None and len(caught.value.partial) == 0


def test_cancel_stops_a_running_model(video: Path, looping: Path) -> None:
    cancel = threading.Event()
    failure: list[BaseException] = []

    def work() -> None:
        try:
            vnb.detect.analyze(video, model=looping, progress=False, cancel=cancel)
        except BaseException as err:
            failure.append(err)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    time.sleep(1.0)  # the model is running by now (default deadline: 60 s)
    asked = time.monotonic()
    cancel.set()
    thread.join(2)
    assert not thread.is_alive()
    assert time.monotonic() - asked < 2
    assert len(failure) == 1 and isinstance(failure[0], DetectionCancelledError), failure


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "5", True])
def test_a_bad_timeout_is_refused(video: Path, bad: object) -> None:
    with pytest.raises(DetectionError, match="timeout must be a number of seconds"):
        vnb.detect.analyze(video, timeout=bad, progress=False)  # type: ignore[arg-type]


def test_vnb_detect_timeout(video: Path, looping: Path, tmp_path: Path) -> None:
    env = {**os.environ, "VNB_CACHE_DIR": str(tmp_path / "cache")}
    argv = [sys.executable, "-m", "vnb", "detect", str(video), "--model", str(looping)]
    started = time.monotonic()
    done = subprocess.run(
        [*argv, "--timeout", "1", "-q", "--out", str(tmp_path / "d.json")],
        capture_output=True, text=True, timeout=60, check=False, env=env,
    )  # fmt: skip
    assert time.monotonic() - started < 30
    assert done.returncode != 0
    assert "ran past its deadline of 1 s" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "d.json").exists()
