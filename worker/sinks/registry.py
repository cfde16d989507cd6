"""Which helpdesk a result goes back to, by the ticket's source."""

from __future__ import annotations

from typing import Protocol

import redis

from worker.models import TicketResult
from worker.settings import Settings


class Sink(Protocol):
    """A helpdesk write-back. `deliver` must be idempotent: Celery delivers at least once."""

    name: str

    def deliver(self, result: TicketResult, r: redis.Redis) -> None:
        """Post the reply and close, or add the draft as an internal note for the agent."""
        ...


def sink_for(source: str, settings: Settings) -> Sink | None:
    """The sink for tickets from `source`, or None when that helpdesk is not connected."""
    return None


def deliver(result: TicketResult, settings: Settings, r: redis.Redis) -> None:
    """Send one result to its helpdesk, if it has one."""
    sink = sink_for(result.ticket.source, settings)
    if sink is not None:
        sink.deliver(result, r)
