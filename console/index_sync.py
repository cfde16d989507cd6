"""`ticketflow index sync` and the cluster half of `ticketflow index status`: settings in, lines out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import redis

from worker.errors import ConfigError
from worker.retrieval import snapshot
from worker.retrieval.sync import schedule, status
from worker.retrieval.sync.run import SyncReport, sync
from worker.settings import Settings, load_settings

Echo = Callable[[str], None]


def _line(rep: SyncReport) -> str:
    what = "new version" if rep.published else "unchanged"
    locales = ", ".join(f"{k} {v}" for k, v in rep.per_locale.items())
    out = (f"{rep.source}: {rep.mode} sync, {what} {rep.version}: {rep.articles} articles ({locales}), {rep.chunks} chunks; "
           f"re-chunked {rep.rechunked} articles, embedded {rep.embedded} chunks, reused {rep.reused}, dropped {rep.dropped}; {rep.requests} requests; "
           f"fetch {rep.fetch_s:.2f}s, build {rep.build_s:.2f}s, publish {rep.publish_s:.2f}s, total {rep.seconds:.2f}s")
    for label, docs in (("added", rep.added), ("changed", rep.changed), ("removed", rep.removed)):
        if docs:
            out += f"\n  articles {label} ({len(docs)}): {', '.join(docs[:20])}{' ...' if len(docs) > 20 else ''}"
    return out


def _store(settings: Settings, r: redis.Redis) -> snapshot.Store:
    store = snapshot.store_from(settings, r)
    if store is None:
        raise ConfigError("a sync publishes to the cluster's index store: set TICKETFLOW_INDEX_STORE (redis, or a shared folder)")
    return store


def run_sync(source: str, *, every: str | None, once: bool, full: bool, echo: Echo, as_json: bool = False) -> int:
    """One sync, or one every `every`; returns the number of failed passes."""
    settings = load_settings()
    r = redis.Redis.from_url(settings.redis_url)
    store = _store(settings, r)

    def one_pass() -> None:
        try:
            rep = sync(source, settings=settings, store=store, r=r, full=full)
        except Exception as exc:
            echo(json.dumps({"source": source, "ok": False, "error": str(exc)}) if as_json else f"{source}: sync FAILED, last good version kept: {exc}")
            raise
        echo(json.dumps({"ok": True, **rep.as_dict()}) if as_json else _line(rep))

    seconds = schedule.parse_duration(every) if every else 0.0
    return schedule.every(one_pass, seconds, once=once or not every)


def cluster_status(settings: Settings, echo: Echo) -> bool:
    """Print the cluster's index status as JSON; False when no version is published or a sync is failing."""
    r = redis.Redis.from_url(settings.redis_url)
    store = _store(settings, r)
    out = status.summary(r, store.current(), time.time())
    out["store"] = settings.index_store
    out["sync"] = status.sync_detail(r)
    echo(json.dumps(out, indent=2))
    return out["version"] is not None and out["sync"] == "ok"
