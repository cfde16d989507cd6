"""Worker start-up: patient publishing, models and index built before the first ticket, the reaper in the background."""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery.signals import celeryd_init, worker_process_init, worker_ready

from worker import clock, keys, oplog, runtime
from worker.reliability.reaper import reap, reaper_dedupe
from worker.reliability.retrying import hop_retry_policy
from worker.settings import get_settings
from worker.stages.publish import after_publish

log = logging.getLogger("ticketflow.lifecycle")



@celeryd_init.connect
def patient_publishing(conf: Any = None, **_: Any) -> None:
    """Every publish a worker makes (next stage, retry, write-back) waits out a broker restart.

    Set on the worker's configuration before it starts, so producers (API, CLI) keep Celery's fast
    default and answer their callers at once; see worker/retrying.hop_retry_policy.
    """
    if conf is not None:
        conf.task_publish_retry_policy = hop_retry_policy(get_settings().publish_patience_s)


@worker_process_init.connect
def _warm_child(**_: Any) -> None:
    runtime.reset()  # never share a Redis connection across a fork
    runtime.warm_up()


def _reaper_loop(stop: threading.Event) -> None:
    every = get_settings().reap_every_s
    while not stop.wait(every):
        try:
            r = runtime.get_redis()
            # One reaper at a time across the cluster.
            if r.set(keys.REAPER_LOCK, "1", nx=True, ex=max(int(every) - 1, 1)):
                n = reap(r, runtime.get_results(), runtime.get_policy(), clock.now(),
                         on_reaped=lambda s: after_publish(s, dedupe=reaper_dedupe(s.ticket.uid)))
                if n:
                    log.warning("reaped %d overdue tickets", n)
        except Exception:
            log.exception("reaper pass failed; will try again")


@worker_ready.connect
def _on_ready(sender: Any = None, **_: Any) -> None:
    runtime.warm_up()
    hostname = getattr(sender, "hostname", None) or getattr(getattr(sender, "app", None), "hostname", None)
    queues = ",".join(sorted(q.name for q in getattr(getattr(sender, "task_consumer", None), "queues", []) or []))
    oplog.log_startup("worker ready", get_settings(), **{k: v for k, v in (("worker", hostname), ("queues", queues)) if v})
    threading.Thread(target=_reaper_loop, args=(threading.Event(),), name="ticketflow-reaper", daemon=True).start()
    from worker.archive.consumer import start_in_background

    start_in_background(runtime.get_redis(), get_settings())  # with TICKETFLOW_DATABASE_URL: results to the archive
