"""`vnb detect`, `vnb models`, the converter, the benchmark, and what ``import vnb`` loads."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _vnb(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vnb", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_cli_detect_json_and_coco(tmp_path, still_video):
    env = {"VNB_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "d.json"
    done = _vnb("detect", str(still_video("coffee")), "--out", str(out), "-q", env=env)
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())
    assert len(rows) == 10 and rows[0]["class_name"] == "cup" and rows[0]["track_id"] == 1
    assert set(rows[0]) == {"frame", "time", "box", "score", "class_name", "track_id"}
    coco = tmp_path / "d.coco.json"
    done = _vnb(
        "detect", str(still_video("coffee")), "--out", str(coco), "--format", "coco",
        "--every", "5", "-q", env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(coco.read_text())
    assert len(data["images"]) == 2 and data["annotations"][0]["category_id"] == 47  # cup
    bad = _vnb("detect", str(still_video("coffee")), "--model", str(out), "-q", env=env)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "d.json" in bad.stderr


def test_cli_models(tmp_path):
    from tests.detect.test_models import constant_model

    env = {"VNB_MODELS_DIR": str(tmp_path / "models")}
    path = constant_model(
        tmp_path / "mine.onnx", np.zeros((1, 6, 5), np.float32), names='["a", "b"]'
    )
    done = _vnb("models", "add", str(path), "--name", "mine", env=env)
    assert done.returncode == 0, done.stderr
    assert "registered mine: yolov8, 2 classes" in done.stdout
    listing = _vnb("models", "list", env=env).stdout
    assert "yolov3-tiny-coco" in listing and "mine" in listing


def test_import_vnb_detect_does_not_load_onnxruntime():
    code = (
        "import sys, vnb; d = vnb.detect; import vnb.detect.edits;"
        " print(d.__name__, 'onnxruntime' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["vnb.detect", "False"]


def test_converter_decodes_a_tiny_network(tmp_path):
    """A made-up Darknet network whose head is a constant: the decode is checked by hand."""
    sys.path.insert(0, str(ROOT / "models"))
    try:
        import convert_darknet
    finally:
        sys.path.pop(0)
    import onnxruntime as ort

    cfg = """[net]
width=64
height=64
channels=3
[convolutional]
batch_normalize=1
filters=4
size=3
stride=1
pad=1
activation=leaky
[maxpool]
size=2
stride=2
[maxpool]
size=2
stride=1
[convolutional]
size=1
stride=1
pad=1
filters=21
activation=linear
[yolo]
mask=0,1,2
anchors=10,14, 23,27, 37,58
classes=2
"""
    rng = np.random.default_rng(0)
    bn = [rng.normal(size=4), rng.uniform(0.5, 2, 4), rng.normal(size=4), rng.uniform(0.5, 2, 4)]
    head_bias = rng.normal(size=21)
    values = np.concatenate([*bn, rng.normal(size=4 * 3 * 9), head_bias, np.zeros(21 * 4)]).astype(
        "<f4"
    )
    header = np.array([0, 2, 0], "<i4").tobytes() + np.zeros(1, "<i8").tobytes()
    model = convert_darknet.convert(cfg, header + values.tobytes(), ["a", "b"])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    out = session.run(None, {"images": rng.uniform(size=(1, 3, 64, 64)).astype(np.float32)})[0]
    # stride 2 (one stride-2 pool; the stride-1 pool keeps 32×32), 3 anchors: 3·32·32 rows.
    assert out.shape == (1, 3 * 32 * 32, 7)
    sig = 1 / (1 + np.exp(-head_bias.reshape(3, 7)))
    for anchor, (aw, ah) in enumerate([(10, 14), (23, 27), (37, 58)]):
        for gy, gx in [(0, 0), (5, 17), (31, 31)]:
            row = out[0, anchor * 1024 + gy * 32 + gx]
            b = head_bias.reshape(3, 7)[anchor]
            expected = [
                (sig[anchor, 0] + gx) * 2, (sig[anchor, 1] + gy) * 2,
                np.exp(b[2]) * aw, np.exp(b[3]) * ah, *sig[anchor, 4:],
            ]  # fmt: skip
            np.testing.assert_allclose(row, expected, rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match="left over"):
        convert_darknet.convert(cfg, header + values.tobytes() + b"\0" * 8, ["a", "b"])
    with pytest.raises(ValueError, match="ends early"):
        convert_darknet.convert(cfg, header + values[:-5].tobytes(), ["a", "b"])


def test_shipped_model_matches_its_card():
    card = (ROOT / "models" / "README.md").read_text(encoding="utf-8")
    data = (ROOT / "models" / "yolov3-tiny-coco.onnx").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    from vnb.detect.model import SHIPPED_SHA256

    assert digest == SHIPPED_SHA256
    assert digest in card


@pytest.mark.slow
def test_detect_bench_quick_runs(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "detect_bench.py"), "--quick", "--out",
         str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ratio analyze/floor:" in done.stdout
