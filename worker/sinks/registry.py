"""Which helpdesk a result goes back to, by the ticket's source."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

import httpx
import redis

from worker.models import TicketResult
from worker.settings import Settings
from worker.sinks import helpdesk, intercom, zendesk


class Sink(Protocol):
    """A helpdesk write-back. `deliver` must be idempotent: Celery delivers at least once."""

    name: str

    def deliver(self, result: TicketResult, r: redis.Redis) -> None:
        """Post the reply and close, or add the draft as an internal note for the agent."""
        ...


_clients: dict[tuple[str, str], httpx.Client] = {}
_lock = threading.Lock()


def _client(source: str, settings: Settings, build: Callable[[Settings], httpx.Client]) -> httpx.Client:
    # One pooled client per helpdesk and base URL in a process, built on first use.
    key = (source, (zendesk.base_url(settings) or "") if source == zendesk.NAME else settings.intercom_base_url)
    with _lock:
        if key not in _clients:
            _clients[key] = build(settings)
        return _clients[key]


def sink_for(source: str, settings: Settings, client: httpx.Client | None = None) -> Sink | None:
    """The sink for tickets from `source`, or None when that helpdesk is not connected (or write-back is off)."""
    if source == zendesk.NAME and zendesk.configured(settings):
        return zendesk.ZendeskSink(settings, client or _client(source, settings, zendesk.build_client))
    if source == intercom.NAME and intercom.configured(settings):
        return intercom.IntercomSink(settings, client or _client(source, settings, intercom.build_client))
    return None


def deliver(result: TicketResult, settings: Settings, r: redis.Redis) -> None:
    """Send one result to its helpdesk, if it has one."""
    sink = sink_for(result.ticket.source, settings)
    if sink is not None:
        with helpdesk.claimed(r, result.ticket.source, result, ttl_s=2 * settings.helpdesk_timeout_s + 5):
            sink.deliver(result, r)


def close_clients() -> None:
    """Close the pooled helpdesk clients (tests, shutdown)."""
    with _lock:
        for c in _clients.values():
            c.close()
        _clients.clear()
