"""Benchmark: query latency p50/p99, memory and build time at growing index sizes, against brute force.

Synthetic help centres of N chunks are made from the real articles' sentences, recombined at
random (fixed seed) with a rare token per article so the vocabulary grows as a real one does. The
queries are the team's own eval questions. For each size the same run measures:

- build: chunking, fitting the local encoder (on a sample of FIT_SAMPLE chunks), embedding every
  chunk, counting terms; and the time to save the file and to load it into a searcher (worker start-up);
- hybrid query: the full search a ticket gets (query encoding, BM25 postings, dense scores, RRF);
- brute force: plain numpy over the same vectors, `vectors @ q` then a full `argsort` (the baseline);
- memory: bytes of the index arrays, and the process's resident memory after loading.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from worker.retrieval import index as ix
from worker.retrieval.chunking import Article
from worker.retrieval.search import HybridSearcher
from worker.retrieval.sources import load_articles

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "corpus" / "eval" / "questions.jsonl"
SENTENCES_PER_CHUNK = (6, 12)


def _rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        return float("nan")


def synthetic_articles(source: Path, n_chunks: int, seed: int = 7) -> list[Article]:
    """About `n_chunks` one-section articles built from the source's sentences."""
    rng = random.Random(seed)
    real = [a for a in load_articles(source) if a.language == "en"]
    sentences = [s for a in real for s in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", a.body)) if len(s) > 30 and not s.startswith("#")]
    titles = [a.title or a.doc_id for a in real]
    out = []
    for i in range(n_chunks):
        k = rng.randint(*SENTENCES_PER_CHUNK)
        body = " ".join(rng.choice(sentences) for _ in range(k))
        out.append(Article(f"syn-{i}", f"{rng.choice(titles)} (part {i})", f"## Section {i % 7}\n\n{body} Reference code zx{i:06d}."))
    return out


def _percentiles(samples_ms: list[float]) -> tuple[float, float]:
    a = np.asarray(samples_ms)
    return float(np.percentile(a, 50)), float(np.percentile(a, 99))


def measure(n_chunks: int, queries: list[str], source: Path) -> dict[str, Any]:
    """Every figure for one size."""
    articles = synthetic_articles(source, n_chunks)
    t0 = time.perf_counter()
    index, report = ix.build(articles)
    build_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.npz"
        t0 = time.perf_counter()
        ix.save(index, path)
        save_s = time.perf_counter() - t0
        file_mb = path.stat().st_size / 1e6
        del index
        rss0 = _rss_mb()
        t0 = time.perf_counter()
        loaded = ix.load(path)
        searcher = HybridSearcher(loaded)
        load_s = time.perf_counter() - t0
        rss1 = _rss_mb()
    arrays = loaded.vectors.nbytes + searcher.bm25.post_chunks.nbytes + searcher.bm25.post_weights.nbytes
    arrays += loaded.counts.term_ids.nbytes + loaded.counts.counts.nbytes + sum(v[1].nbytes for v in searcher._views.values() if v[1] is not loaded.vectors)
    for q in queries[:20]:  # warm caches
        searcher.search(q)
    hybrid: list[float] = []
    for q in queries:
        t = time.perf_counter()
        searcher.search(q, k=3)
        hybrid.append((time.perf_counter() - t) * 1000)
    brute: list[float] = []
    vectors = loaded.vectors
    for q in queries:
        t = time.perf_counter()
        qv = loaded.encoder.encode([q])[0]
        np.argsort(-(vectors @ qv))[:3]
        brute.append((time.perf_counter() - t) * 1000)
    encode: list[float] = []
    for q in queries:
        t = time.perf_counter()
        loaded.encoder.encode([q])
        encode.append((time.perf_counter() - t) * 1000)
    h50, h99 = _percentiles(hybrid)
    b50, b99 = _percentiles(brute)
    e50, _ = _percentiles(encode)
    return {
        "chunks": len(loaded.passages), "build_s": round(build_s, 2), "chunks_per_s": round(len(loaded.passages) / build_s, 1),
        "save_s": round(save_s, 3), "load_s": round(load_s, 3), "file_mb": round(file_mb, 2),
        "index_arrays_mb": round(arrays / 1e6, 2), "rss_after_load_mb": round(rss1, 1), "rss_load_delta_mb": round(rss1 - rss0, 1),
        "hybrid_p50_ms": round(h50, 3), "hybrid_p99_ms": round(h99, 3), "brute_p50_ms": round(b50, 3), "brute_p99_ms": round(b99, 3),
        "query_encode_p50_ms": round(e50, 3), "hybrid_over_brute_p50": round(h50 / b50, 2) if b50 else None,
        "queries": len(queries), "refit": report.refit,
    }


def run(sizes: list[int], *, queries: int = 300, source: Path) -> list[dict[str, Any]]:
    """Measure each size in turn (one process, so the figures are comparable)."""
    qs = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    qs = (qs * (queries // len(qs) + 1))[:queries]
    return [measure(n, qs, source) for n in sizes]


def print_table(rows: list[dict[str, Any]]) -> None:
    """The figures as a Markdown table (ready for the README)."""
    print("| chunks | build s | chunks/s | load s | index arrays MB | RSS after load MB | hybrid p50 / p99 ms | brute force p50 / p99 ms | hybrid / brute p50 |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['chunks']:,} | {r['build_s']} | {r['chunks_per_s']} | {r['load_s']} | {r['index_arrays_mb']} | {r['rss_after_load_mb']} "
              f"| {r['hybrid_p50_ms']} / {r['hybrid_p99_ms']} | {r['brute_p50_ms']} / {r['brute_p99_ms']} | {r['hybrid_over_brute_p50']} |")
