"""Prometheus metrics: counted from the results stream once per ticket, whatever the redeliveries and scrapes."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Callable

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from console import metrics_http
from devkit.services import Workers, free_port
from producer.enqueue import Enqueuer, parse_ticket
from tests.conftest import wait_for_results
from tests.support.ops import publish, result
from worker import keys
from worker.metrics import fold_results, read_counters, series, tally
from worker.models import Failure
from worker.settings import Settings, load_settings


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, by (name, sorted labels)."""
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def app_on(r: redis.Redis, settings: Settings) -> FastAPI:
    app = FastAPI()
    app.state.redis = r
    app.state.settings = settings
    app.include_router(metrics_http.router)
    return app


# ---- pure --------------------------------------------------------------------------------------


def test_tally_counts_outcomes_reasons_latency_retries_failures_tokens_and_cost() -> None:
    rows = [
        result("a").model_dump(mode="json"),
        result("b", intent="billing", action="escalate", reasons=["billing", "frustration"], attempts={"classify": 3}).model_dump(mode="json"),
        result("c", action="escalate", reasons=["automation_unavailable"], failure=Failure(stage="generate", error="x", reason="automation_unavailable"), wait_s=45).model_dump(mode="json"),
    ]
    t = tally(rows)
    assert t[series("tickets", intent="faq", outcome="auto_reply")] == 1
    assert t[series("tickets", intent="billing", outcome="escalate")] == 1
    assert t[series("escalations", reason="billing")] == 1 and t[series("escalations", reason="frustration")] == 1
    assert t[series("stage_retries", stage="classify")] == 2
    assert t[series("stage_failures", stage="generate", reason="automation_unavailable")] == 1
    assert t[series("model_tokens", kind="cache_read", model="claude-sonnet-4-5", provider="anthropic")] == 3 * 800
    assert t[series("model_cost_usd", model="claude-sonnet-4-5", provider="anthropic")] == pytest.approx(3 * 0.00075)
    # time to answer: two at 2 s (bucket 2), one at 45 s (bucket 60)
    assert t[series("time_to_answer_seconds_bucket", le="2")] == 2
    assert t[series("time_to_answer_seconds_bucket", le="60")] == 1
    assert t[series("time_to_answer_seconds_count")] == 3
    assert t[series("stage_seconds_bucket", le="0.5", stage="generate")] == 3


def test_an_auto_reply_adds_no_escalation_reason() -> None:
    t = tally([result("a", reasons=[]).model_dump(mode="json")])
    assert not [k for k in t if k.startswith('["escalations"')]


# ---- on Redis ----------------------------------------------------------------------------------


def test_folding_again_and_redelivered_publishes_never_double_count(r: redis.Redis) -> None:
    # given three tickets published, and one of them published again (a redelivered escalate task)
    publish(r, result("a"), result("b"), result("c", action="escalate", reasons=["no_relevant_docs"]))
    assert publish(r, result("a")) == [None]
    # when the stream is folded three times
    assert fold_results(r, review_share=0) == 3
    assert fold_results(r, review_share=0) == 0
    fold_results(r, review_share=0)
    # then each ticket counts once
    c = read_counters(r)
    assert c[("tickets", (("intent", "faq"), ("outcome", "auto_reply")))] == 2
    assert c[("tickets", (("intent", "faq"), ("outcome", "escalate")))] == 1
    # and a ticket published later is added on the next fold
    publish(r, result("d"))
    assert fold_results(r, review_share=0) == 1
    assert read_counters(r)[("tickets", (("intent", "faq"), ("outcome", "auto_reply")))] == 3


