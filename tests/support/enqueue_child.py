"""Child process of tests.support.brokers.enqueue: read {tickets, source, overrides} on stdin, print how many were accepted."""

from __future__ import annotations

import json
import sys

from producer.enqueue import Enqueuer, parse_ticket
from worker import runtime
from worker.settings import load_settings


def main() -> None:
    spec = json.load(sys.stdin)
    enq = Enqueuer(runtime.get_redis(), load_settings(**spec.get("overrides", {})))
    accepted = sum(enq.enqueue(parse_ticket(t, source=spec.get("source"))).accepted for t in spec["tickets"])
    print(accepted)


if __name__ == "__main__":
    main()
