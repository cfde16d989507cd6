"""One write-back of a result at a time across the cluster: a second delivery waits (and retries) instead of posting too."""

from __future__ import annotations

import pytest
import redis

from worker.models import Ticket, TicketResult
from worker.sinks.helpdesk import HelpdeskBusy, claimed


def test_a_second_delivery_of_the_same_result_while_one_is_posting_is_told_to_retry(r: redis.Redis) -> None:
    result = TicketResult(ticket=Ticket(id="7", source="zendesk", message="help"))
    with claimed(r, "zendesk", result, ttl_s=25):
        with pytest.raises(HelpdeskBusy) as busy, claimed(r, "zendesk", result, ttl_s=25):
            pass
        assert busy.value.retry_after is not None and 20 < busy.value.retry_after <= 25
        with claimed(r, "zendesk", TicketResult(ticket=Ticket(id="8", source="zendesk", message="help")), ttl_s=25):
            pass  # another ticket is not held up
    with claimed(r, "zendesk", result, ttl_s=25):
        pass  # released once the first was done
