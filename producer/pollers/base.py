"""What every poller shares: the cursor in Redis, polite HTTP (Retry-After on 429), and the loop.

The cursor is written after each page's events were applied, so a poller restarted at any point
resumes from the last page it finished: it skips nothing, and what it repeats is deduped by the
enqueue's (source, id) key.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import redis

from producer.enqueue import Enqueuer
from producer.webhooks.events import Applied
from worker import keys
from worker.errors import TicketflowError
from worker.settings import Settings
from worker.sinks.helpdesk import retry_after

log = logging.getLogger("ticketflow.pollers")


class PollError(TicketflowError):
    """The helpdesk refused a poll for good (auth, bad request) or stayed busy past the retries."""


def cursor_key(name: str) -> str:
    """Where poller `name` keeps its cursor."""
    return keys.poll_cursor_key(name)


class CursorStore:
    """A JSON cursor per poller in Redis."""

    def __init__(self, r: redis.Redis, name: str) -> None:
        self.r = r
        self.key = cursor_key(name)

    def load(self) -> dict[str, Any] | None:
        """The saved cursor, or None on the first run."""
        raw = self.r.get(self.key)
        return json.loads(raw) if raw else None

    def save(self, cursor: dict[str, Any]) -> None:
        """Persist the cursor (after the page it points past was handled)."""
        self.r.set(self.key, json.dumps(cursor))


@dataclass
class PollResult:
    """One pass over the helpdesk."""

    pages: int = 0
    items: int = 0
    applied: Applied = field(default_factory=Applied)

    def as_dict(self) -> dict[str, Any]:
        """JSON for the log line / CLI."""
        return {"pages": self.pages, "items": self.items, **self.applied.as_dict()}

    def merge(self, other: Applied) -> None:
        """Add one page's outcome."""
        for name in ("enqueued", "duplicates", "human_owned", "reopened"):
            getattr(self.applied, name).extend(getattr(other, name))


class Poller(Protocol):
    """A helpdesk poller: one pass, from the saved cursor to now."""

    name: str

    def poll_once(self) -> PollResult:
        """Fetch what changed since the cursor, apply it, advance the cursor."""
        ...


class HelpdeskPoller(ABC):
    """A poller's parts: settings, the helpdesk client, Redis, the enqueuer, and its cursor under `name`.

    `since` (epoch seconds) is where a first run starts; without it, two poll intervals ago.
    `sleep` waits out 429s and 5xx (tests pass a recorder).
    """

    name: str

    def __init__(self, settings: Settings, client: httpx.Client, r: redis.Redis, enqueuer: Enqueuer, *,
                 since: float | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.client = client
        self.r = r
        self.enqueuer = enqueuer
        self.cursor = CursorStore(r, self.name)
        self.since = since
        self.sleep = sleep

    @abstractmethod
    def poll_once(self) -> PollResult:
        """Fetch what changed since the cursor, apply it, advance the cursor."""


def request(client: httpx.Client, method: str, url: str, *, sleep: Callable[[float], None] = time.sleep, attempts: int = 5,
            max_wait_s: float = 300.0, **kw: Any) -> Any:
    """A helpdesk GET/POST that waits out 429 (Retry-After) and 5xx a few times, then gives up with PollError."""
    for attempt in range(attempts):
        try:
            resp = client.request(method, url, **kw)
        except httpx.TransportError as exc:
            if attempt == attempts - 1:
                raise PollError(f"{url}: unreachable: {exc}") from exc
            sleep(min(2.0**attempt, max_wait_s))
            continue
        if resp.status_code == 429 or resp.status_code >= 500:
            if attempt == attempts - 1:
                raise PollError(f"{method} {url} answered {resp.status_code} {attempts} times")
            wait = retry_after(resp)
            sleep(min(wait if wait is not None else 2.0**attempt, max_wait_s))
            continue
        if resp.status_code >= 400:
            raise PollError(f"{method} {url} answered {resp.status_code}: {resp.text[:300]}")
        return resp.json()
    raise PollError(f"{method} {url}: no answer")  # pragma: no cover - the loop always returns or raises


def run(poller: Poller, *, interval_s: float, once: bool, stop: threading.Event | None = None, echo: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Poll every `interval_s` until stopped; with `once`, a single pass whose errors propagate."""
    stop = stop or threading.Event()
    while True:
        try:
            out = poller.poll_once()
            if echo:
                echo({"poller": poller.name, **out.as_dict()})
        except PollError:
            if once:
                raise
            log.exception("poll pass failed; trying again in %.0fs", interval_s, extra={"poller": poller.name})
        if once or stop.wait(interval_s):
            return
