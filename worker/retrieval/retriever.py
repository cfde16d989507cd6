"""The process's help-centre retriever: its index loaded or built, searched per ticket.

The Retriever serves a hybrid index (worker/retrieval/): section chunks, BM25
and dense vectors fused by reciprocal rank fusion, scores calibrated to [0, 1]. The index lives in
a hash-keyed `.npz` file under TICKETFLOW_INDEX_DIR; a worker loads it once, and when the help
centre changed since it was built the worker says so loudly and (TICKETFLOW_RETRIEVAL_AUTO_REBUILD)
re-indexes only the changed articles.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from worker.models import Chunk
from worker.retrieval import index as ix
from worker.retrieval.chunking import Article
from worker.retrieval.dense import Encoder, OpenAIEncoder
from worker.retrieval.freshness import index_path
from worker.retrieval.search import RRF_K, Hit, HybridSearcher
from worker.retrieval.sources import fingerprint, load_articles
from worker.settings import Settings, get_settings

log = logging.getLogger("ticketflow.retrieve")
FUSE_DEPTH = 10  # articles taken from each rendering of a question before fusing


def provider_encoder(settings: Settings) -> Encoder | None:
    """The configured provider embeddings, or None for the local encoder."""
    if settings.retrieval_embeddings != "openai":
        return None
    from worker.providers.openai import OpenAIProvider

    return OpenAIEncoder(OpenAIProvider.from_settings(settings), settings.openai_embedding_model)


@contextlib.contextmanager
def _build_lock(path: Path) -> Iterator[None]:
    """One builder at a time per index file, across the worker processes of a machine (none on a read-only disk)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path.with_suffix(".lock"), "w")  # noqa: SIM115 (held across the yield)
    except OSError:
        yield
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def sync_index(
    source: Path, index_dir: Path, *, encoder: Encoder | None = None, refit: bool = False, rebuild_if_stale: bool = True
) -> tuple[ix.Index, ix.BuildReport | None, Path, bool]:
    """Load the index of `source`, (re)building what changed; returns (index, report or None, path, fresh)."""
    articles = load_articles(source)
    path = index_path(source, index_dir, encoder.kind if encoder else "local-lsa")
    with _build_lock(path):
        previous = ix.load(path, encoder) if path.exists() else None
        if previous is not None and previous.source_fingerprint == fingerprint(articles) and not refit:
            return previous, None, path, True
        if previous is not None and not rebuild_if_stale and not refit:
            return previous, None, path, False
        index, report = ix.build(articles, encoder=encoder, previous=previous, source=str(source.resolve()), refit=refit)
        try:
            ix.save(index, path)
        except OSError as exc:  # a read-only disk costs the next start-up a rebuild, not this worker its index
            log.warning("could not write the index to %s (%s); serving it from memory", path, exc)
    return index, report, path, True


@dataclass
class Retriever:
    """The help-centre index of one process, searched per ticket."""

    index: ix.Index
    path: Path | None = None
    fresh: bool = True
    version: str = ""  # the cluster's index version; a host's own index is `local-{fingerprint}`
    searcher: HybridSearcher = field(init=False)

    def __post_init__(self) -> None:
        self.searcher = HybridSearcher(self.index)
        self.version = self.version or f"local-{self.index.source_fingerprint[:12]}"

    @classmethod
    def from_articles(cls, articles: list[Article]) -> Retriever:
        """An in-memory index (tests, evaluation): nothing read from or written to disk."""
        return cls(ix.build(articles)[0])

    def search(self, query: str, k: int = 3, language: str | None = None) -> list[Chunk]:
        """The top `k` sections for `query`, best first, at most one per article, scores in [0, 1]."""
        return [self._chunk(hit) for hit in self.searcher.search(query, k=k, language=language)]

    def search_fused(self, queries: list[tuple[str, str | None]], k: int = 3) -> list[Chunk]:
        """The top `k` articles for several renderings of one question (say, the customer's words and an
        English rendering): each article keeps its best calibrated hit and they are ordered by it (the
        score is comparable across queries, ranks are not), reciprocal-rank fusion breaking ties."""
        fused: dict[str, float] = {}
        best: dict[str, Hit] = {}
        for query, language in queries:
            for rank, hit in enumerate(self.searcher.search(query, k=FUSE_DEPTH, language=language)):
                doc = self.index.passages[hit.row].doc_id
                fused[doc] = fused.get(doc, 0.0) + 1.0 / (RRF_K + rank + 1)
                if doc not in best or hit.score > best[doc].score:
                    best[doc] = hit
        order = sorted(fused, key=lambda d: (-best[d].score, -fused[d], d))[:k]
        return [self._chunk(best[d]) for d in order]

    def _chunk(self, hit: Hit) -> Chunk:
        p = self.index.passages[hit.row]
        return Chunk(doc_id=p.doc_id, title=p.title, section=p.section, text=p.text, score=hit.score, language=p.language)

    def health(self) -> dict[str, Any]:
        """What the worker reports about its index: where, how big, and whether it matches its source."""
        return {
            "index": str(self.path) if self.path else "memory",
            "version": self.version,
            "source": self.index.source,
            "fresh": self.fresh,
            "chunks": len(self.index.passages),
            "articles": len({p.doc_id for p in self.index.passages}),
            "languages": self.index.languages,
            "encoder": self.index.encoder.kind,
            "built_at": self.index.built_at,
        }


def build_retriever(corpus_dir: Path, settings: Settings | None = None) -> Retriever:
    """The retriever over the help centre at `corpus_dir` (TICKETFLOW_RETRIEVAL_SOURCE when that is set
    and `corpus_dir` is the configured corpus), from its on-disk index, built or refreshed as needed."""
    s = settings or get_settings()
    source = s.retrieval_source if s.retrieval_source is not None and corpus_dir == s.corpus_dir else corpus_dir
    index, report, path, fresh = sync_index(source, s.index_dir, encoder=provider_encoder(s), rebuild_if_stale=s.retrieval_auto_rebuild)
    if not fresh:
        log.warning(
            "HELP-CENTRE INDEX IS STALE: %s changed since %s was built; serving the old index. "
            "Run `ticketflow index build %s` (or set TICKETFLOW_RETRIEVAL_AUTO_REBUILD=true).", source, path, source,
        )
    elif report is not None and report.reused:
        log.warning(
            "help-centre index was stale and has been refreshed: %d chunks re-embedded, %d reused, %d dropped (%s)",
            report.embedded, report.reused, report.dropped, ", ".join(report.articles_changed + report.articles_added + report.articles_removed) or "-",
        )
    elif report is not None:
        log.info("help-centre index built: %d chunks from %s in %.2fs", report.chunks, source, report.seconds)
    return Retriever(index, path, fresh)
