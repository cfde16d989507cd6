"""Prometheus metrics: what the results stream says (business), and what Redis and workers say now (operations).

Why from the stream: Celery delivers at least once, so a counter bumped inside a task would count a
redelivered ticket twice. The results stream holds each ticket exactly once (a Lua script guards the
publish), so counting *stream entries* cannot double count. `fold_results` reads the entries after a
cursor, tallies them, and in one Lua call adds the tallies to a Redis hash *and* moves the cursor, but
only if the cursor is still where it was read: two API replicas scraping at once never fold the same
entry twice, and counts survive API restarts. The same step fills the review queue (sampled
auto-replies), so one pass over the stream serves both.

Names (all prefixed `ticketflow_`), from the stream, cumulative:
  tickets_total{intent,outcome}                 outcome = auto_reply | draft | escalate
  escalations_total{reason}                     every reason that fired on an escalated ticket
  stage_seconds{stage}                          histogram of classify/retrieve/generate/escalate time
  time_to_answer_seconds                        histogram of enqueue -> result
  stage_retries_total{stage}                    Celery retries the published tickets needed
  stage_failures_total{stage,reason}            stages that failed for good (ticket went to a human)
  model_tokens_total{provider,model,kind}       kind = input | output | cache_read | cache_write
  model_cost_usd_total{provider,model}
Read from Redis at scrape time, gauges:
  queue_depth{queue}  broker_unacked  inflight_tickets  dlq_entries  results_stream_entries
  review_pending  reviews{verdict}  reopened_tickets
  provider_breaker_state{provider,model} (0 closed, 1 half open, 2 open)  provider_breaker_opened{provider,model}
Help-centre sync (worker/retrieval/sync/), gauges:
  index_sync_ok{source}  index_sync_last_success_timestamp_seconds{source}  index_sync_failures_total{source}
  index_version_age_seconds   (the version in a Redis store)
Per worker process (a port each from TICKETFLOW_METRICS_PORT up; counts executions, redeliveries included):
  task_runs_total{task,state}  task_seconds{task}  ratelimit_wait_seconds{provider}
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import redis
from prometheus_client import Counter, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from worker import keys
from worker.reliability import dlq
from worker.retrieval.sync import status as index_status
from worker.state import outcomes

log = logging.getLogger("ticketflow.metrics")

NS = "ticketflow"
STAGE_BUCKETS: tuple[float, ...] = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
ANSWER_BUCKETS: tuple[float, ...] = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600)
HISTOGRAMS: dict[str, tuple[float, ...]] = {"stage_seconds": STAGE_BUCKETS, "time_to_answer_seconds": ANSWER_BUCKETS}
HELP: dict[str, str] = {
    "tickets": "Finished tickets by intent and outcome.",
    "escalations": "Escalation reasons that fired (a ticket may have several).",
    "stage_seconds": "Time spent in each pipeline stage.",
    "time_to_answer_seconds": "Seconds from enqueue to the published result.",
    "stage_retries": "Celery retries that published tickets needed, by stage.",
    "stage_failures": "Stages that failed for good; the ticket went to a human.",
    "model_tokens": "Model tokens by provider, model and kind.",
    "model_cost_usd": "Model spend in USD by provider and model.",
}
FOLD_BATCH = 500
# A scrape folds at most this many batches (~2 s at ~5k results/s); a backlog is caught up over
# several scrapes, so a scrape never runs into Prometheus's timeout. Counts lag, never double.
SCRAPE_BATCHES = 20
BROKER_PRIORITY_SEP = "\x06\x16"  # kombu's Redis transport: a queue with priorities is `name`, `name\x06\x163`, ...
BROKER_PRIORITIES = (3, 6, 9)


def cursor_key(stream: str) -> str:
    """The last results-stream entry folded into the counters."""
    return keys.metrics_cursor_key(stream)


def counters_key(stream: str) -> str:
    """Hash of cumulative series values: field = JSON [metric, [[label, value], ...]]."""
    return keys.metrics_counters_key(stream)


def series(name: str, **labels: str) -> str:
    """The hash field of one series."""
    return json.dumps([name, sorted(labels.items())], separators=(",", ":"))


def _observe(out: dict[str, float], name: str, value: float, **labels: str) -> None:
    """Add one observation to a histogram kept as per-bucket (not cumulative) counts, a sum and a count."""
    le = next((str(b) for b in HISTOGRAMS[name] if value <= b), "+Inf")
    out[series(f"{name}_bucket", le=le, **labels)] += 1
    out[series(f"{name}_sum", **labels)] += value
    out[series(f"{name}_count", **labels)] += 1


def tally(results: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Increments for every stream-derived series from a batch of results (pure)."""
    out: dict[str, float] = defaultdict(float)
    for res in results:
        intent = (res.get("classification") or {}).get("intent") or "unclassified"
        decision = res.get("decision") or {}
        action = decision.get("action") or "escalate"
        out[series("tickets", intent=intent, outcome=action)] += 1
        if action == "escalate":
            for reason in decision.get("reasons") or []:
                out[series("escalations", reason=reason)] += 1
        for stage, secs in (res.get("timings") or {}).items():
            _observe(out, "stage_seconds", float(secs), stage=stage)
        if res.get("completed_at") and res.get("enqueued_at"):
            _observe(out, "time_to_answer_seconds", max(float(res["completed_at"]) - float(res["enqueued_at"]), 0.0))
        for stage, n in (res.get("attempts") or {}).items():
            if int(n) > 1:
                out[series("stage_retries", stage=stage)] += int(n) - 1
        failure = res.get("failure")
        if failure:
            out[series("stage_failures", stage=failure.get("stage", "unknown"), reason=failure.get("reason", "automation_failed"))] += 1
        for u in res.get("usage") or []:
            who = {"provider": str(u.get("provider", "")), "model": str(u.get("model", ""))}
            for kind in ("input", "output", "cache_read", "cache_write"):
                n = int(u.get(f"{kind}_tokens") or 0)
                if n:
                    out[series("model_tokens", kind=kind, **who)] += n
            out[series("model_cost_usd", **who)] += float(u.get("cost_usd") or 0.0)
    return out


