"""Check an ONNX file's bytes before onnxruntime sees them, without the ``onnx`` package.

A model can point tensors at "external data" files beside it (or anywhere); vnb loads models
from bytes and refuses any that refer to external data (see the security notes). This walks the
protobuf wire format of ``ModelProto`` just deep enough to find every tensor: initializers,
sparse initializers, and tensors in node attributes, in subgraphs and in functions.
"""

from __future__ import annotations

from vnb._varint import VarintError, read_varint

__all__: list[str] = []  # internal: used only inside its own package

# Field numbers from onnx.proto (stable since ONNX 1.0).
_MODEL_GRAPH, _MODEL_FUNCTIONS = 7, 25
_GRAPH_NODE, _GRAPH_INITIALIZER, _GRAPH_SPARSE = 1, 5, 15
_FUNCTION_NODE = 7
_NODE_ATTRIBUTE = 5
_ATTR_T, _ATTR_G, _ATTR_TENSORS, _ATTR_GRAPHS = 5, 6, 10, 11
_ATTR_SPARSE, _ATTR_SPARSES = 22, 23
_SPARSE_VALUES, _SPARSE_INDICES = 1, 2
_TENSOR_EXTERNAL_DATA, _TENSOR_DATA_LOCATION = 13, 14
_MAX_DEPTH = 64


class OnnxFormatError(ValueError):
    """The bytes are not an ONNX model vnb accepts (the message says why)."""


def _varint(data: memoryview, pos: int) -> tuple[int, int]:
    try:
        return read_varint(data, pos)
    except VarintError as exc:
        msg = f"truncated or malformed protobuf: {exc}"
        raise OnnxFormatError(msg) from None


def _fields(data: memoryview) -> list[tuple[int, int, memoryview | int]]:
    """Split one message into ``(field number, wire type, value)``."""
    out: list[tuple[int, int, memoryview | int]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            out.append((number, wire, value))
        elif wire == 1:
            pos += 8
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                msg = "truncated or malformed protobuf"
                raise OnnxFormatError(msg)
            out.append((number, wire, data[pos : pos + size]))
            pos += size
        elif wire == 5:
            pos += 4
        else:
            msg = f"unexpected protobuf wire type {wire}"
            raise OnnxFormatError(msg)
        if pos > len(data):
            msg = "truncated or malformed protobuf"
            raise OnnxFormatError(msg)
    return out


def _sub(fields: list[tuple[int, int, memoryview | int]], *numbers: int) -> list[memoryview]:
    return [v for n, w, v in fields if n in numbers and w == 2 and isinstance(v, memoryview)]


def _tensor(data: memoryview) -> None:
    fields = _fields(data)
    if _sub(fields, _TENSOR_EXTERNAL_DATA) or any(
        n == _TENSOR_DATA_LOCATION and v == 1 for n, _, v in fields
    ):
        msg = "it refers to external data files (vnb loads self-contained models only)"
        raise OnnxFormatError(msg)


def _sparse(data: memoryview) -> None:
    for tensor in _sub(_fields(data), _SPARSE_VALUES, _SPARSE_INDICES):
        _tensor(tensor)


def _nodes(nodes: list[memoryview], depth: int) -> None:
    for node in nodes:
        for attr in _sub(_fields(node), _NODE_ATTRIBUTE):
            fields = _fields(attr)
            for tensor in _sub(fields, _ATTR_T, _ATTR_TENSORS):
                _tensor(tensor)
            for sparse in _sub(fields, _ATTR_SPARSE, _ATTR_SPARSES):
                _sparse(sparse)
            for graph in _sub(fields, _ATTR_G, _ATTR_GRAPHS):
                _graph(graph, depth + 1)


def _graph(data: memoryview, depth: int) -> None:
    if depth > _MAX_DEPTH:
        msg = "subgraphs nested too deeply"
        raise OnnxFormatError(msg)
    fields = _fields(data)
    for tensor in _sub(fields, _GRAPH_INITIALIZER):
        _tensor(tensor)
    for sparse in _sub(fields, _GRAPH_SPARSE):
        _sparse(sparse)
    _nodes(_sub(fields, _GRAPH_NODE), depth)


def check_model_bytes(data: bytes) -> None:
    """Refuse bytes that are not an ONNX model, or a model that uses external data.

    Args:
        data: The whole file.

    Raises:
        OnnxFormatError: Not protobuf, no graph, or a tensor stored outside the file.
    """
    view = memoryview(data)
    fields = _fields(view)
    graphs = _sub(fields, _MODEL_GRAPH)
    if len(graphs) != 1:
        msg = "not an ONNX model (no graph in it)"
        raise OnnxFormatError(msg)
    _graph(graphs[0], 0)
    for function in _sub(fields, _MODEL_FUNCTIONS):
        _nodes(_sub(_fields(function), _FUNCTION_NODE), 1)
