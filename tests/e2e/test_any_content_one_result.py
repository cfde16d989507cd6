"""Whatever a ticket holds, if the door accepts it, it ends in exactly one result, through real worker processes.

The tickets go in through `parse_ticket` and `Enqueuer` (what `enqueue`, `import`, webhooks and pollers
use), not only through the API. A ticket that bypasses the door with text no result can carry (the
lone surrogate of issue 15) still ends in one result, from the reaper, with its raw payload dead-lettered.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.services import Workers
from producer.enqueue import Enqueuer, parse_ticket
from tests.support.strategies import hostile_tickets
from worker import keys
from worker.errors import TicketInvalid
from worker.models import Ticket
from worker.reliability import dlq
from worker.settings import load_settings
from worker.sinks.results import ResultsStream

COUNTER = itertools.count()


def _wait_published(r: redis.Redis, uids: list[str], timeout: float) -> list[str]:
    """The uids still without a result after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    missing = list(uids)
    while missing and time.monotonic() < deadline:
        missing = [u for u in missing if r.get(keys.published_key(u)) in (None, b"pending")]
        time.sleep(0.1)
    return missing


def _results_by_uid(r: redis.Redis) -> Counter[str]:
    return Counter(f"{res['ticket']['source']}:{res['ticket']['id']}" for _, res in ResultsStream(r).read(count=100_000))


def test_every_accepted_ticket_ends_in_exactly_one_result_whatever_its_content(
    use_env: dict[str, str], r: redis.Redis, start_workers: Callable[..., Workers]
) -> None:
    start_workers(n=1, concurrency=8)
    enq = Enqueuer(r, load_settings())
    accepted: list[str] = []
    refused = Counter[str]()

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(batch=st.lists(hostile_tickets, min_size=1, max_size=8))
    def run(batch: list[dict[str, Any]]) -> None:
        uids = []
        for data in batch:
            # a fresh id prefix per ticket, so examples never dedupe against each other
            data = {**data, "id": f"p{next(COUNTER)}-{data['id']}" if isinstance(data["id"], str) else data["id"]}
            try:
                ticket = parse_ticket(data)
            except TicketInvalid as exc:
                refused[exc.field or "?"] += 1
                continue
            assert enq.enqueue(ticket).accepted
            uids.append(ticket.uid)
        accepted.extend(uids)
        assert _wait_published(r, uids, timeout=60) == []

    run()
    # then: each accepted ticket is in the results stream once, and nothing is left in flight
    counts = _results_by_uid(r)
    assert accepted and all(counts[u] == 1 for u in accepted), {u: counts[u] for u in accepted if counts[u] != 1}
    assert sum(counts.values()) == len(accepted)
    assert r.zcard(keys.INFLIGHT_ZSET) == 0 and not list(r.scan_iter(keys.ticket_key("*")))
    assert refused  # the strategies do reach the door's refusals too
    print(f"\naccepted {len(accepted)}, refused by field {dict(refused)}")


def test_a_ticket_that_bypassed_the_door_with_a_lone_surrogate_still_ends_in_one_result(
    use_env: dict[str, str], r: redis.Redis, start_workers: Callable[..., Workers]
) -> None:
    # given workers with a short deadline, and the ticket of issue 15 put in past the door (metadata is `Any`)
    start_workers(n=1, concurrency=4, env={"TICKETFLOW_INFLIGHT_DEADLINE_S": "4", "TICKETFLOW_REAP_EVERY_S": "1"})
    settings_ = load_settings(inflight_deadline_s=4)
    poison = Ticket.model_validate({"id": "sur-1", "customer_id": "c-2", "message": "Where is my invoice?", "metadata": {"note": "\ud800", "order": 7}})
    clean = parse_ticket({"id": "ok-1", "message": "How do I export to CSV?"})
    for t in (poison, clean):
        assert Enqueuer(r, settings_).enqueue(t).accepted
    # when the deadline passes
    missing = _wait_published(r, ["api:sur-1", "api:ok-1"], timeout=60)
    # then both have one result; the poison one is an automation_failed escalation with what could be kept
    assert missing == []
    counts = _results_by_uid(r)
    assert counts == Counter({"api:sur-1": 1, "api:ok-1": 1})
    res = ResultsStream(r).published("api:sur-1")
    assert res is not None and res.decision is not None and res.decision.reasons == ["automation_failed"]
    assert res.ticket.metadata == {"order": 7} and res.ticket.message == "Where is my invoice?"
    [entry] = [e for e in dlq.entries(r) if e.ticket_id == "api:sur-1"]
    assert entry.raw is not None and "\\ud800" in entry.raw
    assert r.zcard(keys.INFLIGHT_ZSET) == 0
