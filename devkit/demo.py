"""`ticketflow demo`: a real run on real workers, counting only its own tickets."""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import redis

from console.summary import summarize
from devkit.services import EmbeddedRedis, Workers, redis_answers, worker_command
from producer.enqueue import Enqueuer
from producer.tickets_io import load_tickets
from worker.models import Ticket
from worker.settings import Settings, load_settings
from worker.sinks.results import ResultsStream

SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "tickets" / "sample.jsonl"


@contextlib.contextmanager
def redis_for_demo(url: str) -> Iterator[str]:
    """`url` if a Redis answers there, else an embedded redis-server for the length of the run."""
    if redis_answers(url):
        yield url
        return
    with EmbeddedRedis() as server:
        yield server.url


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


def run_demo(
    tickets_path: Path = SAMPLE,
    *,
    workers: int = 2,
    concurrency: int = 8,
    timeout_s: float = 600,
    settings: Settings | None = None,
    on_progress: Any = None,
) -> dict[str, Any]:
    """Start Redis (if needed) and workers, enqueue the file, wait for every result, summarise."""
    settings = settings or load_settings()
    tickets = load_tickets(tickets_path)
    run_id = f"demo{uuid.uuid4().hex[:8]}"
    with redis_for_demo(settings.redis_url) as url:
        r = redis.Redis.from_url(url)
        env = {"REDIS_URL": url, "TICKETFLOW_LOG_LEVEL": os.environ.get("TICKETFLOW_LOG_LEVEL", "WARNING")}
        queues = ",".join(settings.queues)
        cmds = [worker_command(queues=queues, concurrency=concurrency, name=f"demo{i}-{run_id}") for i in range(workers)]
        run_settings = settings.model_copy(update={"redis_url": url})
        results = ResultsStream(r, run_settings.results_stream)
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
        summary = summarize(got, enqueued=len(accepted), wall_s=wall)
        summary["run_id"] = run_id
        summary["workers"] = workers
        return summary
