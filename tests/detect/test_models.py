"""Model files: the shipped one pinned by sha256, users' YOLOv5/YOLOv8 exports, bad files.

The user models are tiny graphs built with ``onnx.helper`` that ignore their picture and emit
known tensors, so the decoding (layout, objectness, class names, letterbox undo) is checked
against boxes computed by hand.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import vnb
from vnb.detect import model as model_module
from vnb.errors import DetectionError


def constant_model(
    path, output: np.ndarray, *, names: str | None = None, input_shape=("batch", 3, "h", "w")
):
    """An ONNX model whose output is ``output`` (batch 1) whatever the image."""
    const = numpy_helper.from_array(output.astype(np.float32), "table")
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["m"], axes=[1, 2, 3], keepdims=0),
        helper.make_node("Mul", ["m", "zero"], ["z"]),
        helper.make_node("Reshape", ["z", "shape"], ["z3"]),
        helper.make_node("Add", ["table", "z3"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "constant",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(output.shape))],
        [
            const,
            numpy_helper.from_array(np.zeros(1, np.float32), "zero"),
            numpy_helper.from_array(np.array([-1, 1, 1], np.int64), "shape"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    if names is not None:
        entry = model.metadata_props.add()
        entry.key, entry.value = "names", names
    onnx.save(model, str(path))
    return path


@pytest.fixture(scope="module")
def video_640x480(tmp_path_factory):
    from tests.helpers.ffmpeg import run_ffmpeg

    path = tmp_path_factory.mktemp("v640") / "grey.mp4"
    run_ffmpeg(
        "-f", "lavfi", "-i", "color=c=gray:s=640x480:r=10:d=0.5", "-c:v", "libx264",
        "-pix_fmt", "yuv420p", str(path),
    )  # fmt: skip
    return path


# A box at cx=160, cy=160, w=100, h=50 in a 320×320 input is, in a 640×480 frame letterboxed
# at ratio 0.5 with 40 grey rows on top: x 220..420, y 190..290.
EXPECTED = [220, 190, 420, 290]


def test_yolov5_layout(tmp_path, video_640x480):
    rows = np.zeros((1, 4, 8), np.float32)  # 3 classes: cx cy w h obj c0 c1 c2
    rows[0, 0] = [160, 160, 100, 50, 0.9, 0.1, 0.8, 0.1]  # class 1, score 0.72
    rows[0, 1] = [161, 160, 100, 50, 0.8, 0.1, 0.8, 0.1]  # the same object, suppressed
    rows[0, 2] = [50, 50, 20, 20, 0.2, 0.9, 0.1, 0.1]  # score 0.18: under the threshold
    rows[0, 3] = [160, 160, 100, 50, 0.9, 0.9, 0.0, 0.0]  # class 0 at the same place: kept
    path = constant_model(tmp_path / "v5.onnx", rows, names=json.dumps(["ant", "bee", "cow"]))
    m = vnb.detect.load_model(path)
    assert (m.layout, m.names, m.batch) == ("yolov5", ("ant", "bee", "cow"), True)
    dets = vnb.detect.analyze(video_640x480, model=path, progress=False, track=False)
    first = dets.at(0)
    assert sorted(first.class_name.tolist()) == ["ant", "bee"]
    for box in first.xyxy:
        np.testing.assert_allclose(box, EXPECTED, atol=0.5)
    np.testing.assert_allclose(sorted(first.score.tolist()), [0.72, 0.81], atol=1e-5)
    assert dets.meta["model"] == "v5" and dets.meta["names"] == ["ant", "bee", "cow"]


def test_yolov8_layout_fixed_input(tmp_path, video_640x480):
    rows = np.zeros((1, 6, 5), np.float32)  # 2 classes, 5 candidates: [1, 4 + C, N]
    rows[0, :, 0] = [160, 160, 100, 50, 0.1, 0.7]
    rows[0, :, 1] = [160, 160, 100, 50, 0.05, 0.65]  # suppressed by NMS
    names = "{0: 'person', 1: 'car'}"  # how Ultralytics writes them
    path = constant_model(tmp_path / "v8.onnx", rows, names=names, input_shape=(1, 3, 320, 320))
    m = vnb.detect.load_model(path)
    assert (m.layout, m.names, m.input_size, m.batch) == (
        "yolov8", ("person", "car"), (320, 320), False,
    )  # fmt: skip
    dets = vnb.detect.analyze(video_640x480, model=path, progress=False)
    first = dets.at(0)
    assert first.class_name.tolist() == ["car"]
    np.testing.assert_allclose(first.xyxy[0], EXPECTED, atol=0.5)
    assert first.score[0] == pytest.approx(0.7)
    assert first.track_id[0] == 1
    with pytest.raises(DetectionError, match="fixed"):
        vnb.detect.analyze(video_640x480, model=path, size=640, progress=False)


def test_names_default_to_coco_for_80_classes(tmp_path):
    path = constant_model(tmp_path / "coco.onnx", np.zeros((1, 84, 10), np.float32))
    m = vnb.detect.load_model(path)
    assert m.layout == "yolov8" and m.names[:3] == ("person", "bicycle", "car")


@pytest.mark.parametrize(
    ("shape", "names"),
    [((1, 10), None), ((1, 7, 7, 7), None), ((1, 20, 9), json.dumps(["a", "b"]))],
)
def test_unknown_output_layout(tmp_path, shape, names):
    path = constant_model(tmp_path / "odd.onnx", np.zeros(shape, np.float32), names=names)
    with pytest.raises(DetectionError, match=r"odd\.onnx: output of shape .* not a layout"):
        vnb.detect.load_model(path)


def test_wrong_input_shape(tmp_path):
    path = constant_model(
        tmp_path / "gray.onnx", np.zeros((1, 10, 85), np.float32), input_shape=(1, 1, 64, 64)
    )
    with pytest.raises(DetectionError, match=r"gray\.onnx: inputs .* expected one image input"):
        vnb.detect.load_model(path)


@pytest.mark.parametrize("content", [b"", b"not a model at all\n", bytes(range(256)) * 40])
def test_not_onnx(tmp_path, content):
    path = tmp_path / "junk.onnx"
    path.write_bytes(content)
    with pytest.raises(DetectionError, match=r"junk\.onnx"):
        vnb.detect.load_model(path)


def test_external_data_is_refused(tmp_path):
    folder = tmp_path / "ext"
    folder.mkdir()
    big = np.zeros((1, 3000, 85), np.float32)
    model = onnx.load(str(constant_model(folder / "tmp.onnx", big)))
    onnx.save(model, str(folder / "ext.onnx"), save_as_external_data=True, size_threshold=0)
    with pytest.raises(DetectionError, match="external data"):
        vnb.detect.load_model(folder / "ext.onnx")


def test_shipped_model_is_pinned(tmp_path, monkeypatch):
    m = vnb.detect.load_model()
    assert m.sha256 == model_module.SHIPPED_SHA256
    assert (m.layout, len(m.names), m.input_size, m.batch) == ("yolov5", 80, None, True)
    assert m.names[0] == "person" and "motorcycle" in m.names
    tampered = tmp_path / "yolov3-tiny-coco.onnx"
    shutil.copyfile(model_module.shipped_model_path(), tampered)
    with tampered.open("r+b") as f:
        f.seek(-100, 2)
        f.write(b"\0" * 8)
    monkeypatch.setattr(model_module, "shipped_model_path", lambda: tampered)
    with pytest.raises(DetectionError, match=r"yolov3-tiny-coco\.onnx: sha256 is .* expected a152"):
        vnb.detect.load_model()


def test_add_model_registers_and_pins(tmp_path, monkeypatch):
    monkeypatch.setenv("VNB_MODELS_DIR", str(tmp_path / "registry"))
    rows = np.zeros((1, 6, 5), np.float32)
    path = constant_model(tmp_path / "mine.onnx", rows, names='["a", "b"]')
    added = vnb.detect.add_model(path, name="tiny")
    assert added.layout == "yolov8"
    assert "tiny" in vnb.detect.list_models()
    assert vnb.detect.load_model("tiny").sha256 == added.sha256
    stored = tmp_path / "registry" / "tiny.onnx"
    stored.write_bytes(stored.read_bytes() + b"\0")
    with pytest.raises(DetectionError, match=r"expected .* registry"):
        vnb.detect.load_model("tiny")
    with pytest.raises(DetectionError, match="a model name"):
        vnb.detect.add_model(path, name="../evil")
    with pytest.raises(DetectionError, match="no such model file"):
        vnb.detect.load_model("not-registered")


def test_doctor_reports_onnxruntime_and_the_model_files(tmp_path, monkeypatch, capsys):
    import onnxruntime

    from vnb.cli import main

    monkeypatch.setenv("VNB_MODELS_DIR", str(tmp_path / "registry"))
    facts = model_module.health()
    assert facts["onnxruntime"]["version"] == onnxruntime.__version__
    assert "CPUExecutionProvider" in facts["onnxruntime"]["available"]
    assert facts["onnxruntime"]["uses"] in facts["onnxruntime"]["available"]
    shipped = facts["models"]["yolov3-tiny-coco"]
    assert shipped["ok"] and shipped["sha256"] == model_module.SHIPPED_SHA256
    assert shipped["file"] == str(model_module.shipped_model_path())
    assert facts["problems"] == []
    # A registered model whose file changed since it was added is a problem the doctor names.
    path = constant_model(
        tmp_path / "mine.onnx", np.zeros((1, 6, 5), np.float32), names='["a", "b"]'
    )
    vnb.detect.add_model(path, name="mine")
    stored = tmp_path / "registry" / "mine.onnx"
    stored.write_bytes(stored.read_bytes() + b"\0")
    assert main(["doctor", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["detection"]["models"]["mine"]["ok"] is False
    assert any("model mine:" in p and "sha256" in p for p in report["problems"])
    assert main(["doctor"]) == 1
    text = capsys.readouterr().out
    assert f"onnxruntime {onnxruntime.__version__}: uses " in text
    assert "model yolov3-tiny-coco: " in text and "(sha256 ok)" in text