# Apply a batch only if nobody folded since we read the cursor: counters and cursor move together.
_FOLD = """
local cur = redis.call('GET', KEYS[1]) or '0-0'
if cur ~= ARGV[1] then return 0 end
local n = tonumber(ARGV[3])
local i = 4
for _ = 1, n do
  redis.call('HINCRBYFLOAT', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i <= #ARGV do
  if redis.call('HEXISTS', KEYS[4], ARGV[i + 2]) == 0 then
    redis.call('ZADD', KEYS[3], 'NX', ARGV[i + 1], ARGV[i])
  end
  i = i + 3
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def fold_results(r: redis.Redis, stream: str = keys.RESULTS_STREAM, *, review_share: float | None = None, max_batches: int = SCRAPE_BATCHES) -> int:
    """Fold results published since the last fold into the counters and the review queue; returns entries folded."""
    share = outcomes.OutcomeSettings().review_share if review_share is None else review_share
    script = r.register_script(_FOLD)
    folded = 0
    for _ in range(max_batches):
        cursor = _text(r.get(cursor_key(stream)) or "0-0")
        raw = cast(list[Any], r.xrange(stream, min=f"({cursor}", count=FOLD_BATCH))
        if not raw:
            break
        entries: list[tuple[str, dict[str, Any]]] = []
        for eid, data in raw:
            body = data.get(b"json") or data.get("json")
            if body is not None:
                entries.append((_text(eid), json.loads(body)))
        args: list[Any] = [cursor, _text(raw[-1][0])]
        incs = tally(res for _eid, res in entries)
        args.append(len(incs))
        for field, inc in incs.items():
            args += [field, repr(float(inc))]
        by_id = dict(entries)
        for eid, score in outcomes.review_candidates(entries, share).items():
            t = by_id[eid]["ticket"]
            args += [eid, score, f"{t.get('source', 'api')}:{t['id']}"]
        if script(keys=[cursor_key(stream), counters_key(stream), outcomes.REVIEW_QUEUE, outcomes.REVIEWS], args=args):
            folded += len(raw)
        # else another process folded this batch first: read the cursor again and go on from there
    return folded


def read_counters(r: redis.Redis, stream: str = keys.RESULTS_STREAM) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The folded series: (metric, labels) -> value."""
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for field, value in cast(dict[Any, Any], r.hgetall(counters_key(stream))).items():
        name, labels = json.loads(_text(field))
        out[(name, tuple((k, v) for k, v in labels))] = float(_text(value))
    return out


def queue_depth(r: redis.Redis, queue: str) -> int:
    """Messages waiting in a Celery queue on the Redis broker (priority sub-queues included)."""
    pipe = r.pipeline(transaction=False)
    pipe.llen(queue)
    for p in BROKER_PRIORITIES:
        pipe.llen(f"{queue}{BROKER_PRIORITY_SEP}{p}")
    return sum(int(n) for n in pipe.execute())


