"""GET /metrics: the Prometheus text exposition of everything ticketflow's Redis knows (see `worker.metrics`).

Mounted by `producer.api.create_app`, which puts the app's Redis client and settings on `app.state`.
Scrapes run the fold in a worker thread so a slow Redis never blocks the event loop. With
`TICKETFLOW_METRICS_TOKEN` set, a scrape needs `Authorization: Bearer <token>` (Prometheus:
`authorization: {credentials: ...}`); the ticket tokens do not open it, nor it them.
"""

from __future__ import annotations

import hmac

import redis
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from worker.archive.metrics import seed_counters
from worker.archive.schema import archive_engine
from worker.metrics import RedisCollector
from worker.settings import Settings, get_settings

router = APIRouter()


def _state(request: Request) -> tuple[redis.Redis, Settings]:
    settings: Settings = getattr(request.app.state, "settings", None) or get_settings()
    r: redis.Redis | None = getattr(request.app.state, "redis", None)
    if r is None:
        r = redis.Redis.from_url(settings.redis_url)
        request.app.state.redis = r
    return r, settings


def render(r: redis.Redis, settings: Settings) -> bytes:
    """The exposition text for one scrape."""
    engine = archive_engine(settings)
    if engine is not None:  # counters lost with Redis start again from the archive, not from zero
        seed_counters(r, engine, settings.results_stream)
    registry = CollectorRegistry(auto_describe=False)
    queues = (settings.io_queue, settings.cpu_queue, settings.deliver_queue)
    registry.register(RedisCollector(r, stream=settings.results_stream, queues=queues))
    return generate_latest(registry)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus scrape endpoint."""
    r, settings = _state(request)
    if settings.metrics_token is not None:
        got = request.headers.get("authorization", "")
        if not hmac.compare_digest(got.encode(), f"Bearer {settings.metrics_token.get_secret_value()}".encode()):
            return JSONResponse({"error": "unauthorized", "detail": "a valid 'Authorization: Bearer <TICKETFLOW_METRICS_TOKEN>' header is required"}, status_code=401)
    body = await run_in_threadpool(render, r, settings)
    return Response(content=body, media_type=CONTENT_TYPE_LATEST)
