"""`ticketflow demo`: a real run on real workers, counting only its own tickets."""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis

from console.summary import summarize
from devkit.services import EmbeddedRedis, Workers, redis_answers, worker_command
from producer.enqueue import Enqueuer
from producer.tickets_io import load_tickets
from worker.errors import ConfigError
from worker.models import Ticket
from worker.settings import Settings, load_settings
from worker.sinks.results import ResultsStream

SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "tickets" / "sample.jsonl"


DEMO_CLAIM_KEY = "ticketflow:demo:claim"
DEMO_DATABASES = range(15, 0, -1)


@dataclass
class DemoRedis:
    """The Redis a demo runs on, in words, and whether the demo removes its keys afterwards."""

    url: str
    description: str
    kept: bool = False


def with_database(url: str, db: int) -> str | None:
    """`url` pointed at database `db` (None for URLs that do not name one by path, e.g. unix sockets)."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        return None
    return urlunsplit(parts._replace(path=f"/{db}"))


def claim_database(url: str, run_id: str, ttl_s: int) -> str | None:
    """The URL of an empty database on the Redis at `url`, claimed for this run (SET NX), or None if none is free."""
    for db in DEMO_DATABASES:
        candidate = with_database(url, db)
        if candidate is None:
            return None
        client = redis.Redis.from_url(candidate, socket_connect_timeout=2, socket_timeout=5)
        try:
            if client.dbsize() == 0 and client.set(DEMO_CLAIM_KEY, run_id, nx=True, ex=ttl_s):
                return candidate
        except redis.ResponseError:  # fewer databases configured than 16
            continue
        finally:
            client.close()
    return None


def release_database(url: str, run_id: str) -> bool:
    """Empty a database this run claimed (only if the claim is still this run's); whether it did."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=30)
    try:
        if client.get(DEMO_CLAIM_KEY) != run_id.encode():
            return False
        client.flushdb()
        return True
    finally:
        client.close()


@contextlib.contextmanager
def redis_for_demo(url: str, run_id: str, *, keep: bool = False, ttl_s: int = 3600) -> Iterator[DemoRedis]:
    """A Redis for the run, and what it is: an empty database of its own on yours (emptied afterwards
    unless `keep`), else an embedded redis-server that goes with the run."""
    if redis_answers(url):
        claimed = claim_database(url, run_id, ttl_s)
        if claimed is None:
            raise ConfigError(f"the Redis at {url} has no empty database (1-15) for the demo; empty one, or unset REDIS_URL to use an embedded Redis")
        what = f"your Redis at {claimed} (an empty database of the demo's own, {'kept' if keep else 'emptied'} at the end)"
        try:
            yield DemoRedis(claimed, what, kept=keep)
        finally:
            if not keep:
                release_database(claimed, run_id)
        return
    try:
        server = EmbeddedRedis().start()
    except ConfigError as exc:
        raise ConfigError(f"no Redis answers at {url}, and none could be started: {exc}") from exc
    try:
        yield DemoRedis(server.url, f"no Redis answers at {url}: {server.describe()}")
    finally:
        server.stop()


def tag_for_run(tickets: list[Ticket], run_id: str) -> list[Ticket]:
    """Ticket and customer ids prefixed with the run id, so runs never see each other's state."""
    return [t.model_copy(update={"id": f"{run_id}-{t.id}", "customer_id": f"{run_id}-{t.customer_id}"}) for t in tickets]


def collect(results: ResultsStream, run_id: str, want: set[str], start_id: str, timeout_s: float, on_progress: Any = None) -> list[dict[str, Any]]:
    """Read the stream from `start_id` until every wanted ticket has a result or time runs out."""
    got: dict[str, dict[str, Any]] = {}
    last = start_id
    deadline = time.monotonic() + timeout_s
    while len(got) < len(want) and time.monotonic() < deadline:
        for eid, res in results.follow(last, block_ms=500):
            last = eid
            uid = f"{res['ticket']['source']}:{res['ticket']['id']}"
            if res.get("run_id") == run_id and uid in want:
                got[uid] = res
                if on_progress:
                    on_progress(len(got))
    return list(got.values())


def archive_what_is_left(r: redis.Redis, settings: Settings) -> None:
    """With an archive configured, archive what the workers published but had not archived when they stopped."""
    from worker.archive.consumer import Archiver
    from worker.archive.schema import archive_engine, migrate

    engine = archive_engine(settings)
    if engine is not None:
        migrate(engine)
        Archiver.from_settings(r, engine, settings, consumer="demo").drain()


def run_demo(
    tickets_path: Path = SAMPLE,
    *,
    workers: int = 2,
    concurrency: int = 8,
    timeout_s: float = 600,
    settings: Settings | None = None,
    on_progress: Any = None,
    keep: bool = False,
    say: Callable[[str], None] = lambda _line: None,
) -> dict[str, Any]:
    """Start Redis (if needed) and workers, enqueue the file, wait for every result, summarise."""
    settings = settings or load_settings()
    tickets = load_tickets(tickets_path)
    run_id = f"demo-{uuid.uuid4().hex[:8]}"
    with redis_for_demo(settings.redis_url, run_id, keep=keep, ttl_s=int(timeout_s) + 3600) as used:
        say(f"Redis: {used.description}")
        url = used.url
        r = redis.Redis.from_url(url)
        env = {"REDIS_URL": url, "TICKETFLOW_LOG_LEVEL": os.environ.get("TICKETFLOW_LOG_LEVEL", "WARNING")}
        queues = ",".join(settings.queues)
        cmds = [worker_command(queues=queues, concurrency=concurrency, name=f"{run_id}-{i}") for i in range(workers)]
        run_settings = settings.model_copy(update={"redis_url": url})
        results = ResultsStream(r, run_settings.results_stream)
        say(f"{workers} worker processes x {concurrency} threads; {len(tickets)} tickets from {tickets_path}")
        with Workers(env=env, commands=cmds) as procs:
            start_id = f"{int(time.time() * 1000) - 1}-0"
            t0 = time.monotonic()
            os.environ["REDIS_URL"] = url
            from worker import runtime

            runtime.reset()
            enq = Enqueuer(r, run_settings)
            accepted = {e.uid for e in enq.enqueue_many(tag_for_run(tickets, run_id), run_id=run_id) if e.accepted}
            got = collect(results, run_id, accepted, start_id, timeout_s, on_progress)
            wall = time.monotonic() - t0
            if not procs.alive():
                print(procs.logs()[-4000:])
        archive_what_is_left(r, run_settings)
        r.close()
        runtime.reset()
        summary = summarize(got, enqueued=len(accepted), wall_s=wall)
        summary["run_id"] = run_id
        summary["workers"] = workers
        summary["redis"] = used.description
        summary["redis_kept_at"] = used.url if used.kept else None
        return summary
