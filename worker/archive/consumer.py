"""The archiver: a consumer group on the results stream that writes every entry to the archive, then trims the stream.

Each step archives, in order: this consumer's own unacknowledged entries (a write that failed last
time), entries another archiver took and left unacknowledged for `claim_idle_s` (it died), then new
entries. An entry is acknowledged only after its transaction committed, so a database outage or a
killed archiver leaves it pending, never lost; the writer's ON CONFLICT makes a second write a no-op.

Trimming keeps `keep_s` of history in Redis and never removes an entry the group has not archived:
the cut is the oldest of the age limit, the oldest pending entry and the first entry not yet delivered.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, cast

import redis
from sqlalchemy import Engine

from worker import clock
from worker.archive import schema, writer
from worker.archive.rows import Privacy
from worker.logs import secret_values
from worker.settings import Settings
from worker.state import outcomes

log = logging.getLogger("ticketflow.archive")
GROUP = "ticketflow-archive"
BATCH = 500
OUTCOMES_EVERY_S = 30.0


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _entries(raw: Any) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """Stream entries as (id, result) and every id (trimmed or empty entries included, so they are acknowledged too)."""
    import json

    out: list[tuple[str, dict[str, Any]]] = []
    ids: list[str] = []
    for eid, data in raw or []:
        ids.append(_text(eid))
        body = (data or {}).get(b"json") or (data or {}).get("json")
        if body is not None:
            out.append((_text(eid), json.loads(body)))
    return out, ids


def _next_id(eid: str) -> str:
    ms, _, seq = eid.partition("-")
    return f"{ms}-{int(seq or 0) + 1}"


def _older(a: str, b: str) -> str:
    return min(a, b, key=lambda e: tuple(int(x) for x in e.split("-")))


def privacy_of(settings: Settings) -> Privacy:
    """The archive's privacy choices from the settings."""
    return Privacy(message=settings.archive_message, reply=settings.archive_reply, secrets=tuple(secret_values(settings)))


@dataclass
class Archiver:
    """One member of the archive consumer group."""

    r: redis.Redis
    engine: Engine
    stream: str
    privacy: Privacy
    consumer: str
    claim_idle_s: float = 60.0
    keep_s: float = 7 * 24 * 3600
    batch: int = BATCH
    _outcomes_at: float = 0.0

    @classmethod
    def from_settings(cls, r: redis.Redis, engine: Engine, settings: Settings, consumer: str | None = None) -> Archiver:
        """An archiver configured by `settings`, named after this host and process unless told."""
        return cls(
            r, engine, settings.results_stream, privacy_of(settings), consumer or f"{socket.gethostname()}-{os.getpid()}",
            claim_idle_s=settings.archive_claim_idle_s, keep_s=settings.results_keep_s,
        )

    def ensure_group(self) -> None:
        """Create the consumer group at the stream's start (everything still in Redis gets archived)."""
        try:
            self.r.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _take(self, block_ms: int) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
        mine = cast(list[Any], self.r.xreadgroup(GROUP, self.consumer, {self.stream: "0"}, count=self.batch))
        if mine and mine[0][1]:
            return _entries(mine[0][1])
        claimed = cast(list[Any], self.r.xautoclaim(self.stream, GROUP, self.consumer, int(self.claim_idle_s * 1000), "0-0", count=self.batch))
        if claimed and claimed[1]:
            got, ids = _entries(claimed[1])
            return got, ids + [_text(d) for d in (claimed[2] if len(claimed) > 2 else [])]  # deleted while pending
        new = cast(list[Any], self.r.xreadgroup(GROUP, self.consumer, {self.stream: ">"}, count=self.batch, block=block_ms or None))
        return _entries(new[0][1]) if new else ([], [])

    def step(self, block_ms: int = 0) -> int:
        """Archive one batch and acknowledge it; returns how many entries it handled."""
        got, ids = self._take(block_ms)
        if got:
            new = writer.write_results(self.engine, got, self.privacy)
            log.debug("archived %d results (%d new)", len(got), new)
        if ids:
            self.r.xack(self.stream, GROUP, *ids)
        return len(ids)

    def sync_outcomes(self) -> None:
        """Copy reviewers' verdicts and reopens from Redis (both upserts, so repeating is harmless)."""
        writer.write_reviews(self.engine, outcomes.reviews(self.r).values())
        writer.write_reopens(self.engine, outcomes.reopened(self.r))
        self._outcomes_at = clock.monotonic()

    def trim(self, now: float) -> int:
        """Drop stream entries older than the window that the group has archived; returns entries removed."""
        if self.keep_s <= 0:
            return 0
        cut = f"{int((now - self.keep_s) * 1000)}-0"
        for g in cast(list[dict[str, Any]], self.r.xinfo_groups(self.stream)):
            if _text(g.get("name")) == GROUP:
                cut = _older(cut, _next_id(_text(g.get("last-delivered-id") or "0-0")))
        pending = cast(dict[str, Any], self.r.xpending(self.stream, GROUP))
        if pending and pending.get("pending") and pending.get("min"):
            cut = _older(cut, _text(pending["min"]))
        return int(cast(int, self.r.xtrim(self.stream, minid=cut, approximate=False)))

    def drain(self, *, max_steps: int | None = None) -> int:
        """Archive until the group is caught up (burst mode: `--once`, tests, the end of a demo); returns entries handled."""
        self.ensure_group()
        total = steps = 0
        while max_steps is None or steps < max_steps:
            n = self.step()
            total += n
            steps += 1
            if n == 0:
                break
        self.sync_outcomes()
        self.trim(clock.now())
        return total

    def run(self, stop: threading.Event, *, block_ms: int = 2000, error_pause_s: float = 5.0) -> None:
        """Archive until `stop` is set; a database or Redis outage pauses and retries, the entries wait in the stream."""
        migrated = False
        while not stop.is_set():
            try:
                if not migrated:
                    schema.migrate(self.engine)
                    migrated = True
                self.ensure_group()
                n = self.step(block_ms)
                if n == 0 or clock.monotonic() - self._outcomes_at > OUTCOMES_EVERY_S:
                    self.sync_outcomes()
                    self.trim(clock.now())
            except Exception:
                log.exception("archive step failed; the entries stay in the stream, retrying in %.0fs", error_pause_s)
                stop.wait(error_pause_s)


def start_in_background(r: redis.Redis, settings: Settings) -> threading.Event | None:
    """Run an archiver on a daemon thread when an archive is configured; returns the event that stops it."""
    engine = schema.archive_engine(settings)
    if engine is None:
        return None
    stop = threading.Event()
    archiver = Archiver.from_settings(r, engine, settings)
    threading.Thread(target=archiver.run, args=(stop,), name="ticketflow-archiver", daemon=True).start()
    return stop


def wait_until_archived(r: redis.Redis, stream: str, timeout_s: float = 30.0) -> bool:
    """Whether the group delivered and acknowledged everything in the stream within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        last = cast(list[Any], r.xrevrange(stream, count=1))
        groups = {_text(g["name"]): g for g in cast(list[dict[str, Any]], r.xinfo_groups(stream))} if r.exists(stream) else {}
        g = groups.get(GROUP)
        if not last or (g and _text(g.get("last-delivered-id")) == _text(last[0][0]) and int(g.get("pending") or 0) == 0):
            return True
        time.sleep(0.2)
    return False
