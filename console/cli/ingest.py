"""Producer commands: `serve` (the ingestion API), `poll zendesk|intercom`, `import FILE` (bulk, with progress)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from worker.errors import ConfigError, TicketInvalid


def _fail(msg: str, code: int = 2) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _settings() -> Any:
    from worker.settings import load_settings

    try:
        return load_settings()
    except ConfigError as exc:
        _fail(str(exc))


def register(app: typer.Typer) -> None:
    """Attach the producer commands."""

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(envvar="TICKETFLOW_API_HOST", help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(envvar="TICKETFLOW_API_PORT", help="Port to listen on.")] = 8000,
        workers: Annotated[int, typer.Option(envvar="TICKETFLOW_API_WORKERS", min=1, help="Server processes.")] = 1,
    ) -> None:
        """Run the ingestion API (tickets, helpdesk webhooks, status, live events); logs where it listens and each request."""
        settings = _settings()
        from producer.serving import serve as serve_api
        from worker.logs import configure_logging

        configure_logging(settings)
        serve_api(settings, host=host, port=port, workers=workers)

    @app.command()
    def poll(
        helpdesk: Annotated[Literal["zendesk", "intercom"], typer.Argument(help="The helpdesk to read.")],
        once: Annotated[bool, typer.Option("--once", help="One pass, then exit (errors exit non-zero).")] = False,
        interval: Annotated[float | None, typer.Option(help="Seconds between passes (default TICKETFLOW_POLL_INTERVAL_S).")] = None,
        since: Annotated[float | None, typer.Option(help="First run only: epoch seconds to start from (default: two intervals ago).")] = None,
    ) -> None:
        """Poll a helpdesk that cannot send webhooks; the cursor lives in Redis, so a restart resumes."""
        from producer.enqueue import Enqueuer
        from producer.pollers import base
        from worker.runtime import get_redis

        settings = _settings()
        r = get_redis()
        enq = Enqueuer(r, settings)
        poller: base.Poller
        if helpdesk == "zendesk":
            from producer.pollers.zendesk import ZendeskPoller
            from worker.sinks.zendesk import base_url, build_client

            if not base_url(settings):
                _fail("set TICKETFLOW_ZENDESK_SUBDOMAIN (or _BASE_URL), _EMAIL and _API_TOKEN")
            try:
                poller = ZendeskPoller(settings, build_client(settings), r, enq, since=since)
            except ConfigError as exc:
                _fail(str(exc))
        elif helpdesk == "intercom":
            from producer.pollers.intercom import IntercomPoller
            from worker.sinks.intercom import build_client as build_intercom

            try:
                poller = IntercomPoller(settings, build_intercom(settings), r, enq, since=since)
            except ConfigError as exc:
                _fail(str(exc))
        else:
            _fail(f"unknown helpdesk {helpdesk!r}: use zendesk or intercom")
        try:
            base.run(poller, interval_s=interval or settings.poll_interval_s, once=once, stop=threading.Event(), echo=lambda d: typer.echo(json.dumps(d)))
        except base.PollError as exc:
            _fail(str(exc), code=1)

    @app.command(name="import")
    def import_(
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Tickets as JSONL or CSV.")],
        fmt: Annotated[Literal["auto", "jsonl", "csv"], typer.Option("--format", help="auto: by the file's extension.")] = "auto",
        source: Annotated[str | None, typer.Option(help="Override each ticket's source.")] = None,
        strict: Annotated[bool, typer.Option("--strict", help="Enqueue nothing if any row is rejected.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON only.")] = False,
    ) -> None:
        """Import tickets in bulk: progress and rate, every rejected row with its line; re-runs are safe.

        Exit code 0 when every row was accepted (or was a duplicate), 2 when some rows were rejected.
        """
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from producer.bulk import ImportSummary, import_file
        from producer.enqueue import Enqueuer
        from worker.runtime import get_redis

        settings = _settings()
        enq = Enqueuer(get_redis(), settings)
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, transient=True, disable=as_json) as bar:
            task = bar.add_task("reading", total=None)

            def show(s: ImportSummary) -> None:
                bar.update(task, description=f"{s.read} rows  {s.enqueued} enqueued  {s.duplicates} duplicates  {len(s.rejected)} rejected  {s.rate:,.0f} rows/s")

            try:
                summary = import_file(file, enq, fmt=fmt, source=source, strict=strict, progress=show)  # type: ignore[arg-type]
            except TicketInvalid as exc:
                _fail(str(exc))
        out = summary.as_dict()
        if as_json:
            typer.echo(json.dumps(out))
        else:
            typer.echo(f"{out['read']} rows: {out['enqueued']} enqueued, {out['duplicates']} duplicates, {out['rejected']} rejected "
                       f"in {out['seconds']}s ({out['rows_per_s']} rows/s)" + (" — strict: nothing enqueued" if strict and summary.rejected else ""))
            for x in out["rejections"]:
                typer.secho(f"  line {x['line']}: {x['error']}", fg=typer.colors.YELLOW, err=True)
            if len(summary.rejected) > len(out["rejections"]):
                typer.secho(f"  ... and {len(summary.rejected) - len(out['rejections'])} more", fg=typer.colors.YELLOW, err=True)
        if summary.rejected:
            raise typer.Exit(2)


def app_from_env() -> Any:
    """The API built from the environment (for `uvicorn --factory` and multi-process serving)."""
    from producer.api import create_app
    from producer.serving import with_access_log
    from worker.logs import configure_logging
    from worker.settings import load_settings

    settings = load_settings()
    configure_logging(settings)
    return with_access_log(create_app(settings))
