"""Worker start-up: build models and index before the first ticket; run the reaper in the background."""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery.signals import worker_process_init, worker_ready

from worker import clock, keys, runtime
from worker.reaper import reap

log = logging.getLogger("ticketflow.lifecycle")
REAP_EVERY_S = 30.0


@worker_process_init.connect
def _warm_child(**_: Any) -> None:
    runtime.reset()  # never share a Redis connection across a fork
    runtime.warm_up()


def _reaper_loop(stop: threading.Event) -> None:
    while not stop.wait(REAP_EVERY_S):
        try:
            r = runtime.get_redis()
            # One reaper at a time across the cluster.
            if r.set(keys.counter_key("reaper-lock"), "1", nx=True, ex=int(REAP_EVERY_S) - 1):
                n = reap(r, runtime.get_results(), runtime.get_policy(), clock.now())
                if n:
                    log.warning("reaped %d overdue tickets", n)
        except Exception:
            log.exception("reaper pass failed; will try again")


@worker_ready.connect
def _on_ready(**_: Any) -> None:
    runtime.warm_up()
    threading.Thread(target=_reaper_loop, args=(threading.Event(),), name="ticketflow-reaper", daemon=True).start()
