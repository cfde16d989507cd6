"""The fault tests run on both brokers: Redis (the default) and a RabbitMQ node of the suite's own."""

from __future__ import annotations

import pytest

from tests.support.brokers import BROKERS, BrokerUnderTest, broker_for


@pytest.fixture(params=BROKERS)
def broker(request: pytest.FixtureRequest) -> BrokerUnderTest:
    """The broker this run of the test uses (`-k redis` / `-k rabbitmq` picks one)."""
    return broker_for(request.param, request)
