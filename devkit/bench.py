"""`ticketflow bench`: tickets per second through the real chain, against two references measured in the same run.

1. **pipeline**: N tickets through `Enqueuer` -> classify -> retrieve -> generate -> escalate on real
   worker processes, the model behind the real Anthropic SDK talking HTTP to a local fake server
   (`devkit.fakes.models`, its own process) that waits `latency` seconds per call.
2. **sequential**: the reference design's loop: one ticket after another in one process, the same
   stages, the same SDK, the same fake server and latency.
3. **bare**: four no-op Celery tasks chained on the same queues and workers (`worker.baretasks`):
   what the engine costs by itself, the ceiling the stages are measured against.

Load is closed-loop: at most `window` tickets are in the system at once (a new one is enqueued as one
finishes), so the queue never grows without bound and the end-to-end latency is what a ticket sees
with the workers saturated. CPU is read from /proc for every worker process and its children over the
measured window only (start-up and warm-up excluded); peak memory is the sum of the worker
processes' peak RSS (VmHWM). Linux only for those two; the rest works anywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import redis

from console.summary import percentile
from devkit.services import EmbeddedRedis, Workers, free_port, worker_command
from producer.tickets_io import load_tickets
from worker.models import Ticket, TicketResult

SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "tickets" / "sample.jsonl"
BENCH_KEY = "bench-not-a-real-key"


# --- process figures (Linux /proc) --------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            out += [int(p) for p in task.read_text().split()]
        except OSError:
            continue
    return out


def process_tree(pids: list[int]) -> list[int]:
    """`pids` and all their descendants that are alive."""
    seen: list[int] = []
    todo = list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen or not Path(f"/proc/{pid}").exists():
            continue
        seen.append(pid)
        todo += _children(pid)
    return seen


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (not their children)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def load_average() -> float | None:
    """The machine's 1-minute load average (None where the OS has none): other jobs on the cores move every figure."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def peak_rss_mb(pids: list[int]) -> float:
    """Sum of each process's peak resident set (VmHWM), in MiB."""
    kb = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    kb += int(line.split()[1])
        except OSError:
            continue
    return round(kb / 1024, 1)


# --- results ------------------------------------------------------------------------------------
@dataclass
class Figures:
    """What one measured run gives."""

    name: str
    tickets: int
    wall_s: float
    tickets_per_s: float
    p50_s: float
    p99_s: float
    cpu_ms_per_ticket: float | None = None
    peak_rss_mb: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def figures(name: str, latencies: list[float], wall_s: float, cpu_s: float | None = None, rss_mb: float | None = None, **extra: Any) -> Figures:
    """Figures from per-ticket latencies and the run's wall time."""
    n = len(latencies)
    return Figures(
        name=name,
        tickets=n,
        wall_s=round(wall_s, 3),
        tickets_per_s=round(n / wall_s, 2) if wall_s > 0 else 0.0,
        p50_s=round(percentile(latencies, 0.5), 3),
        p99_s=round(percentile(latencies, 0.99), 3),
        cpu_ms_per_ticket=round(cpu_s * 1000 / n, 2) if cpu_s is not None and n else None,
        peak_rss_mb=rss_mb,
        extra=extra,
    )


def bench_tickets(n: int, run_id: str, source: Path = SAMPLE) -> list[Ticket]:
    """`n` tickets cycled from the sample set, with ids and customers unique to this run."""
    base = load_tickets(source)
    return [base[i % len(base)].model_copy(update={"id": f"{run_id}-{i}", "customer_id": f"{run_id}-c{i}"}) for i in range(n)]


