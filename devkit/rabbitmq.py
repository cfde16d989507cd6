"""A RabbitMQ node of our own: started, killed and restarted by the tests and benchmarks, never a shared one.

Debian's `rabbitmq-server` runs a node out of environment variables, so a node of our own needs no
root and touches nothing of the system's: its own node name, AMQP port, Erlang distribution port and
port mapper (epmd) port, its own config, cookie (HOME), data (`RABBITMQ_MNESIA_BASE`) and logs, and
no plugins (the management plugin stays off). `kill()` SIGKILLs the node's process group (no clean
shutdown: the fault tests' broker restart), `start()` again brings it back on the same ports with the
same data, so durable queues and persistent messages come back with it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from worker.errors import ConfigError

# The package's own script (/usr/sbin/rabbitmq-server is a wrapper that switches to the `rabbitmq`
# user and writes to /var/log): the real one runs as whoever starts it, with our environment.
_SERVER = ("/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/sbin/rabbitmq-server")
_CTL = ("/usr/lib/rabbitmq/bin/rabbitmqctl", "/usr/sbin/rabbitmqctl")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _find(candidates: tuple[str, ...], name: str) -> str | None:
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    return shutil.which(name)


def available() -> bool:
    """Whether a RabbitMQ server can be started here (Debian's `rabbitmq-server` package)."""
    return _find(_SERVER, "rabbitmq-server") is not None


def amqp_answers(url: str, timeout: float = 2.0) -> bool:
    """Whether an AMQP broker accepts a connection (login included) at `url`."""
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, timeout=max(int(timeout), 1))
            return True
    except Exception:
        return False


@dataclass
class RabbitNode:
    """One RabbitMQ node on free ports in a temporary folder; `kill()` / `start()` restart it on the same ports and data."""

    name: str = field(default_factory=lambda: f"ticketflow-{os.getpid()}-{time.time_ns() % 10**9}")
    port: int = 0
    dist_port: int = 0
    epmd_port: int = 0
    dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ticketflow-rabbitmq-")))
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its AMQP URL (guest/guest on the default vhost, allowed from 127.0.0.1)."""
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    @property
    def nodename(self) -> str:
        return f"{self.name}@localhost"

    def env(self) -> dict[str, str]:
        """The environment `rabbitmq-server` and `rabbitmqctl` need to find this node and nothing else."""
        return {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "HOME": str(self.dir),  # the Erlang cookie lives here
            "LANG": "C.UTF-8",
            "RABBITMQ_NODENAME": self.nodename,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_CONF_ENV_FILE": str(self.dir / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.dir / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_PID_FILE": str(self.dir / "node.pid"),
            "RABBITMQ_SERVER_ERL_ARGS": "+S 1:1 +A 4",  # one scheduler: the machine is shared
            "RABBITMQ_CTL_ERL_ARGS": "+S 1:1",
        }

    def _configure(self) -> None:
        self.port = self.port or _free_port()
        self.dist_port = self.dist_port or _free_port()
        self.epmd_port = self.epmd_port or _free_port()
        (self.dir / "log").mkdir(parents=True, exist_ok=True)
        (self.dir / "rabbitmq-env.conf").write_text("")
        (self.dir / "enabled_plugins").write_text("[].\n")
        (self.dir / "advanced.config").write_text("[].\n")
        (self.dir / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            "loopback_users.guest = true\n"
            "disk_free_limit.absolute = 50MB\n"
            "vm_memory_high_watermark.relative = 0.6\n"
            "log.console = false\nlog.file.level = warning\n"
        )

    def start(self, timeout: float = 90.0) -> RabbitNode:
        """Start the node (first time: fresh data; after `kill()`: the same data) and wait until AMQP answers."""
        server = _find(_SERVER, "rabbitmq-server")
        if server is None:
            raise ConfigError("rabbitmq-server is not installed (apt-get install rabbitmq-server)")
        self._configure()
        log = (self.dir / "log" / "server.out").open("ab")
        self.proc = subprocess.Popen([server], env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.dir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ConfigError(f"rabbitmq-server exited with {self.proc.returncode}; see {self.dir / 'log'}")
            if amqp_answers(self.url, 1.0):
                return self
            time.sleep(0.5)
        raise ConfigError(f"rabbitmq-server did not answer within {timeout:.0f} s; see {self.dir / 'log'}")

    def kill(self) -> None:
        """SIGKILL the node (its whole process group): no clean shutdown, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """Stop the node (SIGTERM, then SIGKILL), then the port mapper it started, then remove its data."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._stop_epmd()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _stop_epmd(self) -> None:
        # The node started an epmd daemon of its own on epmd_port (outside the node's process
        # group); `epmd -kill` on that port ends it, and only it.
        epmd = shutil.which("epmd") or "/usr/bin/epmd"
        if self.epmd_port and os.access(epmd, os.X_OK):
            subprocess.run([epmd, "-port", str(self.epmd_port), "-kill"], env=self.env(), capture_output=True, timeout=10, check=False)

    def ctl(self, *args: str, timeout: float = 60.0) -> str:
        """Run `rabbitmqctl` against this node; its standard output."""
        ctl = _find(_CTL, "rabbitmqctl")
        if ctl is None:
            raise ConfigError("rabbitmqctl is not installed")
        out = subprocess.run([ctl, "-n", self.nodename, *args], env=self.env(), capture_output=True, text=True, timeout=timeout, check=True)
        return out.stdout

    def queue_depths(self, vhost: str = "/") -> dict[str, tuple[int, int]]:
        """Every queue of `vhost`: (messages ready, messages delivered but not yet acknowledged)."""
        out = self.ctl("list_queues", "-p", vhost, "-q", "--no-table-headers", "name", "messages_ready", "messages_unacknowledged")
        depths: dict[str, tuple[int, int]] = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                depths[parts[0]] = (int(parts[1]), int(parts[2]))
        return depths

    def __enter__(self) -> RabbitNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
