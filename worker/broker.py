"""Which broker carries the tasks, and how: Redis (the default) or RabbitMQ (`TICKETFLOW_BROKER_URL=amqp://...`).

Redis stays the store either way (state, results stream, rate limits, breaker, dead letters); only the
task messages move. On RabbitMQ a task is never lost in transit:

- queues are durable and, by default, quorum queues (replicated by Raft across a cluster's nodes,
  RabbitMQ 3.10+; `TICKETFLOW_BROKER_QUEUE_TYPE=classic` for older servers or a single node that
  prefers them); messages are persistent (Celery's default delivery mode);
- every publish waits for the broker's confirm (publisher confirms), so a next stage the worker
  handed on is on the broker's disk before the worker acknowledges its own message (late acks);
- a consumer's unacknowledged messages go back to the queue the moment its connection closes
  (a killed worker, a restarted node): no visibility timeout, no BRPOP-then-HSET window;
- retries with a countdown do not sit in a worker's memory: Celery's native delayed delivery
  (for quorum queues) parks them in the broker's `celery_delayed_*` queues, which is why each
  queue is bound to a topic exchange of its own name (a direct exchange would disable it). Its
  delays are whole seconds, and a countdown below one second makes Celery refuse the publish (the
  retry is then rejected and its message dropped): `BrokerCelery` rounds every countdown up.

Routing is the same on both brokers: the task -> queue map in worker/app.py.
"""

from __future__ import annotations

import math
from typing import Any

from celery import Celery
from kombu import Exchange, Queue

from worker.settings import Settings


def broker_url(settings: Settings) -> str:
    """The broker's URL: TICKETFLOW_BROKER_URL when set, else REDIS_URL."""
    return settings.broker_url or settings.redis_url


def is_amqp(settings: Settings) -> bool:
    """Whether the tasks travel on RabbitMQ (AMQP)."""
    return broker_url(settings).startswith(("amqp://", "amqps://", "pyamqp://"))


def amqp_queues(settings: Settings) -> list[Queue]:
    """The pipeline's queues as RabbitMQ should hold them: durable, quorum (or classic), one topic exchange each."""
    args: dict[str, Any] = {"x-queue-type": settings.broker_queue_type}
    return [Queue(name, Exchange(name, type="topic", durable=True), routing_key=name, durable=True, queue_arguments=args) for name in settings.queues]


def redis_transport_options(settings: Settings) -> dict[str, Any]:
    """kombu's Redis transport: how soon a dead worker's unacknowledged tasks come back."""
    return {
        "visibility_timeout": settings.visibility_timeout_s,
        # kombu sweeps for a dead worker's unacknowledged tasks every interval x throttle seconds
        # (10 x 10 by default): with one sweep every few seconds they come back right after the
        # visibility timeout instead of up to 100 s later.
        "unacked_restore_interval": max(1, min(10, settings.visibility_timeout_s // 2)),
        "unacked_restore_throttle": 1,
        "socket_keepalive": True,
        "retry_on_timeout": True,
    }


def broker_conf(settings: Settings) -> dict[str, Any]:
    """The Celery settings that differ between the two brokers."""
    if not is_amqp(settings):
        return {"broker_url": broker_url(settings), "broker_transport_options": redis_transport_options(settings), "task_queues": None}
    return {
        "broker_url": broker_url(settings),
        "broker_transport_options": {"confirm_publish": True},
        "task_queues": amqp_queues(settings),
        "task_create_missing_queues": False,  # a typo'd route fails loudly instead of declaring a classic queue
        "task_default_exchange_type": "topic",
        "task_default_delivery_mode": "persistent",
        "broker_native_delayed_delivery_queue_type": settings.broker_queue_type,
        # A quorum queue has no global QoS; Celery detects them and uses a per-consumer prefetch.
        "worker_detect_quorum_queues": True,
        "broker_heartbeat": 30,
    }


def whole_seconds(countdown: float | None) -> float | None:
    """A countdown native delayed delivery can carry: whole seconds, rounded up (it truncates, and refuses 0 < c < 1)."""
    if countdown is None or countdown <= 0:
        return countdown
    return float(math.ceil(countdown))


class BrokerCelery(Celery):
    """The Celery app, whose every publish on RabbitMQ carries a whole-second countdown (retries, debounce)."""

    def send_task(self, name: str, args: Any = None, kwargs: Any = None, countdown: float | None = None, eta: Any = None, **options: Any) -> Any:  # type: ignore[override]
        """Celery's send_task; on AMQP a fractional countdown is rounded up (see whole_seconds)."""
        if countdown and str(self.conf.broker_url or "").startswith(("amqp://", "amqps://", "pyamqp://")):
            countdown = whole_seconds(countdown)
        return super().send_task(name, args, kwargs, countdown=countdown, eta=eta, **options)