# --- the model API ------------------------------------------------------------------------------
@dataclass
class FakeModelProcess:
    """`devkit.fakes.models` in a process of its own, so its CPU neither helps nor slows the workers."""

    latency_s: float
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeModelProcess:
        import httpx

        self.port = self.port or free_port()
        cmd = [sys.executable, "-m", "devkit.fakes.models", "--port", str(self.port), "--latency", str(self.latency_s)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/_fake/stats", timeout=0.5)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the fake model server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def calls(self) -> int:
        import httpx

        return int(httpx.get(f"{self.url}/_fake/stats", timeout=30).json()["calls"])

    def __enter__(self) -> FakeModelProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def provider_env(model_url: str | None) -> dict[str, str]:
    """Environment for the anthropic provider against the fake server (None: the offline local provider)."""
    if model_url is None:
        return {"TICKETFLOW_PROVIDER": "local"}
    return {"TICKETFLOW_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": BENCH_KEY, "TICKETFLOW_ANTHROPIC_BASE_URL": model_url}


# --- topology -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Topology:
    """The worker processes of one host: `shared` (every process on both queues) or `split` (gevent I/O + prefork CPU)."""

    kind: str = "shared"
    workers: int = 4
    pool: str = "threads"
    concurrency: int = 32
    cpu_concurrency: int = 2

    def commands(self, io_queue: str, cpu_queue: str, tag: str) -> list[list[str]]:
        """The `celery worker` command lines."""
        if self.kind == "split":
            io = [worker_command(queues=io_queue, pool=self.pool, concurrency=self.concurrency, name=f"{tag}-io{i}") for i in range(self.workers)]
            return [*io, worker_command(queues=cpu_queue, pool="prefork", concurrency=self.cpu_concurrency, name=f"{tag}-cpu")]
        return [worker_command(queues=f"{io_queue},{cpu_queue}", pool=self.pool, concurrency=self.concurrency, name=f"{tag}-w{i}") for i in range(self.workers)]

    def describe(self) -> str:
        """One line for the report."""
        if self.kind == "split":
            return f"{self.workers}x {self.pool}({self.concurrency}) on I/O + 1x prefork({self.cpu_concurrency}) on CPU"
        return f"{self.workers}x {self.pool}({self.concurrency}) on both queues"


# --- the closed loop ------------------------------------------------------------------------------
def _stream_entries(r: redis.Redis, stream: str, last: str, block_ms: int) -> tuple[str, list[dict[str, str]]]:
    got = cast(list[Any], r.xread({stream: last}, block=block_ms, count=1000))
    rows: list[dict[str, str]] = []
    for _stream, entries in got or []:
        for eid, data in entries:
            last = eid.decode() if isinstance(eid, bytes) else eid
            rows.append({(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v) for k, v in data.items()})
    return last, rows


def closed_loop(
    r: redis.Redis,
    send: Callable[[Ticket], None],
    tickets: list[Ticket],
    *,
    stream: str,
    run_id: str,
    window: int,
    timeout_s: float,
) -> tuple[list[float], float]:
    """Keep `window` tickets in flight until all are done: (end-to-end latencies, wall seconds)."""
    want = {t.id for t in tickets}
    done: dict[str, float] = {}
    last = cast(list[Any], r.xrevrange(stream, count=1))
    cursor = (last[0][0].decode() if isinstance(last[0][0], bytes) else last[0][0]) if last else "0-0"
    pending: Iterator[Ticket] = iter(tickets)
    sent = 0
    t0 = time.time()
    deadline = time.monotonic() + timeout_s
    while len(done) < len(want) and time.monotonic() < deadline:
        while sent - len(done) < window and sent < len(tickets):
            send(next(pending))
            sent += 1
        cursor, rows = _stream_entries(r, stream, cursor, 200)
        for row in rows:
            if row.get("run_id") == run_id and row.get("ticket_id") in want and row["ticket_id"] not in done:
                done[row["ticket_id"]] = _latency(row)
    wall = time.time() - t0
    if len(done) < len(want):
        raise RuntimeError(f"{len(want) - len(done)} of {len(want)} tickets had no result within {timeout_s:.0f}s")
    return list(done.values()), wall


def _latency(row: dict[str, str]) -> float:
    if "completed_at" in row:
        return float(row["completed_at"]) - float(row["enqueued_at"])
    res = json.loads(row["json"])
    return float(res["completed_at"]) - float(res["enqueued_at"])


# --- the three measurements -------------------------------------------------------------------------
def measure_chain(
    kind: str,
    *,
    url: str,
    n: int,
    window: int,
    topology: Topology,
    env: dict[str, str],
    warmup: int = 20,
    timeout_s: float = 600,
    others: dict[str, int] | None = None,
) -> Figures:
    """Start the topology's workers, warm them up, then push `n` tickets through `kind` ("pipeline" or "bare")."""
    from producer.enqueue import Enqueuer
    from worker.baretasks import BARE_STREAM, bare_chain
    from worker.settings import load_settings

    settings = load_settings(redis_url=url)
    r = redis.Redis.from_url(url)
    stream = settings.results_stream if kind == "pipeline" else BARE_STREAM
    enq = Enqueuer(r, settings)
    tag = uuid.uuid4().hex[:6]
    with Workers(env={**env, "REDIS_URL": url}, commands=topology.commands(settings.io_queue, settings.cpu_queue, f"bench{kind}{tag}")) as procs:

        def sender(run_id: str) -> Callable[[Ticket], None]:
            def send(t: Ticket) -> None:
                if kind == "pipeline":
                    enq.enqueue(t, run_id=run_id)
                else:
                    bare_chain(TicketResult(ticket=t, run_id=run_id, enqueued_at=time.time()).model_dump(mode="json")).apply_async()

            return send

        warm_id = f"warm{tag}"
        closed_loop(r, sender(warm_id), bench_tickets(warmup, warm_id), stream=stream, run_id=warm_id, window=warmup, timeout_s=120)
        pids = process_tree([p.pid for p in procs.procs])
        run_id = f"{kind}{tag}"
        tickets = bench_tickets(n, run_id)
        watched = {name: process_tree([pid]) for name, pid in (others or {}).items()}
        others0 = {name: cpu_seconds(p) for name, p in watched.items()}
        cpu0, self0, load0 = cpu_seconds(pids), time.process_time(), load_average()
        latencies, wall = closed_loop(r, sender(run_id), tickets, stream=stream, run_id=run_id, window=window, timeout_s=timeout_s)
        cpu = cpu_seconds(pids) - cpu0
        producer_cpu = time.process_time() - self0
        side = {f"{name}_cpu_ms_per_ticket": round((cpu_seconds(p) - others0[name]) * 1000 / n, 2) for name, p in watched.items()}
        rss = peak_rss_mb(pids)
        if not procs.alive():
            raise RuntimeError(f"a worker died during the {kind} run:\n{procs.logs()[-3000:]}")
    return figures(kind, latencies, wall, cpu, rss, producer_cpu_ms_per_ticket=round(producer_cpu * 1000 / n, 2), worker_processes=len(pids),
                   load_average=[load0, load_average()], **side)


def measure_sequential(*, url: str, n: int, env: dict[str, str]) -> Figures:
    """The reference loop: each ticket through the four stages, then the next, in this process."""
    from worker import runtime
    from worker.settings import get_settings
    from worker.stages import pipeline
    from worker.stages.escalate import Context

    saved = {k: os.environ.get(k) for k in [*env, "REDIS_URL"]}
    os.environ.update({**env, "REDIS_URL": url})
    runtime.reset()
    try:
        provider, retriever, policy, results = runtime.get_provider(), runtime.get_retriever(), runtime.get_policy(), runtime.get_results()
        k = get_settings().retrieval_top_k
        run_id = f"seq{uuid.uuid4().hex[:6]}"
        latencies: list[float] = []
        cpu0 = time.process_time()
        t0 = time.time()
        for t in bench_tickets(n, run_id):
            state = TicketResult(ticket=t, run_id=run_id, enqueued_at=time.time())
            state = pipeline.do_classify(state, provider)
            state = pipeline.do_retrieve(state, retriever, k)
            state = pipeline.do_generate(state, provider)
            state = pipeline.do_escalate(state, policy, Context())
            results.publish(state)
            latencies.append(float(state.completed_at or time.time()) - state.enqueued_at)
        wall = time.time() - t0
        cpu = time.process_time() - cpu0
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        runtime.reset()
    return figures("sequential", latencies, wall, cpu)


@dataclass
class BenchConfig:
    """Everything `ticketflow bench` can be told."""

    tickets: int = 2000
    latency_s: float = 0.5
    sequential_tickets: int = 20
    window: int = 0  # 0: derived from the topology (every I/O slot busy, plus as many queued)
    warmup: int = 40
    topology: Topology = field(default_factory=Topology)
    provider: str = "anthropic"  # "anthropic" (real SDK against the fake server) or "local" (offline, no latency)
    redis_url: str | None = None  # None: an embedded redis-server of the run's own

    def effective_window(self) -> int:
        return self.window or max(2 * self.topology.workers * self.topology.concurrency, 50)


def run_bench(cfg: BenchConfig, on_phase: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The three measurements on this machine, and the ratios between them."""
    say = on_phase or (lambda _msg: None)
    window = cfg.effective_window()
    with _redis(cfg.redis_url) as server, _model_api(cfg.provider, cfg.latency_s) as api:
        url, model_url = str(server.url), api.url
        others = {name: pid for name, pid in (("redis", server.pid), ("fake_api", api.pid)) if pid}
        _point_producer_at(url)
        env = {**provider_env(model_url), "TICKETFLOW_LOG_LEVEL": "WARNING"}
        say(f"sequential loop: {cfg.sequential_tickets} tickets")
        seq = measure_sequential(url=url, n=cfg.sequential_tickets, env=env)
        say(f"bare four-task chain: {cfg.tickets} chains on {cfg.topology.describe()}")
        bare = measure_chain("bare", url=url, n=cfg.tickets, window=window, topology=cfg.topology, env=env, warmup=cfg.warmup, others=others)
        say(f"pipeline: {cfg.tickets} tickets on {cfg.topology.describe()}")
        pipe = measure_chain("pipeline", url=url, n=cfg.tickets, window=window, topology=cfg.topology, env=env, warmup=cfg.warmup, others=others)
    return report(cfg, pipe, seq, bare, window)


def report(cfg: BenchConfig, pipe: Figures, seq: Figures, bare: Figures, window: int) -> dict[str, Any]:
    """The JSON `ticketflow bench --json` writes."""
    return {
        "tickets": pipe.tickets,
        "latency_s": cfg.latency_s,
        "provider": cfg.provider,
        "topology": cfg.topology.describe(),
        "window": window,
        "cores": os.cpu_count(),
        "tickets_per_s": pipe.tickets_per_s,
        "p50_s": pipe.p50_s,
        "p99_s": pipe.p99_s,
        "cpu_ms_per_ticket": pipe.cpu_ms_per_ticket,
        "peak_rss_mb": pipe.peak_rss_mb,
        "sequential_tickets_per_s": seq.tickets_per_s,
        "bare_chain_tickets_per_s": bare.tickets_per_s,
        "vs_sequential": round(pipe.tickets_per_s / seq.tickets_per_s, 2) if seq.tickets_per_s else None,
        "vs_bare_chain": round(pipe.tickets_per_s / bare.tickets_per_s, 3) if bare.tickets_per_s else None,
        "load_average": {f.name: f.extra.get("load_average") for f in (pipe, bare)},
        "runs": {f.name: asdict(f) for f in (pipe, seq, bare)},
    }


def _point_producer_at(url: str) -> None:
    """This process enqueues too: its Celery app and settings must use the run's Redis."""
    from worker import runtime
    from worker.app import app

    os.environ["REDIS_URL"] = url
    app.conf.update(broker_url=url)
    runtime.reset()


@dataclass
class _Endpoint:
    url: str | None
    pid: int | None = None


class _redis:
    """`url` if given, else an embedded redis-server for the run (never a developer's data)."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self.server: EmbeddedRedis | None = None

    def __enter__(self) -> _Endpoint:
        if self.url:
            return _Endpoint(self.url)
        self.server = EmbeddedRedis().start()
        return _Endpoint(self.server.url, self.server.proc.pid if self.server.proc else None)

    def __exit__(self, *exc: object) -> None:
        if self.server:
            self.server.stop()


class _model_api:
    """The fake model server for the anthropic provider; nothing for the local one."""

    def __init__(self, provider: str, latency_s: float) -> None:
        self.fake = FakeModelProcess(latency_s) if provider == "anthropic" else None

    def __enter__(self) -> _Endpoint:
        if self.fake is None:
            return _Endpoint(None)
        self.fake.start()
        return _Endpoint(self.fake.url, self.fake.proc.pid if self.fake.proc else None)

    def __exit__(self, *exc: object) -> None:
        if self.fake:
            self.fake.stop()
