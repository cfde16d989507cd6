"""Property-based fuzzing of the ticket parser and the JSONL reader: a Ticket or a clear TicketInvalid, nothing else."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from producer.enqueue import parse_ticket
from producer.tickets_io import load_tickets
from tests.support.strategies import as_jsonl, json_values, nested, shallow_bodies, ticket_like
from worker.errors import TicketInvalid
from worker.models import MAX_MESSAGE_CHARS, Ticket

TRIED: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _count() -> Iterator[None]:
    yield
    print(f"\nFUZZ parser inputs tried: {dict(TRIED)}")


def _check_valid(t: Ticket) -> None:
    # What reaches a worker is whole: the invariants the pipeline relies on hold, and it survives the wire.
    assert t.id and t.message.strip() and "\x00" not in t.message
    assert len(t.message) <= MAX_MESSAGE_CHARS
    assert Ticket.model_validate_json(t.model_dump_json()) == t


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(ticket_like, json_values, shallow_bodies))
def test_parse_ticket_returns_a_whole_ticket_or_says_what_is_wrong(data: Any) -> None:
    TRIED["parse_ticket"] += 1
    try:
        t = parse_ticket(data)
    except TicketInvalid as exc:
        assert str(exc)  # a message a person can act on
        return
    _check_valid(t)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(records=st.lists(ticket_like | st.binary(max_size=60) | st.just({"id": "ok", "message": "Can I export to CSV?"}), min_size=1, max_size=8))
def test_the_jsonl_reader_takes_all_lines_or_none_and_names_the_bad_line(records: list[Any], tmp_path: Path) -> None:
    TRIED["load_tickets"] += 1
    path = tmp_path / "tickets.jsonl"
    path.write_bytes(as_jsonl(records))
    lines = path.read_bytes().count(b"\n")  # a binary record may hold a newline: it is two lines then
    try:
        tickets = load_tickets(path)
    except TicketInvalid as exc:
        assert exc.line is not None and 1 <= exc.line <= lines
        assert f":{exc.line}:" in str(exc)
        return
    for t in tickets:
        _check_valid(t)
    assert len(tickets) <= len(records)


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_deeply_nested_json_is_a_clear_rejection_not_a_crash(depth: int, tmp_path: Path) -> None:
    TRIED["nested"] += 2
    with pytest.raises(TicketInvalid):
        parse_ticket(nested(depth).encode())
    path = tmp_path / "deep.jsonl"
    path.write_text(nested(depth) + "\n")
    with pytest.raises(TicketInvalid):
        load_tickets(path)
