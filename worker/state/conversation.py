"""Conversation state in Redis: per-customer turns and topic counts (with expiry), and who owns a thread.

Every write is idempotent per ticket id, because Celery may deliver the escalate task twice:
topic counts are sets of ticket ids, turns are a hash keyed by ticket id with a sorted index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis
from redis.client import Pipeline

from worker import keys
from worker.models import HUMAN_INTENTS, LAST_TURNS, Ticket, TicketResult, Turn
from worker.text import clean, content_tokens

ANONYMOUS = "anonymous"
CUSTOMER_TURNS = "customer_turns"  # ticket.metadata key: the customer's last turns from earlier tickets


def topic_of(state: TicketResult) -> str:
    """A topic key that survives rewording: the article that answers it, else the intent and key words.

    The top retrieved article is stable under paraphrase (the retriever maps "can't log in" and
    "sign-in fails" to the same help page). Billing, account and hand-off tickets skip retrieval;
    for them the intent is the topic (a customer's third billing ticket in a week is one dispute).
    Otherwise the two longest content words of the cleaned text, sorted, keep the key independent
    of word order, case and punctuation.
    """
    if state.chunks:
        return f"doc:{state.chunks[0].doc_id}"
    intent = state.classification.intent if state.classification else "unknown"
    if intent in HUMAN_INTENTS:
        return intent
    words = sorted(set(content_tokens(clean(state.ticket.text))), key=lambda w: (-len(w), w))[:2]
    return f"{intent}:{'-'.join(sorted(words))}"


class TopicCounter(Protocol):
    """Counts the distinct tickets in which a customer raised a topic."""

    def count(self, customer_id: str, topic: str, ticket_id: str) -> int:
        """Record `ticket_id` under the topic (idempotently) and return how many tickets raised it."""
        ...


def _queue_topic(pipe: Pipeline, customer_id: str, topic: str, ticket_id: str, ttl_s: int) -> None:
    """Three commands; the last answers how many distinct tickets raised the topic."""
    key = keys.topic_key(customer_id, topic)
    pipe.sadd(key, ticket_id)
    pipe.expire(key, ttl_s)
    pipe.scard(key)


def record_topic(r: redis.Redis, customer_id: str, topic: str, ticket_id: str, ttl_s: int) -> int:
    """Count the distinct tickets in which this customer raised this topic (idempotent per ticket)."""
    pipe = r.pipeline(transaction=False)  # idempotent per ticket: no MULTI/EXEC needed
    _queue_topic(pipe, customer_id, topic, ticket_id, ttl_s)
    return int(pipe.execute()[2])


@dataclass
class RedisTopics:
    """Topic counts in Redis, expiring `ttl_s` after the customer last raised the topic."""

    r: redis.Redis
    ttl_s: int

    def count(self, customer_id: str, topic: str, ticket_id: str) -> int:
        """See TopicCounter."""
        return record_topic(self.r, customer_id, topic, ticket_id, self.ttl_s)


@dataclass
class MemoryTopics:
    """Topic counts in a dict, for the in-process eval (same semantics, no expiry)."""

    seen: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def count(self, customer_id: str, topic: str, ticket_id: str) -> int:
        """See TopicCounter."""
        ids = self.seen.setdefault((customer_id, topic), set())
        ids.add(ticket_id)
        return len(ids)


def counts_topic(state: TicketResult) -> bool:
    """Whether the ticket's topic is counted: anonymous tickets are not (thousands of strangers share that
    id), nor a ticket with no classification to take a topic from."""
    return state.ticket.customer_id != ANONYMOUS and state.classification is not None


def topic_count(state: TicketResult, topics: TopicCounter) -> int:
    """How often this customer raised this ticket's topic, this ticket included (1 when `counts_topic` says no)."""
    if not counts_topic(state):
        return 1
    return topics.count(state.ticket.customer_id, topic_of(state), state.ticket.uid)


# --- turns -----------------------------------------------------------------------------------------
def _turns_key(source: str, customer_id: str) -> str:
    return keys.customer_turns_key(source, customer_id)


