"""Outcomes learned after a result was published: reopened tickets and reviewers' verdicts.

A reopen (the customer wrote again on a thread the bot solved, within `reopen_window_s`) counts
against resolution, so the resolution rate cannot be flattered by customers who gave up. A share
(`review_share`, default 5%) of auto-replied tickets is sampled for a person to check; the sample is
a hash of the ticket id, so a redelivered result is sampled the same way and queued once.

Keys (all built here):
  ticketflow:reopened           SET   source:id of reopened tickets
  ticketflow:reopened:at        ZSET  source:id -> when the reopen was recorded (epoch s)
  ticketflow:review:queue       ZSET  results-stream entry id -> entry time (epoch s); pending reviews
  ticketflow:review:verdicts    HASH  source:id -> Review JSON (one verdict; a re-grade replaces it)
  ticketflow:review:changes     LIST  {"previous": Review, "new": Review} for every re-grade, oldest first

A verdict is given once: a second one is refused (`VerdictExists`) unless it is an explicit
re-grade, which is stored with the verdict it replaces.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any, Literal, cast

import redis
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from worker import clock, keys

REOPENED_SET = keys.REOPENED_SET
REOPENED_AT = keys.REOPENED_AT
REVIEW_QUEUE = keys.REVIEW_QUEUE
REVIEWS = keys.REVIEWS
REVIEW_CHANGES = keys.REVIEW_CHANGES
MAX_NOTE_CHARS = 2000

Verdict = Literal["correct", "incorrect"]


class OutcomeSettings(BaseSettings):
    """The two knobs of this module (`TICKETFLOW_REVIEW_SHARE`, `TICKETFLOW_REOPEN_WINDOW_S`)."""

    model_config = SettingsConfigDict(env_prefix="TICKETFLOW_", env_file=".env", extra="ignore")

    review_share: float = Field(default=0.05, ge=0.0, le=1.0)
    reopen_window_s: float = Field(default=7 * 24 * 3600, gt=0)


class Review(BaseModel):
    """A person's verdict on one auto-replied ticket."""

    uid: str
    entry_id: str
    verdict: Verdict
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)
    reviewer: str = Field(default="", max_length=200)
    at: float


def entry_time(entry_id: str) -> float:
    """When a stream entry was added (its id is `<milliseconds>-<seq>`), in epoch seconds."""
    return int(entry_id.split("-", 1)[0]) / 1000.0


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


# ---- reopens -----------------------------------------------------------------------------------


def record_reopen(r: redis.Redis, source: str, ticket_id: str, *, window_s: float | None = None, now: float | None = None) -> bool:
    """Record that the customer reopened ticket `source:ticket_id` after the bot solved it (idempotent).

    When the ticket's result is still known and it was published longer than the reopen window
    ago, the customer's new message is a new question, not a reopen: nothing is recorded.
    Returns whether the reopen counts.
    """
    uid = f"{source}:{ticket_id}"
    window = OutcomeSettings().reopen_window_s if window_s is None else window_s
    at = clock.now() if now is None else now
    entry = r.get(keys.published_key(uid))
    if entry is not None and _text(entry) != "pending" and "-" in _text(entry) and at - entry_time(_text(entry)) > window:
        return False
    pipe = r.pipeline(transaction=True)
    pipe.sadd(REOPENED_SET, uid)
    pipe.zadd(REOPENED_AT, {uid: at}, nx=True)
    pipe.execute()
    return True


def reopened(r: redis.Redis) -> dict[str, float]:
    """Every reopened ticket: `source:id` -> when it was reopened."""
    members = {_text(m) for m in cast(set[Any], r.smembers(REOPENED_SET))}
    times = {_text(m): float(s) for m, s in cast(list[Any], r.zrange(REOPENED_AT, 0, -1, withscores=True))}
    return {uid: times.get(uid, 0.0) for uid in members}


# ---- review sample -----------------------------------------------------------------------------


def sampled_for_review(uid: str, share: float) -> bool:
    """Whether a ticket falls in the review sample: a stable hash of its id below `share`."""
    if share <= 0:
        return False
    digest = hashlib.sha256(uid.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def review_candidates(entries: Iterable[tuple[str, dict[str, Any]]], share: float) -> dict[str, float]:
    """Stream entries (id, result) that go to the review queue: sampled auto-replies, id -> time."""
    out: dict[str, float] = {}
    for eid, res in entries:
        if (res.get("decision") or {}).get("action") != "auto_reply":
            continue
        t = res.get("ticket") or {}
        if sampled_for_review(f"{t.get('source', 'api')}:{t.get('id', '')}", share):
            out[eid] = entry_time(eid)
    return out


def pending_reviews(r: redis.Redis, limit: int = 50) -> list[str]:
    """Stream entry ids waiting for a reviewer, oldest first."""
    return [_text(m) for m in cast(list[Any], r.zrange(REVIEW_QUEUE, 0, limit - 1))]


class VerdictExists(Exception):
    """The ticket has a verdict already; changing it is a re-grade."""

    def __init__(self, current: Review) -> None:
        super().__init__(f"{current.uid} was already reviewed ({current.verdict}, by {current.reviewer or 'someone'})")
        self.current = current


# Verdict, queue removal and (for a re-grade) the change record in one step; no verdict is overwritten unasked.
_RECORD_REVIEW = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old and ARGV[4] ~= '1' then return old end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[3])
if old then redis.call('RPUSH', KEYS[3], '{"previous":' .. old .. ',"new":' .. ARGV[2] .. '}') end
return false
"""


def record_review(
    r: redis.Redis, uid: str, entry_id: str, verdict: str, note: str = "", *, reviewer: str = "", now: float | None = None, regrade: bool = False
) -> Review:
    """Store a verdict and take the ticket off the queue; VerdictExists if it has one and this is no re-grade."""
    at = clock.now() if now is None else now
    review = Review(uid=uid, entry_id=entry_id, verdict=cast(Verdict, verdict), note=note.strip(), reviewer=reviewer, at=at)
    old = r.eval(_RECORD_REVIEW, 3, REVIEWS, REVIEW_QUEUE, REVIEW_CHANGES, uid, review.model_dump_json(), entry_id, "1" if regrade else "0")
    if old:
        raise VerdictExists(Review.model_validate_json(old))
    return review


def review_changes(r: redis.Redis) -> list[tuple[Review, Review]]:
    """Every re-grade, oldest first: (the verdict replaced, the new one)."""
    out: list[tuple[Review, Review]] = []
    for raw in cast(list[Any], r.lrange(REVIEW_CHANGES, 0, -1)):
        d = json.loads(raw)
        out.append((Review.model_validate(d["previous"]), Review.model_validate(d["new"])))
    return out


def reviews(r: redis.Redis) -> dict[str, Review]:
    """Every verdict, by `source:id`."""
    raw = cast(dict[Any, Any], r.hgetall(REVIEWS))
    return {_text(k): Review.model_validate(json.loads(v)) for k, v in raw.items()}
