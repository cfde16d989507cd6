"""The on-disk index: chunks keyed by content hash, their vectors and term counts, in one `.npz` file.

    build(articles, previous) -> (Index, BuildReport)   re-embeds only new or changed chunks
    save(index, path) / load(path)                       atomic write (temp file + rename), plain numpy

A chunk whose content hash is already in the previous index keeps its vector and term counts; a
chunk whose hash is new is embedded; a chunk that is gone is dropped. The index remembers the
fingerprint of the source it was built from, so a worker can tell that the help centre changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from worker.retrieval.chunking import Article, Passage, chunk_article
from worker.retrieval.dense import Encoder, LocalEncoder
from worker.retrieval.freshness import IndexFileError
from worker.retrieval.lexical import TermCounts, bm25_text, count_terms, stack, take_rows
from worker.retrieval.sources import fingerprint

FORMAT = 1
REFIT_SHARE = 0.5  # the local basis is refitted when more than this share of chunks is new


@dataclass
class BuildReport:
    """What a (re)build did, chunk by chunk and article by article."""

    chunks: int = 0
    embedded: int = 0  # new or changed chunks, sent through the encoder
    reused: int = 0  # unchanged chunks, vector kept
    dropped: int = 0  # chunks of the previous index no longer in the source
    articles_added: list[str] = field(default_factory=list)
    articles_changed: list[str] = field(default_factory=list)
    articles_removed: list[str] = field(default_factory=list)
    refit: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


@dataclass
class Index:
    """Everything a retriever serves from."""

    passages: list[Passage]
    hashes: list[str]
    vectors: np.ndarray  # (n, dim) float32, unit rows
    counts: TermCounts
    encoder: Encoder
    source: str = ""
    source_fingerprint: str = ""
    built_at: float = 0.0
    article_hashes: dict[str, str] = field(default_factory=dict)  # "lang/doc_id" -> hash of its chunks

    @property
    def languages(self) -> list[str]:
        """Languages the help centre has articles in."""
        return sorted({p.language for p in self.passages})


def _article_hashes(passages: Sequence[Passage], hashes: Sequence[str]) -> dict[str, str]:
    acc: dict[str, list[str]] = {}
    for p, h in zip(passages, hashes, strict=True):
        acc.setdefault(f"{p.language}/{p.doc_id}", []).append(h)
    # A digest of every chunk's hash: a prefix of the joined hashes saw only an article's first chunks.
    return {k: hashlib.sha256("".join(v).encode()).hexdigest()[:24] for k, v in acc.items()}


def build(
    articles: Sequence[Article],
    *,
    encoder: Encoder | None = None,
    previous: Index | None = None,
    source: str = "",
    refit: bool = False,
    chunker: Callable[[Article], list[Passage]] = chunk_article,
) -> tuple[Index, BuildReport]:
    """Chunk the articles and index them, reusing every chunk of `previous` whose hash is unchanged
    (`chunker` may hand back an unchanged article's chunks without splitting it again)."""
    t0 = time.perf_counter()
    passages = [p for a in articles for p in chunker(a)]
    hashes = [p.content_hash for p in passages]
    report = BuildReport(chunks=len(passages))
    old_rows: dict[str, int] = {}
    if previous is not None:
        old_rows = {h: i for i, h in enumerate(previous.hashes)}
        encoder = encoder or previous.encoder
    texts = [p.indexed_text for p in passages]
    new_share = sum(h not in old_rows for h in hashes) / max(len(hashes), 1)
    refold = previous is not None and encoder is previous.encoder
    if encoder is None or (isinstance(encoder, LocalEncoder) and refold and (refit or new_share > REFIT_SHARE)):
        fitted: Encoder = LocalEncoder.fit(texts)
        encoder = fitted
        report.refit = True
    same_space = previous is not None and encoder.kind == previous.encoder.kind and (
        not isinstance(encoder, LocalEncoder) or encoder is previous.encoder
    )
    reuse = [i for i, h in enumerate(hashes) if same_space and h in old_rows]
    reused = set(reuse)
    fresh = [i for i in range(len(passages)) if i not in reused]
    vectors = np.zeros((len(passages), encoder.dim), np.float32)
    if fresh:
        vectors[fresh] = encoder.encode([texts[i] for i in fresh])
    vocab = list(previous.counts.vocab) if previous is not None else []
    new_counts = count_terms([bm25_text(passages[i].title, passages[i].indexed_text, passages[i].section) for i in fresh], vocab)
    if previous is not None and reuse:
        vectors[reuse] = previous.vectors[[old_rows[hashes[i]] for i in reuse]]
        kept = take_rows(previous.counts, [old_rows[hashes[i]] for i in reuse])
        merged = stack(kept, new_counts)
        # `merged` rows are reuse-then-fresh; put them back in passage order.
        order = np.argsort(np.asarray(reuse + fresh), kind="stable")
        counts = take_rows(merged, order.tolist())
        counts.vocab = vocab
    else:
        counts = new_counts
    report.embedded, report.reused = len(fresh), len(reuse)
    now_hashes = _article_hashes(passages, hashes)
    if previous is not None:
        before = previous.article_hashes
        now = set(hashes)
        report.dropped = sum(1 for h in previous.hashes if h not in now)
        report.articles_added = sorted(k for k in now_hashes if k not in before)
        report.articles_changed = sorted(k for k in now_hashes if k in before and before[k] != now_hashes[k])
        report.articles_removed = sorted(k for k in before if k not in now_hashes)
    else:
        report.articles_added = sorted(now_hashes)
    index = Index(passages, hashes, vectors, counts, encoder, source, fingerprint(list(articles)), time.time(), now_hashes)
    report.seconds = round(time.perf_counter() - t0, 3)
    return index, report


def save(index: Index, path: Path) -> None:
    """Write the index atomically: readers see the old file or the new one, never half of one."""
    meta = {
        "format": FORMAT,
        "encoder": index.encoder.kind,
        "dim": index.encoder.dim,
        "source": index.source,
        "source_fingerprint": index.source_fingerprint,
        "built_at": index.built_at,
        "article_hashes": index.article_hashes,
        "passages": [[p.doc_id, p.title, p.section, p.text, p.language, p.ordinal] for p in index.passages],
        "hashes": index.hashes,
        "vocab": index.counts.vocab,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            arrays: dict[str, Any] = {
                "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                "vectors": index.vectors,
                "tf_indptr": index.counts.indptr,
                "tf_terms": index.counts.term_ids,
                "tf_counts": index.counts.counts,
                **index.encoder.state(),
            }
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path, encoder: Encoder | None = None) -> Index:
    """Read an index file; the local encoder comes from the file, a provider encoder must be passed in."""
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError) as exc:
        raise IndexFileError(f"cannot read index {path}: {exc}") from exc
    meta = json.loads(bytes(arrays["meta"]).decode())
    if meta.get("format") != FORMAT:
        raise IndexFileError(f"index {path} has format {meta.get('format')}, this version reads {FORMAT}: rebuild it")
    if meta["encoder"] == "local-lsa":
        encoder = LocalEncoder.from_state(arrays)
    if encoder is None or encoder.kind != meta["encoder"]:
        raise IndexFileError(f"index {path} was built with {meta['encoder']} embeddings, which are not configured")
    passages = [Passage(d, t, s, x, lang, int(o)) for d, t, s, x, lang, o in meta["passages"]]
    counts = TermCounts(list(meta["vocab"]), arrays["tf_indptr"], arrays["tf_terms"], arrays["tf_counts"])
    return Index(passages, list(meta["hashes"]), arrays["vectors"], counts, encoder, meta["source"],
                 meta["source_fingerprint"], float(meta["built_at"]), dict(meta["article_hashes"]))
