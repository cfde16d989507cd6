"""Sync timings: a full sync, an incremental one after one article changed, one with nothing changed, a worker's switch.

    python -m devkit.sync_bench --articles 1000 --locales en-us,es

Runs against the local Zendesk Guide stand-in (devkit/fakes/helpcenter.py) and a redis-server of its
own, so the figures are the sync's own work (HTTP through httpx, chunking, embedding, publishing) without
a real helpdesk's network latency or rate limits. The articles are the team's help centre
(corpus/help) repeated with numbered variations, as HTML.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import redis

from devkit.fakes.helpcenter import FakeGuide, html_of, seed
from devkit.services import EmbeddedRedis
from worker.retrieval.cluster import Follower
from worker.retrieval.snapshot import RedisStore
from worker.retrieval.sources import load_articles
from worker.retrieval.sync.run import SyncReport, sync
from worker.settings import ROOT, load_settings
from worker.sinks.zendesk import build_client

EMAIL, TOKEN = "bench@example.com", "bench"


def _row(label: str, rep: SyncReport) -> dict[str, Any]:
    return {"run": label, "mode": rep.mode, "seconds": rep.seconds, "fetch_s": rep.fetch_s, "build_s": rep.build_s, "publish_s": rep.publish_s,
            "requests": rep.requests, "articles": rep.articles, "chunks": rep.chunks, "rechunked": rep.rechunked, "embedded": rep.embedded, "reused": rep.reused}


def run(articles: int, locales: list[str]) -> list[dict[str, Any]]:
    """The timings, one row per run."""
    rows: list[dict[str, Any]] = []
    with EmbeddedRedis() as srv, FakeGuide(email=EMAIL, token=TOKEN, default_locale=locales[0]) as fake, tempfile.TemporaryDirectory() as tmp:
        seed(fake, articles, locales)
        r = redis.Redis.from_url(srv.url)
        s = load_settings(redis_url=srv.url, index_store="redis", index_dir=Path(tmp) / "sync", zendesk_base_url=fake.url,
                          zendesk_email=EMAIL, zendesk_api_token=TOKEN, helpcenter_locales=",".join(locales), poll_page_size=100)
        store = RedisStore(r)
        with build_client(s) as client:
            rows.append(_row("full (first sync)", sync("zendesk", settings=s, store=store, r=r, client=client)))
            follower = Follower(store, r, Path(tmp) / "worker", check_s=0.0, fallback=lambda: None)  # type: ignore[arg-type, return-value]
            t0 = time.perf_counter()
            follower.get()
            first_load = time.perf_counter() - t0
            a = load_articles(ROOT / "corpus" / "help")[0]
            fake.put(1000, "Changed article", html_of(a.body + "\n\nA new paragraph about the change.", 0), locale=locales[0], section_id=1)
            rows.append(_row("incremental, 1 article changed", sync("zendesk", settings=s, store=store, r=r, client=client)))
            t0 = time.perf_counter()
            follower.get()
            rows.append({"run": "worker switches to the new version", "seconds": round(time.perf_counter() - t0, 3), "first_load_s": round(first_load, 3)})
            rows.append(_row("incremental, nothing changed", sync("zendesk", settings=s, store=store, r=r, client=client)))
            fake.delete(1001)
            rows.append(_row("full reconcile, 1 article deleted", sync("zendesk", settings=s, store=store, r=r, client=client, full=True)))
        follower.close()
    return rows


def main() -> None:
    """Print the timings as a table (and JSON with --json)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--locales", default="en-us,es")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = run(args.articles, [x.strip() for x in args.locales.split(",") if x.strip()])
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for row in rows:
        print("  ".join(f"{k}={v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
