"""What a helpdesk told us, as three kinds of event, and what each does: the same for webhooks and pollers.

  NewMessage   a customer wrote          -> enqueue (deduped by (source, id)); a reopen if the bot had closed it
  AgentActed   an agent replied/took it  -> the thread belongs to a human from now on
  Reopened     the helpdesk reopened a thread the bot solved -> recorded against resolution
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import redis

from producer.enqueue import Enqueuer
from worker import keys
from worker.models import Ticket
from worker.settings import Settings
from worker.sinks.helpdesk import closed_key
from worker.state import conversation
from worker.state.outcomes import record_reopen


@dataclass(frozen=True)
class NewMessage:
    """A customer message to answer."""

    ticket: Ticket


@dataclass(frozen=True)
class AgentActed:
    """A human agent replied to, was assigned, or took a thread."""

    source: str
    thread_id: str
    agent: str


@dataclass(frozen=True)
class Reopened:
    """The helpdesk reports a thread reopened after being solved."""

    source: str
    thread_id: str


HelpdeskEvent = NewMessage | AgentActed | Reopened


@dataclass
class Applied:
    """What applying a batch of events did."""

    enqueued: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    human_owned: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON for the webhook's answer and the poller's log line."""
        return {"enqueued": self.enqueued, "duplicates": self.duplicates, "human_owned": self.human_owned, "reopened": self.reopened}


def apply(events: list[HelpdeskEvent], r: redis.Redis, settings: Settings, enqueuer: Enqueuer) -> Applied:
    """Act on events in order: owner changes first land before any message enqueued after them."""
    out = Applied()
    for ev in events:
        if isinstance(ev, AgentActed):
            conversation.mark_human_owner(r, ev.source, ev.thread_id, ev.agent, settings.conversation_ttl_s)
            out.human_owned.append(f"{ev.source}:{ev.thread_id}")
        elif isinstance(ev, Reopened):
            if _bot_closed(r, ev.source, ev.thread_id):
                out.reopened.append(f"{ev.source}:{ev.thread_id}")
        else:
            t = ev.ticket
            if _bot_closed(r, t.source, t.thread_id):
                out.reopened.append(f"{t.source}:{t.thread_id}")
            res = enqueuer.enqueue(t)
            (out.enqueued if res.accepted else out.duplicates).append(res.uid)
    return out


def _bot_closed(r: redis.Redis, source: str, thread_id: str) -> bool:
    """Whether the bot solved this thread; if so, record the reopen against the ticket it answered (once)."""
    uid = r.getdel(closed_key(source, thread_id))
    if uid is None:
        return False
    text = uid.decode() if isinstance(uid, bytes) else str(uid)
    prefix = f"{source}:"
    counted = record_reopen(r, source, text[len(prefix):] if text.startswith(prefix) else text)
    return counted is not False  # outside the reopen window it is a new question, not a reopen


def delivery_key(source: str, delivery_id: str) -> str:
    """Marks a webhook delivery as handled, so a redelivery is dropped."""
    return keys.webhook_key(source, delivery_id)


_HANDLING = b"handling"
# Drop the claim only if it is still ours (a handler that outlived its hold must not free a later one's).
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


def claim(r: redis.Redis, source: str, delivery_id: str, hold_s: int = 60) -> Literal["claimed", "done", "handling"]:
    """Take a delivery for handling, atomically: `claimed` (yours now), `done` (handled before) or
    `handling` (another request is on it now: answer 409 so the helpdesk retries it later)."""
    key = delivery_key(source, delivery_id)
    for _ in range(3):
        if r.set(key, _HANDLING, nx=True, ex=hold_s):
            return "claimed"
        held = r.get(key)
        if held is not None:
            return "handling" if held == _HANDLING else "done"
        # released (a failed handler) or expired between the two calls: try to take it again
    return "handling"


def release(r: redis.Redis, source: str, delivery_id: str) -> None:
    """Give a claim back after the handling failed, so the helpdesk's retry is handled in full."""
    r.eval(_RELEASE, 1, delivery_key(source, delivery_id), _HANDLING)


def mark_seen(r: redis.Redis, source: str, delivery_id: str, ttl_s: int) -> None:
    """Remember a handled delivery (only after it was handled, so a failed one can be retried)."""
    r.set(delivery_key(source, delivery_id), "1", ex=ttl_s)
