"""One index version for the whole cluster: a sync publishes the built index, every worker loads it.

    Store           publish(index, state, meta) -> version; current(); index_bytes(version); state(version)
    RedisStore      TICKETFLOW_INDEX_STORE=redis: the versions live in the Redis at REDIS_URL
    FolderStore     TICKETFLOW_INDEX_STORE=/shared/path: a folder every host mounts (NFS, a volume)
    to_bytes / from_bytes   an Index as the `.npz` bytes worker/retrieval/index.py writes

A version is `{seq}-{fingerprint[:8]}`: a counter the store hands out (so versions order) and the
help centre's fingerprint (so two hosts can tell the content apart at a glance). Publishing writes the
snapshot and its state first and moves `current` last, so a reader never sees a version whose
bytes are missing; the newest `keep` versions stay, so a worker halfway through a download of the
previous one still finds it.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol, cast

import redis

from worker import keys
from worker.errors import ConfigError
from worker.retrieval import index as ix
from worker.retrieval.dense import Encoder
from worker.settings import Settings


def to_bytes(index: ix.Index) -> bytes:
    """The index as `.npz` bytes (the same format as an index file)."""
    with tempfile.TemporaryDirectory(prefix="ticketflow-snap-") as tmp:
        path = Path(tmp) / "index.npz"
        ix.save(index, path)
        return path.read_bytes()


def write_local(data: bytes, path: Path) -> None:
    """Write snapshot bytes to this host's index folder atomically (readers see the whole file or none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def from_bytes(data: bytes, path: Path, encoder: Encoder | None = None) -> ix.Index:
    """Write the bytes to `path` (this host's copy) and load the index from it."""
    write_local(data, path)
    return ix.load(path, encoder)


def version_name(seq: int, fingerprint: str) -> str:
    """`7-3fa2b1c0`: the store's counter and the content's fingerprint."""
    return f"{seq}-{fingerprint[:8]}"


class Store(Protocol):
    """Where the cluster's index versions live."""

    name: str

    def publish(self, data: bytes, state: dict[str, Any], meta: dict[str, Any]) -> str:
        """Store a new version and make it current; returns its name (meta gains `version` and `seq`)."""

    def current(self) -> dict[str, Any] | None:
        """The meta of the version every worker should serve, or None before the first publish."""

    def index_bytes(self, version: str) -> bytes | None:
        """The snapshot of `version` (None once it was pruned)."""

    def state(self, version: str) -> dict[str, Any]:
        """The sync state `version` was built from ({} for none)."""

    def save_state(self, version: str, state: dict[str, Any], meta: dict[str, Any]) -> None:
        """Replace the state (and meta) of the current version: the content did not change, the cursors did."""


class RedisStore:
    """Versions in Redis: the snapshot bytes, the state JSON, and `current`."""

    name = "redis"

    def __init__(self, r: redis.Redis, keep: int = 3) -> None:
        self.r = r
        self.keep = max(keep, 1)

    def publish(self, data: bytes, state: dict[str, Any], meta: dict[str, Any]) -> str:
        """Snapshot and state first, `current` last (one MULTI), then prune past `keep`."""
        seq = int(cast(int, self.r.incr(keys.INDEX_SEQ)))
        version = version_name(seq, str(meta.get("fingerprint", "")))
        meta = {**meta, "version": version, "seq": seq}
        pipe = self.r.pipeline(transaction=True)
        pipe.set(keys.index_snapshot_key(version), data)
        pipe.set(keys.index_state_key(version), json.dumps(state))
        pipe.set(keys.INDEX_CURRENT, json.dumps(meta))
        pipe.lpush(keys.INDEX_VERSIONS, version)
        pipe.execute()
        for old in cast(list[bytes], self.r.lrange(keys.INDEX_VERSIONS, self.keep, -1)):
            name = old.decode()
            self.r.delete(keys.index_snapshot_key(name), keys.index_state_key(name))
        self.r.ltrim(keys.INDEX_VERSIONS, 0, self.keep - 1)
        return version

    def current(self) -> dict[str, Any] | None:
        """The current meta."""
        raw = self.r.get(keys.INDEX_CURRENT)
        return dict(json.loads(cast(bytes, raw))) if raw else None

    def index_bytes(self, version: str) -> bytes | None:
        """The snapshot bytes."""
        return cast(bytes | None, self.r.get(keys.index_snapshot_key(version)))

    def state(self, version: str) -> dict[str, Any]:
        """The state JSON."""
        raw = self.r.get(keys.index_state_key(version))
        return dict(json.loads(cast(bytes, raw))) if raw else {}

    def save_state(self, version: str, state: dict[str, Any], meta: dict[str, Any]) -> None:
        """Only while `version` is still current (WATCH): a concurrent publish wins."""
        with self.r.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(keys.INDEX_CURRENT)
                now = pipe.get(keys.INDEX_CURRENT)
                if not now or json.loads(cast(bytes, now)).get("version") != version:
                    return
                pipe.multi()
                pipe.set(keys.index_state_key(version), json.dumps(state))
                pipe.set(keys.INDEX_CURRENT, json.dumps(meta))
                pipe.execute()
            except redis.WatchError:
                return


