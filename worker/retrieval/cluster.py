"""A worker follows the cluster's index version: it switches between tickets, without a restart.

`Follower.get()` is what `runtime.get_retriever()` returns when TICKETFLOW_INDEX_STORE is set. At most
every TICKETFLOW_INDEX_CHECK_S (and in a background thread at that pace) it reads the store's current version; a new one is downloaded into this
host's TICKETFLOW_INDEX_DIR (`cluster-{version}.npz`), loaded, and served from the next ticket on (a
ticket in flight keeps the Retriever it started with). Each check also tells Redis which version this
process serves, for `ticketflow index status`.

Nothing here stops a worker: a store that cannot be read, or a snapshot that will not load, keeps the
version being served (logged); before the first sync a worker serves its own local index, as without
a store.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import redis

from worker.errors import ConfigError
from worker.retrieval import index as ix
from worker.retrieval import snapshot
from worker.retrieval.dense import Encoder
from worker.retrieval.retriever import Retriever
from worker.retrieval.sync import status

log = logging.getLogger("ticketflow.retrieve")


class Follower:
    """The Retriever of the cluster's current version, re-checked every `check_s` seconds."""

    def __init__(
        self, store: snapshot.Store, r: redis.Redis, index_dir: Path, *, check_s: float, fallback: Callable[[], Retriever],
        encoder: Encoder | None = None, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.r, self.index_dir = store, r, index_dir
        self.check_s, self.fallback, self.encoder, self.clock = check_s, fallback, encoder, clock
        self.current: Retriever | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def close(self) -> None:
        """End the background checks."""
        self._stop.set()

    def get(self) -> Retriever:
        """The retriever to answer the next ticket from."""
        with self._lock:
            if self.current is None or self.clock() - self._checked >= self.check_s:
                self._checked = self.clock()
                self.current = self._refresh(self.current)
            return self.current

    def follow(self) -> threading.Thread:
        """Check in the background too, so a new version is loaded before the next ticket asks and the
        heartbeat goes on while no ticket comes (a daemon thread; `close` ends it)."""
        stop = self._stop

        def loop() -> None:
            while not stop.wait(max(self.check_s, 0.05)):
                try:
                    self.get()
                except Exception:  # never let the follower thread die on one bad check
                    log.exception("index version check failed; will try again")

        thread = threading.Thread(target=loop, name="ticketflow-index-follower", daemon=True)
        thread.start()
        return thread

    def _refresh(self, current: Retriever | None) -> Retriever:
        try:
            meta = self.store.current()
        except (redis.RedisError, OSError, ValueError) as exc:
            log.warning("index store unreadable (%s); serving %s", exc, current.version if current else "the local index")
            return current or self.fallback()
        if meta is None:
            chosen = current or self.fallback()
        elif current is not None and current.version == meta["version"]:
            chosen = current
        else:
            chosen = self._load(str(meta["version"])) or current or self.fallback()
        with contextlib.suppress(redis.RedisError):  # the heartbeat is for the operator; the ticket does not wait on it
            status.record_served(self.r, chosen.version)
        return chosen

    def _load(self, version: str) -> Retriever | None:
        path = self.index_dir / f"cluster-{version}.npz"
        try:
            if path.exists():
                index = ix.load(path, self.encoder)
            else:
                data = self.store.index_bytes(version)
                if data is None:
                    log.warning("index version %s is current but its snapshot is gone; keeping the one served", version)
                    return None
                index = snapshot.from_bytes(data, path, self.encoder)
        except (ConfigError, redis.RedisError, OSError) as exc:
            log.error("could not load index version %s (%s); keeping the one served", version, exc)
            return None
        for old in self.index_dir.glob("cluster-*.npz"):  # this host's copies of versions no longer served
            if old != path:
                old.unlink(missing_ok=True)
        log.info("serving help-centre index version %s (%d chunks)", version, len(index.passages))
        return Retriever(index, path, True, version=version)
