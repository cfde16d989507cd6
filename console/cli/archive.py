"""`ticketflow archive run|backfill|prune|migrate`: the results archive in a SQL database (worker/archive/)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from worker.settings import Settings

archive_app = typer.Typer(no_args_is_help=True, help="The results archive (TICKETFLOW_DATABASE_URL): every published result, once.")


def _engine() -> tuple[Settings, Engine]:
    from worker.archive.schema import archive_engine, migrate
    from worker.errors import ConfigError
    from worker.settings import load_settings

    try:
        settings = load_settings()
        engine = archive_engine(settings)
        if engine is None:
            raise ConfigError("no archive configured: set TICKETFLOW_DATABASE_URL (sqlite, or postgresql://...)")
        migrate(engine)
    except ConfigError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    return settings, engine


@archive_app.command("migrate")
def migrate_cmd() -> None:
    """Create or upgrade the archive's tables (workers and every other command do this too)."""
    _engine()
    typer.echo("archive schema is current")


@archive_app.command("run")
def run_cmd(once: Annotated[bool, typer.Option("--once", help="Archive what is waiting, then exit.")] = False) -> None:
    """Archive results as they are published (workers do this too when TICKETFLOW_DATABASE_URL is set)."""
    from worker.archive.consumer import Archiver
    from worker.runtime import get_redis

    settings, engine = _engine()
    archiver = Archiver.from_settings(get_redis(), engine, settings)
    if once:
        typer.echo(f"archived {archiver.drain()} stream entries")
        return
    stop = threading.Event()
    try:
        archiver.run(stop)
    except KeyboardInterrupt:
        stop.set()


@archive_app.command("backfill")
def backfill_cmd(batch: Annotated[int, typer.Option(min=1, help="Stream entries a transaction.")] = 1000) -> None:
    """Copy every result the stream still holds into the archive (tickets archived already are left as they are)."""
    from worker.archive import writer
    from worker.archive.consumer import privacy_of
    from worker.runtime import get_redis
    from worker.sinks.results import ResultsStream

    settings, engine = _engine()
    stream = ResultsStream(get_redis(), settings.results_stream)
    seen = new = 0
    start = "-"
    while True:
        entries = stream.read(start, count=batch)
        if not entries:
            break
        new += writer.write_results(engine, entries, privacy_of(settings))
        seen += len(entries)
        start = f"({entries[-1][0]}"
    typer.echo(f"{seen} results in the stream, {new} new to the archive")


@archive_app.command("prune")
def prune_cmd(
    older_than: Annotated[str, typer.Option("--older-than", envvar="TICKETFLOW_ARCHIVE_PRUNE_OLDER_THAN", help="An age like 90d or 12w, or an ISO date.")],
) -> None:
    """Delete archived results (with their reasons, calls, reviews and reopens) published before the cut-off."""
    from console.report import parse_since
    from worker import clock
    from worker.archive import writer

    try:
        cutoff = parse_since(older_than, now=clock.now())
    except ValueError as exc:
        typer.secho(f"error: {exc}".replace("--since", "--older-than"), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    _settings, engine = _engine()
    typer.echo(f"pruned {writer.prune(engine, cutoff)} results")


def register(app: typer.Typer) -> None:
    """Attach `archive`."""
    app.add_typer(archive_app, name="archive")