def test_concurrent_folds_from_many_scrapers_count_each_result_once(r: redis.Redis) -> None:
    publish(r, *[result(f"t{i}") for i in range(1200)])
    clients = [redis.Redis(connection_pool=r.connection_pool) for _ in range(6)]
    threads = [threading.Thread(target=fold_results, args=(c,), kwargs={"review_share": 0}) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert read_counters(r)[("tickets", (("intent", "faq"), ("outcome", "auto_reply")))] == 1200


def test_a_backlog_is_folded_over_several_scrapes_without_losing_or_repeating_any(r: redis.Redis) -> None:
    publish(r, *[result(f"t{i}") for i in range(1100)])
    assert [fold_results(r, review_share=0, max_batches=1) for _ in range(4)] == [500, 500, 100, 0]
    assert read_counters(r)[("tickets", (("intent", "faq"), ("outcome", "auto_reply")))] == 1100


def test_metrics_endpoint_exposes_stream_counters_and_live_gauges(r: redis.Redis) -> None:
    # given results, two waiting tasks on the I/O queue, one in-flight ticket and one dead letter
    publish(r, result("a"), result("b", intent="billing", action="escalate", reasons=["billing"]))
    r.lpush("ticketflow.io", "m1", "m2")
    r.zadd(keys.INFLIGHT_ZSET, {"api:z": time.time()})
    r.xadd(keys.DLQ_STREAM, {"ticket_id": "api:y"})
    client = TestClient(app_on(r, load_settings(redis_url="redis://unused:1/0")))
    # when Prometheus scrapes twice
    client.get("/metrics")
    resp = client.get("/metrics")
    # then the text format carries the counts, once
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    s = samples(resp.text)
    assert s[("ticketflow_tickets_total", (("intent", "faq"), ("outcome", "auto_reply")))] == 1
    assert s[("ticketflow_escalations_total", (("reason", "billing"),))] == 1
    assert s[("ticketflow_time_to_answer_seconds_count", ())] == 2
    assert s[("ticketflow_stage_seconds_bucket", (("le", "+Inf"), ("stage", "generate")))] == 2
    assert s[("ticketflow_model_cost_usd_total", (("model", "claude-sonnet-4-5"), ("provider", "anthropic")))] == pytest.approx(0.0015)
    assert s[("ticketflow_queue_depth", (("queue", "ticketflow.io"),))] == 2
    assert s[("ticketflow_queue_depth", (("queue", "ticketflow.cpu"),))] == 0
    assert s[("ticketflow_inflight_tickets", ())] == 1
    assert s[("ticketflow_dlq_entries", ())] == 1
    assert s[("ticketflow_metrics_fold_backlog", ())] == 0


# ---- real workers ------------------------------------------------------------------------------


@pytest.mark.integration
def test_tickets_through_real_workers_show_up_in_both_the_api_and_the_worker_exporter(
    r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers]
) -> None:
    # given a worker exporting its own metrics on a port, and ten tickets through it
    port = free_port()
    start_workers(n=1, env={"TICKETFLOW_METRICS_PORT": str(port)}, extra=["--include", "worker.metrics"])
    enq = Enqueuer(r, load_settings())
    questions = ["How do I export my projects to CSV?", "I was charged twice, refund please."]
    for i in range(10):
        enq.enqueue(parse_ticket({"id": f"m{i}", "customer_id": f"c{i}", "message": questions[i % 2]}))
    assert len(wait_for_results(r, 10, timeout=90)) == 10
    # when the API and the worker are scraped
    api = samples(TestClient(app_on(r, load_settings())).get("/metrics").text)
    worker = samples(urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode())
    # then the API counts ten tickets, the billing ones escalated, and the worker ran ten classify tasks
    assert sum(v for (name, _), v in api.items() if name == "ticketflow_tickets_total") == 10
    assert api[("ticketflow_escalations_total", (("reason", "billing"),))] == 5
    assert api[("ticketflow_inflight_tickets", ())] == 0
    assert worker[("ticketflow_task_runs_total", (("state", "started"), ("task", "ticketflow.classify")))] == 10
    assert worker[("ticketflow_task_runs_total", (("state", "success"), ("task", "ticketflow.escalate")))] == 10


def test_every_metric_the_grafana_dashboard_queries_exists(r: redis.Redis) -> None:
    import json
    import re
    from pathlib import Path

    from prometheus_client import REGISTRY, generate_latest

    publish(r, result("a"), result("b", action="escalate", reasons=["billing"], failure=Failure(stage="classify", error="x"), attempts={"classify": 2}))
    text = TestClient(app_on(r, load_settings(redis_url="redis://unused:1/0"))).get("/metrics").text + generate_latest(REGISTRY).decode()
    families = {fam.name for fam in text_string_to_metric_families(text)}
    dashboard = json.loads((Path(__file__).resolve().parents[2] / "console" / "static" / "grafana-dashboard.json").read_text())
    queried = {m for p in dashboard["panels"] for t in p["targets"] for m in re.findall(r"ticketflow_[a-z_]+", t["expr"])}
    assert len(queried) > 10
    missing = {m for m in queried if re.sub(r"_(total|bucket|sum|count)$", "", m) not in families}
    assert not missing
