"""`ticketflow providers ...`: check the model configuration, run the fake model API, measure the
cluster-wide rate limiter and the cost of a ticket with and without prompt caching.

Benchmarks print measured figures (never assert on time): the limiter bench runs N processes that
call the real Anthropic SDK through the limiter against the fake API, and reads the arrival time of
every call at the server.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from worker.errors import ConfigError, RateLimited

providers_app = typer.Typer(no_args_is_help=True, help="Model providers: check, fake API, limiter and cost benchmarks.")


def _fail(msg: str) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Attach `ticketflow providers`."""
    app.add_typer(providers_app, name="providers")


@providers_app.command("check")
def check() -> None:
    """Print, per stage, the provider, model, prices and whether the cached prompt prefix clears the model's minimum."""
    from worker.providers import prompts
    from worker.providers.costs import price_table
    from worker.settings import load_settings

    try:
        s = load_settings()
        prices = price_table(s.prices_json)
        out: dict[str, Any] = {}
        for stage in ("classify", "generate"):
            kind = (s.classify_provider if stage == "classify" else s.generate_provider) or s.provider
            model = {"anthropic": (s.anthropic_classify_model, s.anthropic_generate_model), "openai": (s.openai_classify_model, s.openai_generate_model)}.get(kind, ("local-lr-2", "local-lr-2"))[stage == "generate"]
            spec = prices.spec(model)
            build = prompts.classify_prefix if stage == "classify" else prompts.generate_prefix
            prefix = build(spec.min_cache_tokens, s.retrieval_source or s.corpus_dir, prompts.Company(s.company_name, s.company_description))
            out[stage] = {
                "provider": kind, "model": model, "usd_per_mtok": {"input": spec.input, "output": spec.output, "cache_write": spec.cache_write, "cache_read": spec.cache_read},
                "prefix_tokens_est": prefix.tokens, "min_cache_tokens": spec.min_cache_tokens, "prefix_cacheable": prefix.cacheable if kind != "local" else None,
            }
    except ConfigError as exc:
        _fail(str(exc))
    typer.echo(json.dumps(out, indent=2))


@providers_app.command("fake")
def fake(
    port: Annotated[int, typer.Option(envvar="TICKETFLOW_FAKE_PORT")] = 8700,
    latency: Annotated[float, typer.Option(help="Seconds added to every call.")] = 0.0,
) -> None:
    """Serve the fake Anthropic/OpenAI API (point ANTHROPIC_BASE_URL / OPENAI_BASE_URL at it)."""
    from devkit.fakes.models import main

    main(["--port", str(port), "--latency", str(latency)])


# --- limiter benchmark ---------------------------------------------------------------------------

def _limiter_worker(redis_url: str, base_url: str, rpm: int, threads: int, seconds: float, go: Any, start: Any, name: str, out: Any) -> None:
    """One benchmark process: `threads` threads classify tickets through the limiter until `stop_at`."""
    import threading

    import anthropic
    import redis as redis_lib

    from worker.models import Ticket
    from worker.providers.anthropic import AnthropicProvider
    from worker.providers.costs import price_table
    from worker.providers.ratelimit import Limits, RateLimiter

    limiter = RateLimiter(redis_lib.Redis.from_url(redis_url), "bench", Limits(rpm=rpm), max_wait_s=1.0)
    client = anthropic.Anthropic(api_key="bench", base_url=base_url, max_retries=0, timeout=30)
    provider = AnthropicProvider(client, "claude-haiku-5-5", "claude-sonnet-5-5", price_table(), limiter, 400, None)
    counts = {"ok": 0, "rate_limited": 0}
    lock = threading.Lock()
    out.put(("ready", name))
    go.wait()  # every process has imported and connected: start together
    start_at = start.value
    stop_at = start_at + seconds

    def run(tid: int) -> None:
        time.sleep(max(0.0, start_at - time.time()))
        n = 0
        ticket = Ticket(id=f"{name}-{tid}-{n}", message="How do I export my project to CSV?")
        while time.time() < stop_at:
            try:
                provider.classify(ticket)
            except RateLimited as exc:  # what Celery does: come back after the countdown
                with lock:
                    counts["rate_limited"] += 1
                time.sleep(min(exc.retry_after, max(0.0, stop_at - time.time())))
                continue
            with lock:
                counts["ok"] += 1
            n += 1
            ticket = Ticket(id=f"{name}-{tid}-{n}", message="How do I export my project to CSV?")

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put(counts)


