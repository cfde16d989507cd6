"""What the cluster knows about its index: each source's last sync, and which worker serves which version.

Both live in Redis (whatever the snapshot store), so the API's /readyz, the metrics endpoint and
`ticketflow index status` read them without loading an index. Only redis and json here: the API
imports this module and must not load the worker.

    ticketflow:index:sync    hash  source -> {ok, at, last_ok_at, failures, error, version, seconds, ...}
    ticketflow:index:served  hash  worker id -> {version, at}
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections import defaultdict
from typing import Any, cast

import redis

from worker import keys

SERVED_FRESH_S = 120.0  # a worker that has not said what it serves for this long is left out of the listing


def record_sync(r: redis.Redis, source: str, *, ok: bool, now: float, error: str = "", **fields: Any) -> dict[str, Any]:
    """Write a source's sync outcome; a failure keeps the last success's time and version and counts up."""
    raw = r.hget(keys.INDEX_SYNC, source)
    prev: dict[str, Any] = json.loads(cast(bytes, raw)) if raw else {}
    entry = {**prev, **fields, "source": source, "ok": ok, "at": now, "error": "" if ok else error[:500]}
    if ok:
        entry["last_ok_at"] = now
        entry["failures"] = 0
    else:
        entry["failures"] = int(prev.get("failures", 0)) + 1
        entry["failures_total"] = int(prev.get("failures_total", 0)) + 1
    r.hset(keys.INDEX_SYNC, source, json.dumps(entry))
    return entry


def syncs(r: redis.Redis) -> dict[str, dict[str, Any]]:
    """Every source's last sync."""
    return {k.decode(): json.loads(v) for k, v in cast(dict[bytes, bytes], r.hgetall(keys.INDEX_SYNC)).items()}


def worker_id() -> str:
    """This process: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def record_served(r: redis.Redis, version: str, now: float | None = None, who: str | None = None) -> None:
    """Say which version this worker process serves (a heartbeat, written at each version check)."""
    r.hset(keys.INDEX_SERVED, who or worker_id(), json.dumps({"version": version, "at": time.time() if now is None else now}))


def served(r: redis.Redis, now: float | None = None, fresh_s: float = SERVED_FRESH_S) -> dict[str, list[str]]:
    """Version -> the workers that said they serve it within `fresh_s`; older entries are dropped from Redis."""
    now = time.time() if now is None else now
    out: dict[str, list[str]] = defaultdict(list)
    stale = []
    for who, raw in cast(dict[bytes, bytes], r.hgetall(keys.INDEX_SERVED)).items():
        entry = json.loads(raw)
        if now - float(entry.get("at", 0)) > fresh_s * 10:
            stale.append(who)
        elif now - float(entry.get("at", 0)) <= fresh_s:
            out[str(entry.get("version"))].append(who.decode())
    if stale:
        r.hdel(keys.INDEX_SERVED, *stale)
    return {v: sorted(ws) for v, ws in sorted(out.items())}


def current_meta(r: redis.Redis) -> dict[str, Any] | None:
    """The current version's meta when the store is Redis (None otherwise, or before the first sync)."""
    raw = r.get(keys.INDEX_CURRENT)
    return dict(json.loads(cast(bytes, raw))) if raw else None


def sync_detail(r: redis.Redis) -> str:
    """One line for /readyz: "ok", or which source's sync is failing, since when, and why."""
    failing = [s for s in syncs(r).values() if not s.get("ok")]
    if not failing:
        return "ok"
    parts = []
    for s in failing:
        since = f"last good sync {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(s['last_ok_at']))}" if s.get("last_ok_at") else "never synced"
        parts.append(f"{s['source']}: {s.get('failures', 1)} failed syncs ({since}; serving {s.get('version') or 'the last good index'}): {s.get('error', '')}")
    return "failing: " + " | ".join(parts)


def summary(r: redis.Redis, meta: dict[str, Any] | None, now: float | None = None) -> dict[str, Any]:
    """The cluster's index at a glance: version, age, articles per locale, last syncs, who serves what."""
    now = time.time() if now is None else now
    who = served(r, now)
    if meta is None:
        return {"version": None, "syncs": syncs(r), "served": who}
    return {
        "version": meta.get("version"), "age_s": round(now - float(meta.get("published_at", now)), 1),
        "published_at": meta.get("published_at"), "sources": meta.get("sources", []), "articles": meta.get("articles"),
        "per_locale": meta.get("per_locale", {}), "chunks": meta.get("chunks"), "encoder": meta.get("encoder"),
        "syncs": syncs(r), "served": who,
        "behind": sorted(w for v, ws in who.items() if v != meta.get("version") for w in ws),
    }
