"""Outcomes learned after a result was published (owned by operations, issue 8).

Created by the helpdesk engineer with only what write-back needs: customers who reopened a ticket
the bot had solved, so the resolution rate cannot be flattered by them.
"""

from __future__ import annotations

import redis

from worker import keys

REOPENED_SET = f"{keys.PREFIX}:reopened"


def record_reopen(r: redis.Redis, source: str, ticket_id: str) -> None:
    """Record that the customer reopened ticket `source:ticket_id` after the bot solved it (idempotent)."""
    r.sadd(REOPENED_SET, f"{source}:{ticket_id}")
