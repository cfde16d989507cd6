"""Which broker carries the tasks, and how each is configured (pure: no broker is contacted)."""

from __future__ import annotations

import pytest

from worker import broker
from worker.errors import ConfigError
from worker.settings import load_settings


def test_without_a_broker_url_the_tasks_travel_on_redis_as_before() -> None:
    s = load_settings(redis_url="redis://127.0.0.1:6390/0")
    conf = broker.broker_conf(s)
    assert conf["broker_url"] == "redis://127.0.0.1:6390/0" and not broker.is_amqp(s)
    assert conf["task_queues"] is None and conf["broker_transport_options"]["visibility_timeout"] == s.visibility_timeout_s


def test_on_rabbitmq_queues_are_durable_quorum_queues_on_topic_exchanges_with_publisher_confirms() -> None:
    s = load_settings(broker_url="amqp://guest:guest@rabbit:5672/tf")
    conf = broker.broker_conf(s)
    assert conf["broker_url"] == "amqp://guest:guest@rabbit:5672/tf" and broker.is_amqp(s)
    assert conf["broker_transport_options"] == {"confirm_publish": True}
    assert conf["task_default_delivery_mode"] == "persistent"
    queues = {q.name: q for q in conf["task_queues"]}
    assert sorted(queues) == sorted(s.queues)
    for q in queues.values():
        assert q.durable and q.queue_arguments == {"x-queue-type": "quorum"}
        # native delayed delivery (retries with a countdown) needs a topic exchange, not a direct one
        assert q.exchange.type == "topic" and q.exchange.durable and q.routing_key == q.name


def test_classic_queues_can_be_chosen_for_servers_without_quorum_queues() -> None:
    conf = broker.broker_conf(load_settings(broker_url="amqp://h//", broker_queue_type="classic"))
    assert {q.queue_arguments["x-queue-type"] for q in conf["task_queues"]} == {"classic"}


def test_a_broker_url_of_another_kind_is_refused_at_start_up() -> None:
    with pytest.raises(ConfigError, match="TICKETFLOW_BROKER_URL"):
        load_settings(broker_url="sqs://queue")


@pytest.mark.parametrize(("countdown", "sent"), [(None, None), (0, 0), (0.05, 1.0), (1.0, 1.0), (1.2, 2.0), (59.9, 60.0)])
def test_countdowns_become_whole_seconds_for_native_delayed_delivery(countdown: float | None, sent: float | None) -> None:
    # Celery truncates a countdown to int seconds there and refuses one between 0 and 1 (the retry's message is dropped)
    assert broker.whole_seconds(countdown) == sent