class FolderStore:
    """Versions in a shared folder: `{version}.npz`, `{version}.state.json`, `current.json` (renamed into place)."""

    name = "folder"

    def __init__(self, root: Path, keep: int = 3) -> None:
        self.root = root
        self.keep = max(keep, 1)

    def _write(self, name: str, data: bytes) -> None:
        write_local(data, self.root / name)

    def publish(self, data: bytes, state: dict[str, Any], meta: dict[str, Any]) -> str:
        """Under a lock file: the next counter, the files, `current.json` last, then prune."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            seqs = [int(p.name.split("-", 1)[0]) for p in self.root.glob("*.npz") if p.name.split("-", 1)[0].isdigit()]
            cur = self.current()
            seq = max([*seqs, int(cur["seq"]) if cur else 0]) + 1
            version = version_name(seq, str(meta.get("fingerprint", "")))
            meta = {**meta, "version": version, "seq": seq}
            self._write(f"{version}.npz", data)
            self._write(f"{version}.state.json", json.dumps(state).encode())
            self._write("current.json", json.dumps(meta).encode())
            kept = sorted(self.root.glob("*.npz"), key=lambda p: int(p.name.split("-", 1)[0]) if p.name.split("-", 1)[0].isdigit() else 0)
            for old in kept[: -self.keep]:
                old.unlink(missing_ok=True)
                (self.root / f"{old.stem}.state.json").unlink(missing_ok=True)
        return version

    def current(self) -> dict[str, Any] | None:
        """`current.json`."""
        try:
            return dict(json.loads((self.root / "current.json").read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None

    def index_bytes(self, version: str) -> bytes | None:
        """`{version}.npz`."""
        try:
            return (self.root / f"{version}.npz").read_bytes()
        except FileNotFoundError:
            return None

    def state(self, version: str) -> dict[str, Any]:
        """`{version}.state.json`."""
        try:
            return dict(json.loads((self.root / f"{version}.state.json").read_text(encoding="utf-8")))
        except FileNotFoundError:
            return {}

    def save_state(self, version: str, state: dict[str, Any], meta: dict[str, Any]) -> None:
        """Under the lock, only while `version` is current."""
        with open(self.root / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            cur = self.current()
            if cur and cur.get("version") == version:
                self._write(f"{version}.state.json", json.dumps(state).encode())
                self._write("current.json", json.dumps(meta).encode())


def store_from(settings: Settings, r: redis.Redis | None = None) -> Store | None:
    """The configured store (TICKETFLOW_INDEX_STORE), or None when each host indexes its own source."""
    spec = settings.index_store.strip()
    if not spec:
        return None
    if spec == "redis":
        return RedisStore(r or redis.Redis.from_url(settings.redis_url), settings.index_keep_versions)
    path = Path(spec.removeprefix("file://"))
    if not path.is_absolute():
        raise ConfigError(f"TICKETFLOW_INDEX_STORE must be 'redis' or an absolute folder path, got {spec!r}")
    return FolderStore(path, settings.index_keep_versions)
