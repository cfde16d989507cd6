"""One sync: fetch a source's published articles, rebuild what changed, publish a new cluster version.

    sync(source, settings=..., store=..., r=...) -> SyncReport

Sources: `zendesk`, `intercom`, or a local folder / JSONL (published to the cluster as `local`). The
state of every source (records and cursors) travels with each version, so any host can run the next
sync and several sources make one index. The previous version's index is the base of the build:
chunks whose content hash is unchanged keep their vectors, only changed articles are re-embedded.
When the content did not change, no version is published (the cursors are saved with the current one).

A sync that fails publishes nothing: every worker keeps serving the last good version. The failure is
recorded (worker/retrieval/sync/status.py: /readyz, metrics, `ticketflow index status`), logged, and
raised as SyncFailed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis
from redis.exceptions import LockError

from worker import keys
from worker.errors import ConfigError, ProviderError, SyncFailed
from worker.retrieval import index as ix
from worker.retrieval import snapshot
from worker.retrieval.chunking import CHUNKER_VERSION, Article, Passage, chunk_article
from worker.retrieval.retriever import provider_encoder
from worker.retrieval.sources import fingerprint, load_articles
from worker.retrieval.sync import intercom, status, zendesk
from worker.retrieval.sync.base import LOCAL, Record, Sleep, SourceState, to_articles, wanted_locales
from worker.settings import Settings

log = logging.getLogger("ticketflow.sync")
HELPDESKS = (zendesk.NAME, intercom.NAME)
LOCK_S = 900.0  # a sync that dies holding the lock frees it after this
LOCK_WAIT_S = 120.0


@dataclass
class SyncReport:
    """What one sync did, and how long each part took."""

    source: str
    mode: str = ""  # full | incremental
    version: str = ""  # the version serving after this sync
    published: bool = False  # a new version (False: the content did not change)
    articles: int = 0
    per_locale: dict[str, int] = field(default_factory=dict)
    chunks: int = 0
    rechunked: int = 0  # articles split into chunks again (new or changed); the rest kept their chunks
    embedded: int = 0
    reused: int = 0
    dropped: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    requests: int = 0
    fetch_s: float = 0.0
    build_s: float = 0.0
    publish_s: float = 0.0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def source_name(source: str) -> str:
    """`zendesk`, `intercom`, or `local` for a folder / JSONL path."""
    return source if source in HELPDESKS else LOCAL


def _client_for(source: str, settings: Settings) -> httpx.Client:
    # The same credentials as the write-back sinks (TICKETFLOW_ZENDESK_*, TICKETFLOW_INTERCOM_*).
    if source == zendesk.NAME:
        from worker.sinks.zendesk import build_client as zendesk_client

        return zendesk_client(settings)
    from worker.sinks.intercom import build_client as intercom_client

    return intercom_client(settings)


def _local_state(path: Path) -> SourceState:
    recs = [Record(a.doc_id, a.language, a.title, a.body) for a in load_articles(path)]
    return SourceState({r.key: r for r in recs}, {"path": str(path.resolve())})


def _fetch(source: str, previous: SourceState, settings: Settings, client: httpx.Client | None, full: bool, sleep: Sleep) -> tuple[SourceState, dict[str, Any]]:
    if source not in HELPDESKS:
        return _local_state(Path(source)), {"mode": "full", "requests": 0}
    own = client is None
    http = client or _client_for(source, settings)
    try:
        locales = wanted_locales(settings.helpcenter_locales)
        if source == zendesk.NAME:
            return zendesk.fetch(http, previous, locales=locales, page_size=settings.poll_page_size, reconcile_s=settings.helpcenter_reconcile_s,
                                 full=full, sleep=sleep, max_wait_s=settings.helpcenter_max_wait_s)
        return intercom.fetch(http, previous, locales=locales, page_size=min(settings.poll_page_size, 150), sleep=sleep, max_wait_s=settings.helpcenter_max_wait_s)
    finally:
        if own:
            http.close()


def _articles_of(sources: dict[str, Any]) -> list[Article]:
    return [a for name, data in sorted(sources.items()) for a in to_articles(name, SourceState.from_json(data).records.values())]


def _previous_index(store: snapshot.Store, meta: dict[str, Any] | None, index_dir: Path) -> ix.Index | None:
    if meta is None:
        return None
    data = store.index_bytes(str(meta["version"]))
    if data is None:
        return None
    try:
        return snapshot.from_bytes(data, index_dir / f"cluster-{meta['version']}.npz")
    except ix.IndexFileError as exc:  # another encoder, an old format: rebuild from scratch rather than fail
        log.warning("previous index version %s unusable (%s); building afresh", meta["version"], exc)
        return None


def article_hash(a: Article) -> str:
    """What an article's chunks depend on (and the chunker's version): same hash, same chunks."""
    return hashlib.sha256(f"{CHUNKER_VERSION}\x1f{a.language}\x1f{a.doc_id}\x1f{a.title}\x1f{a.body}".encode()).hexdigest()[:16]


class _ReusingChunker:
    """Chunks of an article unchanged since the previous version come from that version's index, not a new split."""

    def __init__(self, previous: ix.Index | None, hashes: dict[str, str]) -> None:
        self.hashes = hashes
        self.old: dict[str, list[Passage]] = {}
        for p in previous.passages if previous is not None else []:
            self.old.setdefault(f"{p.language}/{p.doc_id}", []).append(p)
        self.split = 0

    def __call__(self, a: Article) -> list[Passage]:
        key = f"{a.language}/{a.doc_id}"
        if key in self.old and self.hashes.get(key) == article_hash(a):
            return self.old[key]
        self.split += 1
        return chunk_article(a)


