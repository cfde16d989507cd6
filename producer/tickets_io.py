"""Reading tickets from files: JSONL, one ticket a line, every bad line reported with its number."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from producer.enqueue import parse_ticket
from worker.errors import TicketInvalid
from worker.jsonl import iter_jsonl
from worker.models import Ticket


def read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) for each non-blank line; bad JSON raises TicketInvalid with the line."""
    return iter_jsonl(path, error=lambda n, exc: TicketInvalid(f"{path}:{n}: not valid JSON: {exc}", line=n))


def load_tickets(path: Path, *, source: str | None = None) -> list[Ticket]:
    """Every ticket in a JSONL file, validated before any is enqueued (all or nothing)."""
    out: list[Ticket] = []
    for n, data in read_jsonl(path):
        try:
            out.append(parse_ticket(data, source=source, line=n))
        except TicketInvalid as exc:
            raise TicketInvalid(f"{path}:{n}: {exc}", field=exc.field, line=n) from exc
    return out
