"""`ticketflow bench`: throughput of the real chain against the sequential loop and a bare Celery chain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer


def print_report(rep: dict[str, Any]) -> None:
    """The table `ticketflow bench` prints (the same one the README shows)."""
    runs = rep["runs"]
    typer.echo(f"\n{rep['tickets']} tickets, model latency {rep['latency_s']}s per call ({rep['provider']}), {rep['cores']} cores, {rep['topology']}, window {rep['window']}")
    typer.echo(f"{'run':<12}{'tickets/s':>11}{'p50 s':>9}{'p99 s':>9}{'CPU ms/ticket':>15}{'peak RSS MB':>13}")
    for name in ("pipeline", "sequential", "bare"):
        f = runs[name]
        cpu = "-" if f["cpu_ms_per_ticket"] is None else f"{f['cpu_ms_per_ticket']:.1f}"
        rss = "-" if f["peak_rss_mb"] is None else f"{f['peak_rss_mb']:.0f}"
        typer.echo(f"{name:<12}{f['tickets_per_s']:>11.2f}{f['p50_s']:>9.3f}{f['p99_s']:>9.3f}{cpu:>15}{rss:>13}")
    typer.echo(f"pipeline / sequential loop: {rep['vs_sequential']}x   pipeline / bare chain: {rep['vs_bare_chain']}x")
    loads = rep.get("load_average") or {}
    typer.echo("load average (1 min) at start and end: " + ", ".join(f"{name} {' -> '.join(str(x) for x in v)}" for name, v in loads.items() if v))


def register(app: typer.Typer) -> None:
    """Attach `ticketflow bench`."""

    @app.command()
    def bench(
        tickets: Annotated[int, typer.Option(min=1, envvar="TICKETFLOW_BENCH_TICKETS", help="Tickets through the chain (and bare chains).")] = 2000,
        latency: Annotated[float, typer.Option(min=0.0, envvar="TICKETFLOW_BENCH_LATENCY", help="Seconds the fake model API waits per call.")] = 0.5,
        json_path: Annotated[Path | None, typer.Option("--json", help="Write the figures here.")] = None,
        sequential: Annotated[int, typer.Option(min=1, envvar="TICKETFLOW_BENCH_SEQUENTIAL", help="Tickets through the sequential reference loop.")] = 20,
        workers: Annotated[int, typer.Option(min=1, envvar="TICKETFLOW_BENCH_WORKERS", help="Worker processes (I/O workers with --topology split).")] = 4,
        pool: Annotated[Literal["threads", "gevent", "prefork", "solo"], typer.Option(envvar="TICKETFLOW_BENCH_POOL", help="Pool of those workers.")] = "threads",
        concurrency: Annotated[int, typer.Option(min=1, envvar="TICKETFLOW_BENCH_CONCURRENCY", help="Slots per worker process.")] = 32,
        topology: Annotated[Literal["shared", "split"], typer.Option(envvar="TICKETFLOW_BENCH_TOPOLOGY", help="shared (every worker on both queues) or split (+1 prefork CPU worker).")] = "shared",
        window: Annotated[int, typer.Option(min=0, envvar="TICKETFLOW_BENCH_WINDOW", help="Tickets in flight at once (0: 2 x all slots).")] = 0,
        provider: Annotated[Literal["anthropic", "local"], typer.Option(envvar="TICKETFLOW_BENCH_PROVIDER", help="anthropic (real SDK, fake server) or local (offline, no latency).")] = "anthropic",
        redis_url: Annotated[str | None, typer.Option(envvar="TICKETFLOW_BENCH_REDIS_URL", help="A Redis to use (default: an embedded one of the run's own).")] = None,
    ) -> None:
        """Measure tickets/s, p50/p99, CPU ms and peak memory per ticket, with the sequential loop and a bare chain as references."""
        from devkit.bench import BenchConfig, Topology, run_bench

        cfg = BenchConfig(
            tickets=tickets, latency_s=latency, sequential_tickets=sequential, window=window, provider=provider, redis_url=redis_url,
            topology=Topology(kind=topology, workers=workers, pool=pool, concurrency=concurrency),
        )
        rep = run_bench(cfg, on_phase=lambda msg: typer.echo(f"... {msg}", err=True))
        print_report(rep)
        if json_path:
            json_path.write_text(json.dumps(rep, indent=2))
