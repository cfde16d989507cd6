"""The Celery application factory: broker, reliability settings and the queue topology."""

from __future__ import annotations

from celery import Celery

from worker import broker, logs
from worker.reliability import brokerfix
from worker.settings import Settings, get_settings

# classify, generate and deliver wait on the network: they go to the I/O queue (deliver to its own if set), served by a gevent pool
# that keeps hundreds of calls in flight. retrieve and escalate compute: the CPU queue, served by
# prefork (or by the same gevent worker on small hosts). The bare no-ops mirror them for `bench`.
IO_TASKS = ("ticketflow.classify", "ticketflow.generate", "ticketflow.bare.classify", "ticketflow.bare.generate")
CPU_TASKS = ("ticketflow.retrieve", "ticketflow.escalate", "ticketflow.bare.retrieve", "ticketflow.bare.escalate")
REPR_MAX_CHARS = 64


def create_app(settings: Settings) -> Celery:
    """A Celery app on Redis or RabbitMQ (worker/broker.py) that loses nothing: late acks, redelivery on worker loss, prefetch 1."""
    if not broker.is_amqp(settings):
        brokerfix.apply()  # a Redis restart must not kill the worker (worker/reliability/brokerfix.py)
    app: Celery = broker.BrokerCelery("ticketflow", broker=broker.broker_url(settings), include=["worker.tasks", "worker.baretasks", "worker.metrics"])
    routes = {name: {"queue": settings.io_queue} for name in IO_TASKS}
    routes.update({name: {"queue": settings.cpu_queue} for name in CPU_TASKS})
    routes["ticketflow.deliver"] = {"queue": settings.deliver_queue}  # the I/O queue unless split off
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.task_soft_time_limit_s,
        task_time_limit=settings.task_time_limit_s,
        task_default_queue=settings.cpu_queue,
        task_routes=routes,
        **broker.broker_conf(settings),  # Redis or RabbitMQ: URL, transport options, queue declarations
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        broker_pool_limit=10,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_send_sent_event=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_deduplicate_successful_tasks=False,
    )
    # Celery renders every task's arguments into the message headers and every return value for its
    # log: the whole ticket, 1,024 characters of it, four times a ticket. Short renderings keep the
    # customer's message out of headers (Flower, `celery inspect`) and save ~0.15 ms per task.
    app.amqp.argsrepr_maxsize = REPR_MAX_CHARS
    app.amqp.kwargsrepr_maxsize = REPR_MAX_CHARS
    app.Task.resultrepr_maxsize = REPR_MAX_CHARS
    return app


app = create_app(get_settings())
logs.connect_celery(get_settings)  # worker processes log JSON, redacted, with the ticket id