def max_in_window(times: list[float], window: float) -> int:
    """The most events inside any half-open window of `window` seconds."""
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def bench_limiter(*, rpm: int, processes: int, threads: int, seconds: float, latency: float, redis_url: str | None = None) -> dict[str, Any]:
    """Run the limiter benchmark; figures measured at the fake server."""
    from devkit.fakes.models import FakeModelServer
    from devkit.services import EmbeddedRedis

    embedded = EmbeddedRedis().start() if redis_url is None else None
    url = embedded.url if embedded else str(redis_url)
    server = FakeModelServer(latency_s=latency).start()
    try:
        ctx = mp.get_context("spawn")
        queue, go, start = ctx.Queue(), ctx.Event(), ctx.Value("d", 0.0)
        procs = [ctx.Process(target=_limiter_worker, args=(url, server.base_url, rpm, threads, seconds, go, start, f"p{i}", queue)) for i in range(processes)]
        for p in procs:
            p.start()
        for _ in procs:
            queue.get(timeout=120)  # "ready"
        start_at = time.time() + 0.5
        stop_at = start_at + seconds
        start.value = start_at
        go.set()
        counts = [queue.get(timeout=seconds + 120) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        arrivals = [c.arrived for c in server.calls if c.status == 200 and start_at <= c.arrived < stop_at]
    finally:
        server.stop()
        if embedded:
            embedded.stop()
    per_window = rpm / 6
    worst = max_in_window(arrivals, 10.0)
    return {
        "limit_rpm": rpm, "processes": processes, "threads_per_process": threads, "seconds": seconds, "latency_s": latency,
        "calls": len(arrivals), "achieved_rpm": round(len(arrivals) / seconds * 60, 1),
        "utilisation": round(len(arrivals) / (rpm * seconds / 60), 4),
        "max_calls_in_any_10s_window": worst, "limit_per_10s_window": per_window, "within_limit": worst <= per_window,
        "max_calls_in_any_60s_window": max_in_window(arrivals, 60.0) if seconds >= 60 else None,
        "rate_limited_retries": sum(c["rate_limited"] for c in counts),
    }


def bench_limiter_celery(*, rpm: int, workers: int, concurrency: int, tickets: int, latency: float, redis_url: str | None = None, timeout_s: float = 600) -> dict[str, Any]:
    """The limiter inside the real chain: Celery worker processes on the anthropic provider, a backlog of
    tickets, the fake API counting arrivals per model. Tickets refused a slot are re-scheduled by Celery."""
    import os
    import uuid

    import redis as redis_lib

    from devkit.fakes.models import FakeModelServer
    from devkit.services import EmbeddedRedis, Workers, worker_command
    from producer.tickets_io import load_tickets

    embedded = EmbeddedRedis().start() if redis_url is None else None
    url = embedded.url if embedded else str(redis_url)
    server = FakeModelServer(latency_s=latency).start()
    sample = load_tickets(Path(__file__).resolve().parents[2] / "corpus" / "tickets" / "sample.jsonl")
    run = uuid.uuid4().hex[:6]
    batch = [sample[i % len(sample)].model_copy(update={"id": f"lb{run}-{i}", "customer_id": f"lb{run}-{i}"}) for i in range(tickets)]
    env = {
        "REDIS_URL": url, "TICKETFLOW_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": "bench", "ANTHROPIC_BASE_URL": server.base_url,
        "TICKETFLOW_RATE_LIMIT_RPM": str(rpm), "TICKETFLOW_LOG_LEVEL": "WARNING",
    }
    cmds = [worker_command(queues="ticketflow.io,ticketflow.cpu", concurrency=concurrency, name=f"lb{i}-{run}") for i in range(workers)]
    try:
        os.environ["REDIS_URL"] = url  # this process enqueues on the same Redis (read when worker.app is imported)
        from producer.enqueue import Enqueuer
        from worker import runtime
        from worker.settings import load_settings

        runtime.reset()
        r = redis_lib.Redis.from_url(url)
        settings = load_settings()
        with Workers(env=env, commands=cmds):
            Enqueuer(r, settings).enqueue_many(batch)
            deadline = time.monotonic() + timeout_s
            while r.xlen(settings.results_stream) < tickets and time.monotonic() < deadline:
                time.sleep(0.5)
            results = [json.loads(d[b"json"]) for _id, d in r.xrange(settings.results_stream)]  # type: ignore[union-attr,index]
    finally:
        server.stop()
        if embedded:
            embedded.stop()
    per_model: dict[str, Any] = {}
    for model in sorted({str(c.body.get("model")) for c in server.calls if isinstance(c.body, dict)}):
        arrivals = sorted(c.arrived for c in server.calls if c.status == 200 and isinstance(c.body, dict) and c.body.get("model") == model)
        span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
        per_model[model] = {
            "calls": len(arrivals), "busy_s": round(span, 1), "max_calls_in_any_10s_window": max_in_window(arrivals, 10.0),
            "utilisation_while_busy": round(len(arrivals) / (rpm * span / 60), 4) if span else None,
        }
    reasons = [x for res in results for x in (res.get("decision") or {}).get("reasons", [])]
    return {
        "limit_rpm": rpm, "workers": workers, "concurrency": concurrency, "tickets": tickets, "results": len(results), "latency_s": latency,
        "limit_per_10s_window": rpm / 6, "per_model": per_model,
        "within_limit": all(m["max_calls_in_any_10s_window"] <= rpm / 6 for m in per_model.values()),
        "automation_unavailable": reasons.count("automation_unavailable"),
        "max_classify_attempts": max((res.get("attempts", {}).get("classify", 0) for res in results), default=0),
    }


@providers_app.command("bench-limiter")
def bench_limiter_cmd(
    rpm: Annotated[int, typer.Option(help="Cluster-wide requests per minute.")] = 600,
    processes: Annotated[int, typer.Option(help="Worker processes sharing the budget.")] = 4,
    threads: Annotated[int, typer.Option(help="Concurrent callers per process.")] = 8,
    seconds: Annotated[float, typer.Option(help="How long to run.")] = 60.0,
    latency: Annotated[float, typer.Option(help="Fake API latency per call.")] = 0.05,
    celery: Annotated[bool, typer.Option("--celery", help="Through the real chain: PROCESSES Celery workers, THREADS each, a backlog of TICKETS.")] = False,
    tickets: Annotated[int, typer.Option(help="With --celery: tickets enqueued at once.")] = 700,
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """The limiter with several processes against the fake API: every 10-second window, and utilisation."""
    from devkit.services import redis_server_executable

    if redis_server_executable() is None:
        from worker.settings import load_settings

        url: str | None = load_settings().redis_url
    else:
        url = None
    if celery:
        out = bench_limiter_celery(rpm=rpm, workers=processes, concurrency=threads, tickets=tickets, latency=latency, redis_url=url)
    else:
        out = bench_limiter(rpm=rpm, processes=processes, threads=threads, seconds=seconds, latency=latency, redis_url=url)
    text = json.dumps(out, indent=2)
    typer.echo(text)
    if json_path:
        json_path.write_text(text + "\n")


# --- cost benchmark --------------------------------------------------------------------------------

def cost_run(tickets_path: Path, limit: int, classify_model: str, generate_model: str) -> dict[str, Any]:
    """Run tickets through classify -> retrieve -> generate -> decide with the Anthropic provider against the
    fake API; price every call as billed (with caching) and as it would be billed with no cache."""
    import anthropic

    from devkit.fakes.models import FakeModelServer
    from producer.tickets_io import load_tickets
    from worker.models import TicketResult
    from worker.providers.anthropic import AnthropicProvider
    from worker.providers.costs import price_table
    from worker.providers.ratelimit import RateLimiter
    from worker.retrieval.retriever import build_retriever
    from worker.settings import load_settings
    from worker.stages import pipeline
    from worker.stages.escalate import Context, policy_from

    settings = load_settings()
    prices = price_table(settings.prices_json)
    tickets = load_tickets(tickets_path)[:limit]
    server = FakeModelServer().start()
    try:
        client = anthropic.Anthropic(api_key="bench", base_url=server.base_url, max_retries=0)
        provider = AnthropicProvider(client, classify_model, generate_model, prices, RateLimiter(None, "anthropic"), settings.max_output_tokens, settings.corpus_dir)
        retriever, policy = build_retriever(settings.corpus_dir), policy_from(settings)
        states = []
        for t in tickets:
            s = TicketResult(ticket=t)
            s = pipeline.do_classify(s, provider)
            s = pipeline.do_retrieve(s, retriever, settings.retrieval_top_k)
            s = pipeline.do_generate(s, provider)
            states.append(pipeline.do_escalate(s, policy, Context()))
    finally:
        server.stop()

    def uncached(u: Any) -> float:
        return prices.cost(u.model, input_tokens=u.input_tokens + u.cache_read_tokens + u.cache_write_tokens, output_tokens=u.output_tokens)

    usages = [u for s in states for u in s.usage if u.input_tokens or u.output_tokens]
    cached_total = sum(u.cost_usd for u in usages)
    uncached_total = sum(uncached(u) for u in usages)
    resolved = sum(1 for s in states if s.decision and s.decision.action == "auto_reply")
    n = len(states)
    calls = len(usages)
    return {
        "tickets": n, "resolved": resolved, "model_calls": calls, "classify_model": classify_model, "generate_model": generate_model,
        # No figure without data: None (not 0) where nothing was called, resolved or spent.
        "cache_hit_rate": round(sum(1 for u in usages if u.cache_read_tokens) / calls, 4) if calls else None,
        "cache_write_calls": sum(1 for u in usages if u.cache_write_tokens),
        "tokens": {k: sum(getattr(u, k) for u in usages) for k in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")},
        "cost_per_ticket_usd": round(cached_total / n, 6) if n else None,
        "cost_per_resolved_usd": round(cached_total / resolved, 6) if resolved else None,
        "uncached_cost_per_ticket_usd": round(uncached_total / n, 6) if n else None,
        "uncached_cost_per_resolved_usd": round(uncached_total / resolved, 6) if resolved else None,
        "caching_saves": round(1 - cached_total / uncached_total, 4) if uncached_total else None,
    }


@providers_app.command("bench-cost")
def bench_cost_cmd(
    tickets: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="JSONL tickets.")] = Path("corpus/tickets/sample.jsonl"),
    limit: Annotated[int, typer.Option(help="At most this many tickets.")] = 425,
    classify_model: Annotated[str, typer.Option(envvar="TICKETFLOW_ANTHROPIC_CLASSIFY_MODEL")] = "claude-haiku-5-5",
    generate_model: Annotated[str, typer.Option(envvar="TICKETFLOW_ANTHROPIC_GENERATE_MODEL")] = "claude-sonnet-5-5",
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """Cost per ticket and per resolved ticket, with and without prompt caching, on the fake API's token counts."""
    out = cost_run(tickets, limit, classify_model, generate_model)
    text = json.dumps(out, indent=2)
    typer.echo(text)
    if json_path:
        json_path.write_text(text + "\n")