def sync(
    source: str, *, settings: Settings, store: snapshot.Store, r: redis.Redis, client: httpx.Client | None = None,
    full: bool = False, sleep: Sleep = time.sleep, now: Callable[[], float] = time.time,
) -> SyncReport:
    """Sync `source` into the cluster's index; raises SyncFailed (the last good version keeps serving)."""
    name = source_name(source)
    report = SyncReport(name)
    t0 = time.perf_counter()
    meta: dict[str, Any] | None = None
    # One sync at a time across the cluster: each builds on the current version's state, so two at once
    # (say zendesk and intercom) would each publish without the other's changes.
    lock = r.lock(keys.INDEX_SYNC_LOCK, timeout=LOCK_S, blocking_timeout=LOCK_WAIT_S)
    try:
        if not lock.acquire():
            raise SyncFailed(f"{name}: another sync held the lock for more than {LOCK_WAIT_S:.0f}s", source=name)
        meta = store.current()
        state = store.state(str(meta["version"])) if meta else {}
        sources = dict(state.get("sources") or {})
        fresh, info = _fetch(source, SourceState.from_json(sources.get(name)), settings, client, full, sleep)
        report.mode, report.requests = str(info.get("mode", "")), int(info.get("requests", 0))
        report.fetch_s = round(time.perf_counter() - t0, 3)
        sources[name] = fresh.as_json()
        articles = _articles_of(sources)
        if not fresh.records:
            # An empty help centre is far likelier a wrong locale, token or brand than a real one: keep serving.
            raise SyncFailed(f"{name}: no published articles (locales {settings.helpcenter_locales or 'all'}); nothing published", source=name)
        fp = fingerprint(articles)
        new_state = {"sources": sources, "article_hashes": {f"{a.language}/{a.doc_id}": article_hash(a) for a in articles}}
        per_locale = dict(sorted(Counter(a.language for a in articles).items()))
        report.articles, report.per_locale = len(articles), per_locale
        if meta is not None and meta.get("fingerprint") == fp:
            report.version, report.chunks, report.reused = str(meta["version"]), int(meta.get("chunks", 0)), int(meta.get("chunks", 0))
            store.save_state(report.version, new_state, {**meta, "synced_at": now()})
        else:
            t1 = time.perf_counter()
            previous = _previous_index(store, meta, settings.index_dir)
            chunker = _ReusingChunker(previous, state.get("article_hashes") or {})
            index, built = ix.build(articles, encoder=provider_encoder(settings), previous=previous, source=f"cluster:{','.join(sorted(sources))}",
                                    chunker=chunker)
            report.rechunked = chunker.split
            report.build_s = round(time.perf_counter() - t1, 3)
            t2 = time.perf_counter()
            out = {"fingerprint": fp, "built_at": index.built_at, "published_at": now(), "synced_at": now(), "sources": sorted(sources),
                   "articles": len(articles), "per_locale": per_locale, "chunks": len(index.passages), "encoder": index.encoder.kind,
                   "embedded": built.embedded, "reused": built.reused, "dropped": built.dropped}
            report.version = store.publish(snapshot.to_bytes(index), new_state, out)
            report.publish_s = round(time.perf_counter() - t2, 3)
            report.published = True
            report.chunks, report.embedded, report.reused, report.dropped = built.chunks, built.embedded, built.reused, built.dropped
            report.added, report.changed, report.removed = built.articles_added, built.articles_changed, built.articles_removed
        report.seconds = round(time.perf_counter() - t0, 3)
        status.record_sync(r, name, ok=True, now=now(), version=report.version, mode=report.mode, articles=report.articles,
                           embedded=report.embedded, seconds=report.seconds)
    except (SyncFailed, ConfigError, ProviderError, redis.RedisError, OSError, ValueError, KeyError) as exc:
        why = f"{type(exc).__name__}: {exc}"
        serving = str(meta["version"]) if meta else ""
        log.error("help-centre sync of %s failed; every worker keeps serving %s: %s", name, serving or "its current index", why,
                  extra={"source": name, "version": serving})
        try:
            status.record_sync(r, name, ok=False, now=now(), error=why, version=serving)
        except redis.RedisError:
            log.error("could not record the failed sync of %s either (Redis unreachable)", name)
        if isinstance(exc, SyncFailed):
            raise
        raise SyncFailed(f"{name}: {why}", source=name) from exc
    finally:
        with contextlib.suppress(redis.RedisError, LockError):
            if lock.owned():
                lock.release()
    log.info("help-centre sync of %s: %s, version %s (%s), %d articles, %d chunks embedded, %d reused, %.2fs",
             name, report.mode, report.version, "new" if report.published else "unchanged", report.articles, report.embedded, report.reused, report.seconds)
    return report
