"""The ingestion API: tickets in (JSON or helpdesk webhooks), where each ticket is, and live events.

  POST /v1/tickets               a ticket as JSON -> 202 {id, uid, accepted}; a repeat enqueues nothing
  GET  /v1/tickets/{id}          queued / at which stage / done, with the decision, reply and citations
  GET  /v1/tickets/{id}/events   server-sent events: stages, reply deltas when streamed, the decision
  POST /webhooks/zendesk         signed Zendesk webhooks (HMAC-SHA256, timestamp in a replay window)
  POST /webhooks/intercom        signed Intercom notifications (X-Hub-Signature, HMAC-SHA1)
  GET  /healthz, /readyz         alive; Redis reachable and the help-centre index fresh (+ each provider's circuit breaker)

Every client error is a 4xx with a JSON body `{"error", "detail", "field"?}`; nothing half-parsed is
enqueued, and bodies above `api_max_body_bytes` are refused with 413 before they are read whole.
Anything unexpected is a 500 with the same JSON shape and no traceback; the traceback goes to the
redacting JSON log (worker/logs.py), as do uvicorn's own lines (`serve` runs it with `log_config=None`).

Tokens: `TICKETFLOW_API_TOKEN` writes tickets; `TICKETFLOW_API_READ_TOKEN`, when set, is the only one
that reads them (unset: the write token reads too). A read shows what the caller needs and nothing of
the customer's other tickets (producer/ticket_status.py `public_view`).
"""

from __future__ import annotations

import asyncio
import hmac
import importlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any, cast
from urllib.parse import quote

import redis
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from kombu.exceptions import OperationalError

from producer.enqueue import Enqueuer, metadata_limits, parse_ticket
from producer.ticket_status import TicketStatus, public_view, read_events, status_of
from producer.validation import is_reserved_source
from producer.webhooks import events as helpdesk_events
from producer.webhooks import intercom as intercom_hook
from producer.webhooks import zendesk as zendesk_hook
from producer.webhooks.signatures import SignatureInvalid, verify_intercom, verify_zendesk
from worker import clock
from worker.errors import TicketInvalid
from worker.providers.breaker import breaker_rows
from worker.settings import Settings
from worker.sinks.progress import EVENT_TYPES

