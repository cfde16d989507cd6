"""Conversation state in Redis: how often a customer raised a topic, and whether a human owns the thread."""

from __future__ import annotations

import redis

from worker import keys
from worker.models import TicketResult
from worker.text import content_tokens


def topic_of(state: TicketResult) -> str:
    """A topic key that survives rewording: the article that answers it, else the intent and key words."""
    if state.chunks:
        return f"doc:{state.chunks[0].doc_id}"
    intent = state.classification.intent if state.classification else "unknown"
    words = sorted(set(content_tokens(state.ticket.text)), key=len, reverse=True)[:2]
    return f"{intent}:{'-'.join(sorted(words))}"


def record_topic(r: redis.Redis, customer_id: str, topic: str, ticket_id: str, ttl_s: int) -> int:
    """Count the distinct tickets in which this customer raised this topic (idempotent per ticket)."""
    key = keys.topic_key(customer_id, topic)
    pipe = r.pipeline()
    pipe.sadd(key, ticket_id)
    pipe.expire(key, ttl_s)
    pipe.scard(key)
    return int(pipe.execute()[2])


def mark_human_owner(r: redis.Redis, source: str, thread_id: str, agent: str, ttl_s: int) -> None:
    """Record that an agent acted on this thread: from now on the bot only drafts."""
    key = keys.conversation_key(source, thread_id)
    r.hset(key, mapping={"owner": "human", "agent": agent})
    r.expire(key, ttl_s)


def human_owns(r: redis.Redis, source: str, thread_id: str) -> bool:
    """Whether an agent has taken this thread."""
    return r.hget(keys.conversation_key(source, thread_id), "owner") in (b"human", "human")
