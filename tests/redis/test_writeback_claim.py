"""One write-back of a result at a time across the cluster: a second delivery waits (spending no retry) instead of posting too."""

from __future__ import annotations

import pytest
import redis

from worker.errors import Deferred
from worker.models import Ticket, TicketResult
from worker.reliability.retrying import RetryPolicy, plan_retry
from worker.sinks.helpdesk import claimed


def test_a_second_delivery_of_the_same_result_while_one_is_posting_is_told_to_wait(r: redis.Redis) -> None:
    result = TicketResult(ticket=Ticket(id="7", source="zendesk", message="help"))
    with claimed(r, "zendesk", result, ttl_s=25):
        with pytest.raises(Deferred) as busy, claimed(r, "zendesk", result, ttl_s=25):
            pass
        assert busy.value.retry_after is not None and 20 < busy.value.retry_after <= 25
        with claimed(r, "zendesk", TicketResult(ticket=Ticket(id="8", source="zendesk", message="help")), ttl_s=25):
            pass  # another ticket is not held up
    with claimed(r, "zendesk", result, ttl_s=25):
        pass  # released once the first was done


def test_waiting_for_the_claim_spends_no_retry_so_a_killed_workers_claim_cannot_dead_letter_the_write_back(r: redis.Redis) -> None:
    result = TicketResult(ticket=Ticket(id="9", source="zendesk", message="help"))
    policy = RetryPolicy(retry_max=3, base_s=0.05, cap_s=0.2, deadline_s=900.0)
    with claimed(r, "zendesk", result, ttl_s=25), pytest.raises(Deferred) as busy, claimed(r, "zendesk", result, ttl_s=25):
        pass
    # twenty waits in, still waiting (a retry_max of 3 would have dead-lettered a plain busy helpdesk by now)
    assert plan_retry(busy.value, retries=20, deferred=20, started_at=1000.0, now=1001.0, policy=policy) is not None