def record_turn(r: redis.Redis, ticket: Ticket, at: float, ttl_s: int, *, reply: str | None = None) -> None:
    """Store this ticket's message (and the bot's reply, if one went out) as the customer's latest turn.

    Keyed by ticket id, so a redelivered task overwrites rather than duplicates.
    """
    pipe = r.pipeline(transaction=False)  # idempotent per ticket: no MULTI/EXEC needed
    queue_turn(pipe, ticket, at, ttl_s, reply=reply)
    pipe.execute()


def queue_turn(pipe: Pipeline, ticket: Ticket, at: float, ttl_s: int, *, reply: str | None = None) -> None:
    """`record_turn`'s four commands, queued on `pipe` (escalate sends them with the result's publish)."""
    key = _turns_key(ticket.source, ticket.customer_id)
    entry = json.dumps({"ticket": ticket.uid, "text": ticket.message[:2000], "reply": (reply or "")[:2000]})
    pipe.hset(key, ticket.uid, entry)
    pipe.zadd(f"{key}:order", {ticket.uid: at})
    pipe.expire(key, ttl_s)
    pipe.expire(f"{key}:order", ttl_s)


def recent_turns(r: redis.Redis, source: str, customer_id: str, *, exclude: str = "", n: int = LAST_TURNS) -> list[Turn]:
    """The customer's last `n` stored turns, oldest first, as history for generation."""
    key = _turns_key(source, customer_id)
    uids = [u.decode() if isinstance(u, bytes) else str(u) for u in r.zrevrange(f"{key}:order", 0, n)]
    uids = [u for u in uids if u != exclude][:n]
    out: list[Turn] = []
    for raw in r.hmget(key, uids[::-1]) if uids else []:
        if raw is None:
            continue
        entry = json.loads(raw)
        out.append(Turn(role="customer", text=entry["text"]))
        if entry.get("reply"):
            out.append(Turn(role="bot", text=entry["reply"]))
    return out[-n:]


def _queue_thread(pipe: Pipeline, source: str, thread_id: str, ticket_uid: str, ttl_s: int) -> None:
    """Four commands: the thread's owner, then this ticket counted as a turn, then the turns so far."""
    conv = keys.conversation_key(source, thread_id)
    key = f"{conv}:turns"
    pipe.hget(conv, "owner")
    pipe.sadd(key, ticket_uid)
    pipe.expire(key, ttl_s)
    pipe.scard(key)


def _thread_answer(replies: list[Any]) -> tuple[bool, int]:
    owner, _added, _ttl, turns = replies
    return owner in (b"human", "human"), int(turns)


def thread_turn(r: redis.Redis, source: str, thread_id: str, ticket_uid: str, ttl_s: int) -> tuple[bool, int]:
    """Count this ticket as a turn of its thread (idempotent per ticket); return whether an agent owns
    the thread and the thread's turns so far. One round trip: it runs once per ticket."""
    pipe = r.pipeline(transaction=False)
    _queue_thread(pipe, source, thread_id, ticket_uid, ttl_s)
    return _thread_answer(pipe.execute())


def escalation_context(r: redis.Redis, state: TicketResult, ttl_s: int) -> tuple[int, bool, int]:
    """What escalate reads for every ticket, in one round trip: the topic count (as `topic_count`, not
    counted for a failed or unclassified ticket) and the thread's owner and turns (as `thread_turn`)."""
    pipe = r.pipeline(transaction=False)
    counted = state.failure is None and counts_topic(state)
    if counted:
        _queue_topic(pipe, state.ticket.customer_id, topic_of(state), state.ticket.uid, ttl_s)
    _queue_thread(pipe, state.ticket.source, state.ticket.thread_id, state.ticket.uid, ttl_s)
    replies = pipe.execute()
    owner, turns = _thread_answer(replies[-4:])
    return (int(replies[2]) if counted else 1), owner, turns


# --- ownership -------------------------------------------------------------------------------------
def mark_human_owner(r: redis.Redis, source: str, thread_id: str, agent: str, ttl_s: int) -> None:
    """Record that an agent acted on this thread: from now on the bot only drafts."""
    key = keys.conversation_key(source, thread_id)
    r.hset(key, mapping={"owner": "human", "agent": agent})
    r.expire(key, ttl_s)


def human_owns(r: redis.Redis, source: str, thread_id: str) -> bool:
    """Whether an agent has taken this thread."""
    return r.hget(keys.conversation_key(source, thread_id), "owner") in (b"human", "human")
