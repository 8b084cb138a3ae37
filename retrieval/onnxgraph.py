"""Just enough of the ONNX format to hand onnxruntime a graph built in code.

onnxruntime (installed with Chroma) runs models given as ONNX protobuf bytes; the ``onnx`` package
that normally writes them is not a dependency, and the few message types a graph needs are simple to
write by hand. Field numbers follow onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto,
TensorProto, ValueInfoProto).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

_TENSOR_TYPES = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int32): 6, np.dtype(np.int64): 7}
_IR_VERSION = 8


def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1  # negative int64 values are written as their two's complement
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _bytes(field: int, value: bytes | str) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return _varint(field << 3 | 2) + _varint(len(raw)) + raw


def tensor(name: str, array: np.ndarray) -> bytes:
    """A TensorProto holding ``array`` (float32, uint8 or int64) as raw little-endian bytes."""
    dims = b"".join(_int(1, d) for d in array.shape)
    return (
        dims + _int(2, _TENSOR_TYPES[array.dtype]) + _bytes(8, name) + _bytes(9, np.ascontiguousarray(array).tobytes())
    )


def attr(name: str, value: int | float) -> bytes:
    """An int (INT) or float (FLOAT) attribute."""
    if isinstance(value, int):
        return _bytes(1, name) + _int(20, 2) + _int(3, value)
    return _bytes(1, name) + _int(20, 1) + _varint(2 << 3 | 5) + struct.pack("<f", value)


def node(
    op: str, inputs: Sequence[str], outputs: Sequence[str], attrs: Sequence[bytes] = (), domain: str = ""
) -> bytes:
    """A NodeProto; an empty input name leaves an optional input out."""
    body = b"".join(_bytes(1, i) for i in inputs) + b"".join(_bytes(2, o) for o in outputs) + _bytes(4, op)
    body += b"".join(_bytes(5, a) for a in attrs)
    return body + (_bytes(7, domain) if domain else b"")


def value(name: str, dims: Sequence[int | str], dtype: type = np.float32) -> bytes:
    """A ValueInfoProto (float32 unless told); a str dimension is symbolic (e.g. the number of tokens)."""
    shape = b"".join(_bytes(1, _int(1, d) if isinstance(d, int) else _bytes(2, d)) for d in dims)
    return _bytes(1, name) + _bytes(2, _bytes(1, _int(1, _TENSOR_TYPES[np.dtype(dtype)]) + _bytes(2, shape)))


def model(
    nodes: Sequence[bytes],
    initializers: Sequence[bytes],
    inputs: Sequence[bytes],
    outputs: Sequence[bytes],
    opsets: dict[str, int],
) -> bytes:
    """A serialised ModelProto of one graph; ``opsets`` maps operator domains ("" = ONNX) to versions."""
    graph = b"".join(_bytes(1, n) for n in nodes) + _bytes(2, "graph")
    graph += b"".join(_bytes(5, t) for t in initializers)
    graph += b"".join(_bytes(11, i) for i in inputs) + b"".join(_bytes(12, o) for o in outputs)
    sets = b"".join(_bytes(8, (_bytes(1, d) if d else b"") + _int(2, v)) for d, v in opsets.items())
    return _int(1, _IR_VERSION) + _bytes(2, "polku") + _bytes(7, graph) + sets
