"""Running the ingestion API under uvicorn, audibly: the start-up facts, where it listens, one
access line per request (producer/access_log.py) and a line when it stops.

uvicorn's own loggers stay at WARNING (its access log would repeat ours, with the query string).
uvicorn installs no log handler of its own (`log_config=None`): its lines, the traceback of a 500
among them, reach the root logger, i.e. the redacting JSON handler of worker/logs.py, while the
client gets the API's JSON 500 (producer/api.py), never traceback text.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import uvicorn

from producer.access_log import AccessLog
from worker.oplog import log_startup
from worker.settings import Settings

log = logging.getLogger("ticketflow.api")
UVICORN_OPTIONS: dict[str, Any] = {"log_level": "warning", "log_config": None}


def bound_addresses(server: uvicorn.Server) -> list[str]:
    """The `http://host:port` each listening socket of a started server is bound to."""
    out = []
    for srv in getattr(server, "servers", []) or []:
        for sock in getattr(srv, "sockets", []) or []:
            host, port = sock.getsockname()[:2]
            out.append(f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}")
    return out


class AudibleServer(uvicorn.Server):
    """A uvicorn server that says where it listens once it does, and when it has stopped."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            addresses = bound_addresses(self) or [f"http://{self.config.host}:{self.config.port}"]
            log.info("listening on %s", ", ".join(addresses), extra={"event": "listening", "addresses": ",".join(addresses)})

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets=sockets)
        log.info("stopped", extra={"event": "stopped"})


def with_access_log(app: Any) -> AccessLog:
    """`app` wrapped so each request it answers is logged once."""
    return AccessLog(app)


def serve(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    """Log what the API talks to, then serve until stopped (several processes when `workers` > 1)."""
    log_startup("ingestion API starting", settings, listen=f"http://{host}:{port}", processes=workers)
    if workers > 1:
        # uvicorn needs an import string to fork workers; the factory reads the same environment.
        log.info("listening on http://%s:%d (%d processes)", host, port, workers, extra={"event": "listening"})
        uvicorn.run("console.cli.ingest:app_from_env", factory=True, host=host, port=port, workers=workers, **UVICORN_OPTIONS)
        log.info("stopped", extra={"event": "stopped"})
        return
    from producer.api import create_app

    config = uvicorn.Config(with_access_log(create_app(settings)), host=host, port=port, **UVICORN_OPTIONS)
    AudibleServer(config).run()
