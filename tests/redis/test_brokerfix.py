"""kombu's Redis transport, closed twice after a lost connection: the worker must not die of it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys
    from kombu import Connection, Producer, Queue
    from kombu.common import ignore_errors
    if sys.argv[2] == "guarded":
        from worker.reliability import brokerfix
        brokerfix.apply()
        brokerfix.apply()  # idempotent
    conn = Connection(sys.argv[1])
    ch = conn.default_channel
    q = Queue("ticketflow-test-brokerfix", channel=ch)
    q.declare()
    Producer(ch).publish({"x": 1}, routing_key="ticketflow-test-brokerfix")
    assert q.get(no_ack=False) is not None and len(ch.qos._delivered) == 1
    # The state Celery's consumer leaves after collect() on a lost connection: the transport detached,
    # the channel not closed, a delivery unacknowledged. Then it closes the connection, ignoring
    # connection errors only.
    conn._do_close_transport()
    try:
        ignore_errors(conn, conn.close)
    except Exception as exc:
        print("RAISED", type(exc).__name__)
        sys.exit(1)
    print("closed quietly")
    """
)


def _run(redis_url: str, mode: str) -> subprocess.CompletedProcess[str]:
    # a fresh interpreter each: the guard patches kombu process-wide
    return subprocess.run([sys.executable, "-c", SCRIPT, redis_url, mode], capture_output=True, text=True, timeout=60)


@pytest.mark.integration
def test_without_the_guard_kombu_raises_what_kills_a_worker(redis_url: str) -> None:
    out = _run(redis_url, "plain")
    assert out.returncode == 1 and "RAISED AttributeError" in out.stdout, out.stdout + out.stderr


@pytest.mark.integration
def test_with_the_guard_the_second_close_is_a_quiet_connection_error(redis_url: str) -> None:
    out = _run(redis_url, "guarded")
    assert out.returncode == 0 and "closed quietly" in out.stdout, out.stdout + out.stderr
