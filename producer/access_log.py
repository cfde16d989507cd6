"""One access line per HTTP request of the ingestion API: method, path, status, milliseconds.

No body, no query string (a token may ride in it), no header: nothing a customer wrote or a key. The
line goes through worker/logs.py like every other (JSON or text, redacted). A request that raises
before answering is logged as 500 here; what the client receives then is uvicorn's to say.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from producer.api import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("ticketflow.access")


def access_fields(method: str, path: str, status: int, seconds: float) -> dict[str, Any]:
    """The fields of one access line."""
    return {"method": method, "path": path, "status": status, "ms": round(seconds * 1000, 1)}


class AccessLog:
    """ASGI middleware: logs each HTTP request once it has been answered (a stream, once it ends)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message.get("type") == "http.response.start":
                status = int(message.get("status", 500))
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            f = access_fields(str(scope.get("method", "")), str(scope.get("path", "")), status, time.perf_counter() - start)
            log.info("%s %s %d %.1f ms", f["method"], f["path"], f["status"], f["ms"], extra={"event": "access", **f})
