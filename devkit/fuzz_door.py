"""Fuzz the door end to end: bodies through a running `ticketflow serve`, real workers, a Redis of its own.

    python -m devkit.fuzz_door --bodies 10000 [--seed 15] [--workers 2] [--clients 16] [--json PATH]

Prints one JSON object: bodies sent, answers by class (2xx, 4xx, 5xx) and by kind of body,
tickets accepted, results published, and what would be half-written in Redis once the workers
are done: tickets in flight with no result, stored payloads left, publish markers left "pending",
dedupe keys with no result, duplicate results, answers holding traceback text, log lines of
`serve` that are not JSON, and reads (`GET /v1/tickets/{id}`) that show `customer_turns`.
Exits 1 when any of those is not zero or any answer is a 5xx.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import redis

from devkit.fuzz_bodies import Bodies
from devkit.services import ApiServer, EmbeddedRedis, Workers, worker_command
from worker import keys
from worker.sinks.results import ResultsStream

ROOT = Path(__file__).resolve().parent.parent


def _post(client: httpx.Client, url: str, kind: str, body: bytes) -> tuple[str, int, dict[str, Any] | None, bool]:
    resp = client.post(f"{url}/v1/tickets", content=body, headers={"content-type": "application/json"})
    try:
        data = resp.json()
    except ValueError:
        data = None
    return kind, resp.status_code, data if isinstance(data, dict) else None, "Traceback" in resp.text or 'File "' in resp.text


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def half_written(r: redis.Redis, accepted: set[str]) -> dict[str, int]:
    """What is left in Redis that a finished run should not hold."""
    results = Counter(f"{res['ticket']['source']}:{res['ticket']['id']}" for _, res in ResultsStream(r).read(count=10_000_000))
    seen_prefix = keys.dedupe_key("", "")[:-2]  # "ticketflow:seen"
    dedupe_uids = {_text(k)[len(seen_prefix) + 1 :] for k in r.scan_iter(keys.dedupe_key("*", "*"), count=1000)}
    pending = sum(1 for k in r.scan_iter(keys.published_key("*"), count=1000) if r.get(k) == b"pending")
    return {
        "in_flight": int(r.zcard(keys.INFLIGHT_ZSET)),
        "payloads_left": sum(1 for _ in r.scan_iter(keys.ticket_key("*"), count=1000)),
        "pending_markers": pending,
        "dedupe_without_result": sum(1 for u in dedupe_uids if results[u] == 0),
        "accepted_without_result": sum(1 for u in accepted if results[u] == 0),
        "duplicate_results": sum(n - 1 for n in results.values() if n > 1),
        "results_not_accepted": sum(1 for u in results if u not in accepted),
    }


def run(bodies: int, *, seed: int = 15, workers: int = 2, concurrency: int = 8, clients: int = 16, timeout_s: float = 1800.0,
        reads: int = 300, log: Any = sys.stderr) -> dict[str, Any]:
    """One fuzz run on a Redis, workers and API of its own; returns the figures."""
    started = time.monotonic()
    with EmbeddedRedis() as server:
        env = {"REDIS_URL": server.url, "TICKETFLOW_LOG_LEVEL": "WARNING", "TICKETFLOW_LOG_JSON": "true",
               "TICKETFLOW_INDEX_DIR": str(ROOT / ".ticketflow" / "index"), "TICKETFLOW_REVIEW_SHARE": "0"}
        cmds = [worker_command(queues="ticketflow.io,ticketflow.cpu", concurrency=concurrency, name=f"fz{i}") for i in range(workers)]
        r = redis.Redis.from_url(server.url)
        with Workers(env=env, commands=cmds) as ws, ApiServer(env=env) as api:
            status: Counter[int] = Counter()
            by_kind: dict[str, Counter[str]] = {}
            accepted: set[str] = set()
            tracebacks = 0
            with httpx.Client(timeout=60) as client, ThreadPoolExecutor(clients) as pool:
                stream = iter(Bodies(seed))
                futures = [pool.submit(_post, client, api.url, *next(stream)) for _ in range(bodies)]
                for i, f in enumerate(futures, 1):
                    kind, code, data, tb = f.result()
                    status[code] += 1
                    by_kind.setdefault(kind, Counter())[f"{code // 100}xx"] += 1
                    tracebacks += tb
                    if code == 202 and data is not None and data.get("accepted"):
                        accepted.add(str(data["uid"]))
                    if i % 1000 == 0:
                        print(json.dumps({"sent": i, "accepted": len(accepted), "at_s": round(time.monotonic() - started, 1)}), file=log, flush=True)
            sent_s = time.monotonic() - started
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                done = sum(1 for u in accepted if r.get(keys.published_key(u)) not in (None, b"pending"))
                if done == len(accepted):
                    break
                time.sleep(0.5)
            leaks = 0
            with httpx.Client(timeout=30) as client:
                for uid in sorted(accepted)[:reads]:
                    source, _, tid = uid.partition(":")
                    got = client.get(f"{api.url}/v1/tickets/{tid}", params={"source": source})
                    leaks += "customer_turns" in got.text
            lines = [ln for ln in api.logs().splitlines() if ln.strip()]
            non_json = sum(1 for ln in lines if not _is_json(ln))
            workers_alive = ws.alive()
        figures = {
            "bodies": bodies,
            "2xx": sum(n for c, n in status.items() if 200 <= c < 300),
            "4xx": sum(n for c, n in status.items() if 400 <= c < 500),
            "5xx": sum(n for c, n in status.items() if c >= 500),
            "by_status": {str(c): n for c, n in sorted(status.items())},
            "accepted": len(accepted),
            "results": int(r.xlen(keys.RESULTS_STREAM)),
            "dead_letters": int(r.xlen(keys.DLQ_STREAM)),
            "half_written": half_written(r, accepted),
            "traceback_in_answers": tracebacks,
            "serve_log_lines": len(lines),
            "serve_log_not_json": non_json,
            "reads_checked": min(reads, len(accepted)),
            "reads_with_customer_turns": leaks,
            "workers_alive": workers_alive,
            "by_kind": {k: dict(v) for k, v in sorted(by_kind.items())},
            "send_s": round(sent_s, 1),
            "total_s": round(time.monotonic() - started, 1),
            "seed": seed,
        }
        r.close()
    return figures


def _is_json(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def failed(figures: dict[str, Any]) -> list[str]:
    """What in `figures` breaks the door's promises (empty when none)."""
    bad = [k for k in ("5xx", "traceback_in_answers", "serve_log_not_json", "reads_with_customer_turns") if figures[k]]
    bad += [f"half_written.{k}" for k, v in figures["half_written"].items() if v]
    if figures["results"] != figures["accepted"]:
        bad.append("results != accepted")
    return bad


def main(argv: list[str] | None = None) -> int:
    """Command line: run, print the figures, exit 1 on any broken promise."""
    p = argparse.ArgumentParser(prog="python -m devkit.fuzz_door", description=__doc__.split("\n\n")[0])
    p.add_argument("--bodies", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for every accepted ticket's result")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    a = p.parse_args(argv)
    figures = run(a.bodies, seed=a.seed, workers=a.workers, concurrency=a.concurrency, clients=a.clients, timeout_s=a.timeout)
    out = json.dumps(figures, indent=2)
    print(out)
    if a.json:
        a.json.write_text(out)
    bad = failed(figures)
    if bad:
        print(f"broken: {', '.join(bad)}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
