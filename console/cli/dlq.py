"""`ticketflow dlq list` and `ticketflow dlq replay`: the tickets that failed for good."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import typer

from worker.reliability import dlq

dlq_app = typer.Typer(no_args_is_help=True, help="Dead letters: tickets whose automation or write-back failed for good.")


def _fail(msg: str, code: int = 2) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


Kind = Literal["pipeline", "deliver"]  # dlq.KINDS, as choices for the command line


@dlq_app.command("list")
def list_entries(
    kind: Annotated[Kind | None, typer.Option(help="Only `pipeline` (automation failed) or `deliver` (write-back failed).")] = None,
    pending: Annotated[bool, typer.Option("--pending", help="Only entries not replayed yet.")] = False,
    count: Annotated[int, typer.Option(min=1, help="How many of the newest entries.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
) -> None:
    """Show dead-lettered tickets, oldest first: entry id, ticket, kind, stage, reason, error, replayed."""
    from worker.runtime import get_redis

    rows = [e.row() for e in dlq.entries(get_redis(), count=count, kind=kind, pending_only=pending)]
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row))
        else:
            state = f"replayed {row['replayed']}" if row["replayed"] else "pending"
            typer.echo(f"{row['entry']}\t{row['ticket_id']}\t{row['kind']}\t{row['stage']}\t{row['reason']}\t{state}\t{row['error'][:80]}")
    if not as_json:
        typer.echo(f"{len(rows)} shown, {dlq.pending_count(get_redis())} pending in all", err=True)


@dlq_app.command("replay")
def replay_entries(
    entries: Annotated[list[str] | None, typer.Argument(help="Entry ids from `dlq list`.")] = None,
    all_pending: Annotated[bool, typer.Option("--all", help="Every entry not replayed yet.")] = False,
    kind: Annotated[Kind | None, typer.Option(help="With --all: only this kind.")] = None,
    allow_reply: Annotated[bool, typer.Option("--allow-reply", help="Let a replayed ticket answer the customer (default: drafts for the agent who has it).")] = False,
    limit: Annotated[int, typer.Option(min=1, help="With --all: at most this many.")] = 1000,
) -> None:
    """Replay entries: write-backs are sent again (never twice), failed tickets run again under a replay id."""
    from producer.enqueue import Enqueuer
    from worker.runtime import get_redis
    from worker.settings import get_settings

    if bool(entries) == all_pending:
        _fail("give entry ids or --all (not both)")
    r = get_redis()
    settings = get_settings()
    ids = list(entries or []) or [e.id for e in dlq.entries(r, count=limit, kind=kind, pending_only=True)]
    enq = Enqueuer(r, settings)
    outcomes: dict[str, int] = {}
    for entry_id in ids:
        done = dlq.replay(
            r,
            entry_id,
            enqueue=lambda t: enq.enqueue(t, run_id="dlq-replay").accepted,
            redeliver=_send,
            allow_reply=allow_reply,
            conversation_ttl_s=settings.conversation_ttl_s,
        )
        outcomes[done.outcome] = outcomes.get(done.outcome, 0) + 1
        typer.echo(json.dumps({"entry": done.entry, "ticket_id": done.ticket_id, "kind": done.kind, "outcome": done.outcome, "replay_ticket_id": done.replay_ticket_id}))
    typer.echo(json.dumps({"replayed": len(ids), **outcomes}), err=True)
    if outcomes.get("missing"):
        raise typer.Exit(1)


def _send(payload: dict[str, Any]) -> None:
    """Queue the write-back again, by task name (the CLI never loads the worker's tasks)."""
    from worker.app import app
    from worker.stages.publish import DELIVER_TASK

    app.send_task(DELIVER_TASK, args=(payload,))


def register(app: typer.Typer) -> None:
    """Attach `ticketflow dlq`."""
    app.add_typer(dlq_app, name="dlq")
