"""One `-P solo` worker's CPU and Python function calls a ticket, over a measured window (issue 14's method).

`ticketflow bench` measures four threaded workers on a machine shared with other jobs: its CPU a ticket
moves 20-30 % between runs of the same code. This runs one solo worker (every task in its main thread)
on its own Redis and the fake model API at 0 s latency, warms it up, then measures N tickets only:

- the worker's CPU a ticket (`time.process_time` in the worker between two signals), still noisy;
- with `--profile PATH`, a cProfile dump of the same window and the Python function calls a ticket,
  a count the machine's load barely moves (the kombu poll loop makes it vary by ~1 %).

`--bare` sends the four no-op tasks (`worker/baretasks.py`) instead: the engine's own cost a chain.

    python -m devkit.solo_profile --tickets 300 [--bare] [--profile /tmp/solo.prof]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

START, STOP = signal.SIGRTMIN, signal.SIGRTMIN + 1  # celery's worker leaves the real-time signals alone


def _worker_main(argv: list[str]) -> None:
    """The worker process: celery's own main, with START/STOP opening and closing the measured window."""
    import cProfile

    out = Path(os.environ["SOLO_PROFILE_OUT"])
    prof = cProfile.Profile() if os.environ.get("SOLO_PROFILE_CPROFILE") == "1" else None
    cpu0: list[float] = []

    def start(*_: Any) -> None:
        cpu0.append(time.process_time())
        if prof is not None:
            prof.enable()

    def stop(*_: Any) -> None:
        if prof is not None:
            prof.disable()
            prof.dump_stats(str(out.with_suffix(".prof")))
        out.write_text(str(time.process_time() - cpu0[-1]))

    signal.signal(START, start)
    signal.signal(STOP, stop)
    from celery.__main__ import main

    sys.argv = ["celery", *argv]
    main()


def measure(n: int, *, bare: bool = False, profile: Path | None = None, warmup: int = 40) -> dict[str, Any]:
    """Warm a solo worker up, then N tickets (closed loop of 8): CPU ms a ticket, and calls a ticket with `profile`."""
    import pstats

    import redis

    from devkit.bench import FakeModelProcess, _point_producer_at, bench_tickets, closed_loop, provider_env
    from devkit.services import EmbeddedRedis
    from producer.enqueue import Enqueuer
    from worker.baretasks import BARE_STREAM, bare_chain
    from worker.models import Ticket, TicketResult
    from worker.settings import load_settings

    work = Path(tempfile.mkdtemp(prefix="ticketflow-solo-"))
    with EmbeddedRedis() as server, FakeModelProcess(0.0) as api:
        _point_producer_at(server.url)
        settings = load_settings(redis_url=server.url)
        r = redis.Redis.from_url(server.url)
        env = {**os.environ, **provider_env(api.url), "TICKETFLOW_LOG_LEVEL": "WARNING", "REDIS_URL": server.url,
               "SOLO_PROFILE_OUT": str(work / "window"), "SOLO_PROFILE_CPROFILE": "1" if profile else "0"}
        cmd = [sys.executable, "-m", "devkit.solo_profile", "--worker", "-A", "worker.app", "worker", "-Q", f"{settings.io_queue},{settings.cpu_queue}",
               "-P", "solo", "-n", f"solo{uuid.uuid4().hex[:6]}@%h", "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        enq = Enqueuer(r, settings)
        stream = BARE_STREAM if bare else settings.results_stream

        def sender(run_id: str) -> Callable[[Ticket], None]:
            def send(t: Ticket) -> None:
                if bare:
                    bare_chain(TicketResult(ticket=t, run_id=run_id, enqueued_at=time.time()).model_dump(mode="json")).apply_async()
                else:
                    enq.enqueue(t, run_id=run_id)
            return send

        with (work / "worker.log").open("wb") as log:
            worker = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                closed_loop(r, sender("warm"), bench_tickets(warmup, "warm"), stream=stream, run_id="warm", window=8, timeout_s=180)
                worker.send_signal(START)
                time.sleep(0.2)
                run_id = f"solo{uuid.uuid4().hex[:6]}"
                _lat, wall = closed_loop(r, sender(run_id), bench_tickets(n, run_id), stream=stream, run_id=run_id, window=8, timeout_s=600)
                worker.send_signal(STOP)
                deadline = time.monotonic() + 30
                while not (work / "window").exists() and time.monotonic() < deadline:
                    time.sleep(0.1)
                cpu_s = float((work / "window").read_text())
            finally:
                worker.terminate()
                worker.wait(30)
    out: dict[str, Any] = {"kind": "bare" if bare else "pipeline", "tickets": n, "wall_s": round(wall, 2), "cpu_ms_per_ticket": round(cpu_s * 1000 / n, 2)}
    if profile is not None:
        stats = pstats.Stats(str(work / "window.prof"))
        stats.dump_stats(str(profile))
        out["calls_per_ticket"] = round(sum(v[1] for v in stats.stats.values()) / n)  # type: ignore[attr-defined]
        out["profile"] = str(profile)
    return out


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        _worker_main(argv[1:])
        return
    ap = argparse.ArgumentParser(prog="python -m devkit.solo_profile", description=__doc__.split("\n")[0])
    ap.add_argument("--tickets", type=int, default=300)
    ap.add_argument("--bare", action="store_true", help="the four no-op tasks instead of the real stages")
    ap.add_argument("--profile", type=Path, help="write the window's cProfile dump here (and count calls a ticket)")
    args = ap.parse_args(argv)
    print(json.dumps(measure(args.tickets, bare=args.bare, profile=args.profile)))


if __name__ == "__main__":
    main()
