"""Unsigned LEB128, the one decoder of the two binary readers that need it.

Protobuf calls it a varint (`vnb.detect.onnxcheck` walks ONNX files with it) and WebAssembly
``uleb`` (`vnb.effects.wasm.binary` reads modules with it): seven bits a byte, low bits first,
the high bit set on every byte but the last.
"""

from __future__ import annotations

__all__ = ["VarintError", "read_varint"]


class VarintError(ValueError):
    """The bytes hold no well-formed number; the message says why (the readers name the file)."""


def read_varint(
    data: bytes | memoryview, pos: int, *, end: int | None = None, bits: int = 64
) -> tuple[int, int]:
    """The unsigned LEB128 number at ``data[pos]`` and the position just after it.

    Args:
        data: the bytes.
        pos: where the number starts.
        end: where the readable bytes end (default: the end of ``data``).
        bits: the width of the number: it takes at most ``ceil(bits / 7)`` bytes and its value
            fits in ``bits`` bits (protobuf: 64; WebAssembly: 32 or 64).

    Raises:
        VarintError: the bytes end inside the number, it runs over ``ceil(bits / 7)`` bytes,
            or its value needs more than ``bits`` bits.
    """
    end = len(data) if end is None else end
    result = shift = 0
    while True:
        if pos >= end:
            msg = "unexpected end of data inside an integer"
            raise VarintError(msg)
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
        if shift >= bits:
            msg = "integer too long"
            raise VarintError(msg)
    if result >> bits:
        msg = "integer out of range"
        raise VarintError(msg)
    return result, pos