log = logging.getLogger("ticketflow.api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """ASGI middleware: a request body above `limit` bytes is answered 413 and never reaches a route."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(send, self.limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _too_large(send, self.limit)
                return
            chunks.append(chunk)
            if not msg.get("more_body"):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    data = json.dumps({"error": "body_too_large", "detail": f"request body exceeds {limit} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


def _error(status: int, error: str, detail: str, field: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "detail": detail}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=headers)


def load_json(body: bytes) -> Any:
    """JSON from an untrusted body; TicketInvalid (-> 422) for anything that is not UTF-8 JSON."""
    if not body.strip():
        raise TicketInvalid("body: a JSON object is required, the body is empty", field="body")
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise TicketInvalid(f"body: not UTF-8 ({exc.reason} at byte {exc.start})", field="body") from exc
    except RecursionError as exc:
        raise TicketInvalid("body: JSON nested too deeply", field="body") from exc
    except ValueError as exc:
        raise TicketInvalid(f"body: not valid JSON: {exc}", field="body") from exc


def create_app(settings: Settings, *, r: redis.Redis | None = None, enqueuer: Enqueuer | None = None) -> FastAPI:
    """The API, on the Redis and settings given (one client per app, shared by every request)."""
    client = r or redis.Redis.from_url(settings.redis_url, health_check_interval=30)
    enq = enqueuer or Enqueuer(client, settings)
    app = FastAPI(title="ticketflow", version="0.1.0", docs_url="/docs", redoc_url=None)
    api_token = settings.api_token.get_secret_value() if settings.api_token else None
    read_token = settings.api_read_token.get_secret_value() if settings.api_read_token else api_token
    limits = metadata_limits(settings)

    @app.exception_handler(TicketInvalid)
    async def _invalid(_: Request, exc: TicketInvalid) -> JSONResponse:
        return _error(422, "invalid_ticket", str(exc), exc.field)

    @app.exception_handler(SignatureInvalid)
    async def _unsigned(_: Request, exc: SignatureInvalid) -> JSONResponse:
        return _error(401, "invalid_signature", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        err = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        return _error(422, "invalid_request", f"{field or 'request'}: {err.get('msg', 'invalid')}", field or None)

    @app.exception_handler(redis.RedisError)
    @app.exception_handler(OperationalError)
    async def _redis_down(_: Request, exc: Exception) -> JSONResponse:
        # Our outage, not the client's fault: 503 with a hint, so helpdesks redeliver later.
        log.error("queue unavailable: %s", exc)
        return _error(503, "unavailable", "the queue is unreachable; retry later", headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Starlette re-raises after this answer, so uvicorn logs the traceback through the JSON
        # logger; this line says which request it was. The client learns nothing of the code.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return _error(500, "internal", "the server failed on this request; it is in the server log")

    def _authorized(request: Request, token: str | None = api_token, name: str = "TICKETFLOW_API_TOKEN") -> JSONResponse | None:
        if token is None:
            return None
        got = request.headers.get("authorization", "")
        if not hmac.compare_digest(got.encode(), f"Bearer {token}".encode()):
            return _error(401, "unauthorized", f"a valid 'Authorization: Bearer <{name}>' header is required")
        return None

    def _may_read(request: Request) -> JSONResponse | None:
        return _authorized(request, read_token, "TICKETFLOW_API_READ_TOKEN" if settings.api_read_token else "TICKETFLOW_API_TOKEN")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Alive."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """Ready: Redis answers and the help-centre index is fresh."""
        from producer.ticket_status import index_check

        checks: dict[str, str] = {}
        try:
            client.ping()
            checks["redis"] = "ok"
        except redis.RedisError as exc:
            checks["redis"] = f"unreachable: {type(exc).__name__}"
        checks["index"] = index_check(settings)
        detail: dict[str, str] = {}
        if settings.index_store:  # the cluster's index: a failing sync is said, and the last good version still serves
            from worker.retrieval.sync import status as index_sync

            try:
                detail["index_sync"] = index_sync.sync_detail(client)
                meta = index_sync.current_meta(client) if settings.index_store == "redis" else None
                checks["index"] = "ok" if meta or settings.index_store != "redis" else "missing: no index version published (run `ticketflow index sync`)"
            except redis.RedisError as exc:
                detail["index_sync"] = f"unknown: {type(exc).__name__}"
        ok = all(v == "ok" for v in checks.values())
        body: dict[str, Any] = {"status": "ready" if ok else "not_ready", "checks": checks, **({"detail": detail} if detail else {})}
        if checks["redis"] == "ok":
            # Shown, not judged: with a breaker open tickets are still accepted (they wait, or run on the fallback).
            body["breakers"] = breaker_rows(client)
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.post("/v1/tickets", status_code=202)
    async def post_ticket(request: Request) -> JSONResponse:
        """Accept one ticket; a repeat (same source and id) is acknowledged and enqueues nothing."""
        if (denied := _authorized(request)) is not None:
            return denied
        ticket = parse_ticket(load_json(await request.body()), limits=limits)
        if is_reserved_source(ticket.source):
            # Helpdesk tickets arrive through their signed webhooks; an API client claiming to be one
            # could make the bot post to (and take the dedupe key of) a real helpdesk ticket.
            raise TicketInvalid(f"source {ticket.source!r} is reserved for its signed webhook", field="source")
        res = await run_in_threadpool(enq.enqueue, ticket)
        body = {"id": ticket.id, "uid": res.uid, "source": ticket.source, "accepted": res.accepted, "duplicate": not res.accepted,
                "status_url": f"/v1/tickets/{quote(ticket.id, safe='')}?source={quote(ticket.source, safe='')}"}
        return JSONResponse(body, status_code=202)

    @app.get("/v1/tickets/{ticket_id}")
    def get_ticket(ticket_id: str, request: Request, source: str = "api") -> JSONResponse:
        """Where the ticket is: queued, at which stage, or done with its decision, reply and citations."""
        if (denied := _may_read(request)) is not None:
            return denied
        st = status_of(client, source, ticket_id)
        if st.status == "unknown":
            return _error(404, "not_found", f"no ticket {source}:{ticket_id} was accepted (or it expired)")
        return JSONResponse(public_view(st))

    @app.get("/v1/tickets/{ticket_id}/events")
    def ticket_events(ticket_id: str, request: Request, source: str = "api", timeout: float = 300.0) -> Any:
        """Server-sent events until the decision: `status`, `stage`, `delta` (reply text), `decision`."""
        if (denied := _may_read(request)) is not None:
            return denied
        if status_of(client, source, ticket_id).status == "unknown":
            return _error(404, "not_found", f"no ticket {source}:{ticket_id} was accepted (or it expired)")
        timeout = max(1.0, min(timeout, 3600.0))
        return StreamingResponse(_sse(client, source, ticket_id, timeout), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def _webhook(request: Request, name: str) -> JSONResponse:
        body = await request.body()
        if name == "zendesk":
            if settings.zendesk_webhook_secret is None:
                return _error(404, "webhook_not_configured", "set TICKETFLOW_ZENDESK_WEBHOOK_SECRET to accept Zendesk webhooks")
            verify_zendesk(settings.zendesk_webhook_secret.get_secret_value(), signature=request.headers.get("x-zendesk-webhook-signature"),
                           timestamp=request.headers.get("x-zendesk-webhook-signature-timestamp"), body=body, now=clock.now(),
                           window_s=settings.webhook_replay_window_s)
        else:
            if settings.intercom_client_secret is None:
                return _error(404, "webhook_not_configured", "set TICKETFLOW_INTERCOM_CLIENT_SECRET to accept Intercom webhooks")
            verify_intercom(settings.intercom_client_secret.get_secret_value(), signature=request.headers.get("x-hub-signature"), body=body)
        payload = load_json(body)
        hook = zendesk_hook if name == "zendesk" else intercom_hook
        did = hook.delivery_id(payload if isinstance(payload, dict) else {}, body)
        return await run_in_threadpool(_handle_delivery, name, did, payload)

    def _handle_delivery(name: str, did: str, payload: Any) -> JSONResponse:
        # Blocking Redis work: runs in the thread pool, never on the event loop.
        claimed = helpdesk_events.claim(client, name, did)
        if claimed == "done":
            return JSONResponse({"delivery": did, "duplicate": True})
        if claimed == "handling":
            return _error(409, "in_progress", f"delivery {did} is being handled right now; retry it later")
        try:
            evs = (zendesk_hook if name == "zendesk" else intercom_hook).parse(payload, settings)
            applied = helpdesk_events.apply(evs, client, settings, enq)
        except BaseException:
            helpdesk_events.release(client, name, did)
            raise
        helpdesk_events.mark_seen(client, name, did, settings.dedupe_ttl_s)
        return JSONResponse({"delivery": did, "duplicate": False, **applied.as_dict()})

    @app.post("/webhooks/zendesk")
    async def zendesk_webhook(request: Request) -> JSONResponse:
        """A Zendesk ticket-event or trigger webhook."""
        return await _webhook(request, "zendesk")

    @app.post("/webhooks/intercom")
    async def intercom_webhook(request: Request) -> JSONResponse:
        """An Intercom conversation notification."""
        return await _webhook(request, "intercom")

    _include_optional_routers(app)
    app.add_middleware(cast(Any, BodyLimit), limit=settings.api_max_body_bytes)
    app.state.redis = client
    app.state.settings = settings
    return app


def _include_optional_routers(app: FastAPI) -> None:
    # The review page and /metrics are built by operations (issue 8); mount them when their modules
    # exist. Only a missing module is skipped: a module that exists but fails to import is an error.
    for name in ("console.review", "console.metrics_http"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            log.info("%s not present; its routes are not mounted", name)
            continue
        app.include_router(module.router)


def _sse_event(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def _sse(client: redis.Redis, source: str, ticket_id: str, timeout: float, poll_s: float = 0.2) -> AsyncIterator[bytes]:
    """Relay the ticket's events until its decision (or the timeout); a comment line keeps proxies awake."""
    deadline = clock.monotonic() + timeout
    last_event = "0-0"
    last_status: TicketStatus | None = None
    last_ping = clock.monotonic()
    while True:
        # Redis reads run in the thread pool: a slow Redis must not stall every other request.
        for eid, ev in await run_in_threadpool(read_events, client, source, ticket_id, after=last_event):
            last_event = eid
            if ev.get("type") in EVENT_TYPES and ev.get("type") != "decision":
                yield _sse_event(str(ev["type"]), ev)
        st = await run_in_threadpool(status_of, client, source, ticket_id)
        if last_status is None or (st.status, st.stage) != (last_status.status, last_status.stage):
            yield _sse_event("status", {"status": st.status, "stage": st.stage})
            last_status = st
        if st.status == "done" and st.result is not None:
            view = public_view(st)
            yield _sse_event("decision", {k: view[k] for k in ("decision", "reply", "citations")})
            return
        now = clock.monotonic()
        if now >= deadline:
            yield _sse_event("timeout", {"status": st.status, "stage": st.stage})
            return
        if now - last_ping > 15:
            last_ping = now
            yield b": keep-alive\n\n"
        await asyncio.sleep(poll_s)