def _families(values: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> Iterator[Any]:
    """Counter and histogram families from the folded series."""
    groups: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for (name, labels), v in values.items():
        groups.setdefault(name, {})[labels] = v
    for name in ("tickets", "escalations", "stage_retries", "stage_failures", "model_tokens", "model_cost_usd"):
        rows = groups.get(name, {})
        label_names = sorted({k for labels in rows for k, _ in labels})
        fam = CounterMetricFamily(f"{NS}_{name}", HELP[name], labels=label_names)
        for labels, v in sorted(rows.items()):
            d = dict(labels)
            fam.add_metric([d.get(k, "") for k in label_names], v)
        yield fam
    for name, bounds in HISTOGRAMS.items():
        buckets = groups.get(f"{name}_bucket", {})
        sums = groups.get(f"{name}_sum", {})
        label_names = sorted({k for labels in sums for k, _ in labels})
        fam_h = HistogramMetricFamily(f"{NS}_{name}", HELP[name], labels=label_names)
        for labels, total in sorted(sums.items()):
            running = 0.0
            cumulative: list[tuple[str, float]] = []
            for le in [*(str(b) for b in bounds), "+Inf"]:
                running += buckets.get(tuple(sorted((*labels, ("le", le)))), 0.0)
                cumulative.append((le, running))
            fam_h.add_metric([dict(labels).get(k, "") for k in label_names], cumulative, total)
        yield fam_h


class RedisCollector(Collector):
    """Everything ticketflow's Redis knows, collected on each scrape: folded stream counters and live gauges."""

    def __init__(
        self, r: redis.Redis, *, stream: str = keys.RESULTS_STREAM, queues: Sequence[str] = ("ticketflow.io", "ticketflow.cpu"),
        review_share: float | None = None, max_batches: int = SCRAPE_BATCHES,
    ) -> None:
        self.r = r
        self.max_batches = max_batches
        self.stream = stream
        self.queues = tuple(dict.fromkeys(queues))
        self.review_share = review_share

    def collect(self) -> Iterator[Any]:
        """Fold what is new, then report counters and gauges."""
        fold_results(self.r, self.stream, review_share=self.review_share, max_batches=self.max_batches)
        yield from _families(read_counters(self.r, self.stream))
        depth = GaugeMetricFamily(f"{NS}_queue_depth", "Tasks waiting in each broker queue.", labels=["queue"])
        for q in self.queues:
            depth.add_metric([q], queue_depth(self.r, q))
        yield depth
        yield GaugeMetricFamily(f"{NS}_broker_unacked", "Tasks delivered to a worker and not yet acknowledged.", value=int(self.r.hlen("unacked")))
        yield GaugeMetricFamily(f"{NS}_inflight_tickets", "Tickets accepted and not yet published.", value=int(self.r.zcard(keys.INFLIGHT_ZSET)))
        yield GaugeMetricFamily(f"{NS}_dlq_entries", "Dead-lettered side effects waiting for replay.", value=dlq.pending_count(self.r))
        yield GaugeMetricFamily(f"{NS}_results_stream_entries", "Entries in the results stream.", value=int(self.r.xlen(self.stream)))
        behind = len(cast(list[Any], self.r.xrange(self.stream, min=f"({_text(self.r.get(cursor_key(self.stream)) or '0-0')}", count=FOLD_BATCH)))
        yield GaugeMetricFamily(f"{NS}_metrics_fold_backlog", f"Results not yet folded into the counters (capped at {FOLD_BATCH}).", value=behind)
        yield GaugeMetricFamily(f"{NS}_review_pending", "Sampled auto-replies waiting for a reviewer.", value=int(self.r.zcard(outcomes.REVIEW_QUEUE)))
        verdicts = GaugeMetricFamily(f"{NS}_reviews", "Reviewed tickets by verdict.", labels=["verdict"])
        counts = Tally(rv.verdict for rv in outcomes.reviews(self.r).values())
        for v in ("correct", "incorrect"):
            verdicts.add_metric([v], counts[v])
        yield verdicts
        yield GaugeMetricFamily(f"{NS}_reopened_tickets", "Tickets the bot solved that the customer reopened.", value=int(self.r.scard(outcomes.REOPENED_SET)))
        yield from index_sync_families(self.r)
        yield from breaker_families(self.r)


def index_sync_families(r: redis.Redis, now: float | None = None) -> Iterator[Any]:
    """The help-centre sync (worker/retrieval/sync/status.py): whether each source's last sync worked, when one
    last did, failures, and the age of the version the cluster serves."""
    now = time.time() if now is None else now
    ok = GaugeMetricFamily(f"{NS}_index_sync_ok", "1 when the source's last help-centre sync succeeded, 0 when it failed.", labels=["source"])
    last = GaugeMetricFamily(f"{NS}_index_sync_last_success_timestamp_seconds", "When the source last synced successfully.", labels=["source"])
    failed = CounterMetricFamily(f"{NS}_index_sync_failures", "Failed help-centre syncs.", labels=["source"])
    for name, s in sorted(index_status.syncs(r).items()):
        ok.add_metric([name], 1.0 if s.get("ok") else 0.0)
        last.add_metric([name], float(s.get("last_ok_at") or 0.0))
        failed.add_metric([name], float(s.get("failures_total", 0)))
    yield from (ok, last, failed)
    meta = index_status.current_meta(r)
    if meta is not None:
        yield GaugeMetricFamily(f"{NS}_index_version_age_seconds", "Age of the index version the cluster serves.", value=now - float(meta.get("published_at", now)))


def breaker_families(r: redis.Redis) -> Iterator[Any]:
    """Each provider/model circuit breaker: its state (0 closed, 1 half open, 2 open) and how often it opened."""
    from worker.providers.breaker import STATE_CODES, statuses

    state = GaugeMetricFamily(f"{NS}_provider_breaker_state", "Circuit breaker per provider and model: 0 closed, 1 half open (probing), 2 open.", labels=["provider", "model"])
    opened = GaugeMetricFamily(f"{NS}_provider_breaker_opened", "Times the breaker opened since its last close.", labels=["provider", "model"])
    for b in statuses(r):
        state.add_metric([b.provider, b.model], STATE_CODES.get(b.state, 0))
        opened.add_metric([b.provider, b.model], b.opened)
    yield state
    yield opened


# ---- worker processes --------------------------------------------------------------------------
# Counted where they happen (per process, redeliveries included: they count work done, not tickets).

TASK_RUNS = Counter(f"{NS}_task_runs", "Task executions by task and state.", ["task", "state"])
TASK_SECONDS = Histogram(f"{NS}_task_seconds", "Task execution time.", ["task"], buckets=STAGE_BUCKETS)
RATELIMIT_WAIT = Histogram(f"{NS}_ratelimit_wait_seconds", "Time a call waited for the cluster-wide rate limiter.", ["provider"], buckets=STAGE_BUCKETS)


def observe_ratelimit_wait(provider: str, seconds: float) -> None:
    """For the rate limiter: one wait before a model call."""
    RATELIMIT_WAIT.labels(provider=provider).observe(seconds)


_exporter_lock = threading.Lock()
_exporter_port: int | None = None


def start_exporter(base_port: int, tries: int = 64) -> int | None:
    """Serve this process's metrics on the first free port from `base_port` (one port per process)."""
    global _exporter_port
    with _exporter_lock:
        if _exporter_port is not None or base_port <= 0:
            return _exporter_port
        for port in range(base_port, base_port + tries):
            try:
                start_http_server(port)
            except OSError:
                continue
            _exporter_port = port
            log.info("worker metrics on port %d", port)
            return port
        log.warning("no free metrics port in %d..%d", base_port, base_port + tries - 1)
        return None


def _install_signals() -> None:
    from celery.signals import task_failure, task_postrun, task_prerun, task_retry

    started: dict[str, float] = {}

    @task_prerun.connect(weak=False)
    def _pre(task_id: str | None = None, task: Any = None, **_: Any) -> None:
        from worker.settings import get_settings

        start_exporter(get_settings().metrics_port)  # in the process that runs tasks, whatever the pool
        if task_id:
            started[task_id] = time.perf_counter()
        TASK_RUNS.labels(task=getattr(task, "name", "?"), state="started").inc()

    @task_postrun.connect(weak=False)
    def _post(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
        t0 = started.pop(task_id or "", None)
        name = getattr(task, "name", "?")
        if t0 is not None:
            TASK_SECONDS.labels(task=name).observe(time.perf_counter() - t0)
        TASK_RUNS.labels(task=name, state=(state or "unknown").lower()).inc()

    @task_retry.connect(weak=False)
    def _retry(sender: Any = None, **_: Any) -> None:
        TASK_RUNS.labels(task=getattr(sender, "name", "?"), state="retry_scheduled").inc()

    @task_failure.connect(weak=False)
    def _failure(sender: Any = None, **_: Any) -> None:
        TASK_RUNS.labels(task=getattr(sender, "name", "?"), state="raised").inc()


_install_signals()
