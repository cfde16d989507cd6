"""`ticketflow report`: figures per day and intent, reopens against resolution, knowledge gaps, JSON and HTML."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import func, select
from typer.testing import CliRunner

from console.cli import app as cli
from console.report import LOW_SCORE, build_report, cluster, parse_since, tfidf
from console.report_html import render_html
from console.summary import summarize
from devkit.services import Workers
from producer.enqueue import Enqueuer, parse_ticket
from tests.conftest import wait_for_results
from tests.support.ops import publish, result
from worker.archive import schema
from worker.models import TicketResult
from worker.settings import load_settings
from worker.state import outcomes
from worker.state.outcomes import Review

DAY1 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
DAY2 = DAY1 + 86400


def entries(*results: TicketResult) -> list[tuple[str, dict[str, object]]]:
    return [(f"{int((res.completed_at or 0) * 1000)}-{i}", res.model_dump(mode="json")) for i, res in enumerate(results)]


def test_a_reopened_ticket_counts_against_resolution_and_raises_cost_per_resolved() -> None:
    rows = entries(*(result(f"a{i}", cost=0.01, enqueued_at=DAY1) for i in range(4)), result("e", action="escalate", reasons=["billing"], cost=0.01, enqueued_at=DAY1))
    clean = build_report(rows, reviews={}, reopened=set(), now=DAY2)
    one_back = build_report(rows, reviews={}, reopened={"api:a0"}, now=DAY2)
    assert (clean["resolved"], clean["resolution_rate"], clean["cost_per_resolved_usd"]) == (4, 0.8, pytest.approx(0.05 / 4, abs=1e-6))
    assert (one_back["resolved"], one_back["resolution_rate"], one_back["reopened"]) == (3, 0.6, 1)
    assert one_back["cost_per_resolved_usd"] == pytest.approx(0.05 / 3, abs=1e-6)
    assert one_back["escalation_rate"] == 0.2 and one_back["escalation_by_reason"] == {"billing": {"tickets": 1, "rate": 0.2}}
    # a reopen of an escalated ticket does not touch resolution
    assert build_report(rows, reviews={}, reopened={"api:e"}, now=DAY2)["resolved"] == 4


def test_figures_split_per_day_and_intent_with_time_to_answer_and_reviewed_accuracy() -> None:
    rows = entries(
        result("d1a", enqueued_at=DAY1, wait_s=1),
        result("d1b", intent="bug", enqueued_at=DAY1 + 60, wait_s=3),
        result("d2a", enqueued_at=DAY2, wait_s=10),
        result("d2b", intent="account", action="escalate", reasons=["account_change"], enqueued_at=DAY2 + 60, wait_s=5),
    )
    reviews = {
        "api:d1a": Review(uid="api:d1a", entry_id="1-0", verdict="correct", at=0),
        "api:d2a": Review(uid="api:d2a", entry_id="2-0", verdict="incorrect", note="outdated", at=0),
    }
    rep = build_report(rows, reviews=reviews, reopened=set(), now=DAY2 + 3600)
    assert list(rep["by_day"]) == ["2026-01-01", "2026-01-02"]
    assert rep["by_day"]["2026-01-01"]["resolution_rate"] == 1.0 and rep["by_day"]["2026-01-02"]["escalation_rate"] == 0.5
    assert rep["by_day"]["2026-01-01"]["time_to_answer_s"] == {"p50": 2.0, "p95": 2.9}
    assert set(rep["by_intent"]) == {"faq", "bug", "account"} and rep["by_intent"]["account"]["resolution_rate"] == 0.0
    assert rep["by_intent"]["faq"]["reviewed"] == 2 and rep["by_intent"]["faq"]["reviewed_accuracy"] == 0.5
    assert rep["by_intent"]["bug"]["reviewed_accuracy"] is None
    assert rep["reviewed_accuracy"] == 0.5


def test_knowledge_gaps_group_similar_questions_and_rank_them_by_volume() -> None:
    # given three questions about invoice PDFs and two about dark mode that found no article,
    # one reply a reviewer marked incorrect, and one weak match that escalated
    invoice = ["Where can I download my invoice as a PDF?", "Invoice PDF download is missing", "how to download invoice pdf for March"]
    dark = ["Is there a dark mode?", "Dark mode for the mobile app please"]
    rows = entries(
        *(result(f"i{n}", action="escalate", reasons=["no_relevant_docs"], message=m, subject="", score=0, enqueued_at=DAY1 + n) for n, m in enumerate(invoice)),
        *(result(f"d{n}", intent="bug", action="escalate", reasons=["no_relevant_docs"], message=m, subject="", score=0, enqueued_at=DAY1 + 10 + n) for n, m in enumerate(dark)),
        result("w", message="Webhook retries: how often do you retry a failed webhook?", subject="", enqueued_at=DAY1 + 20),
        result("weak", action="escalate", reasons=["draft_uncertain"], message="Gantt chart export to PowerPoint", subject="", score=1.5, enqueued_at=DAY1 + 30),
        *(result(f"ok{n}", score=20.0 + n, enqueued_at=DAY1 + 40 + n) for n in range(10)),
    )
    reviews = {"api:w": Review(uid="api:w", entry_id="x", verdict="incorrect", note="we retry 5 times, not 3", at=0)}
    gaps = build_report(rows, reviews=reviews, reopened=set(), now=DAY2)["knowledge_gaps"]
    assert [g["volume"] for g in gaps] == [3, 2, 1, 1]
    assert "invoice" in gaps[0]["keywords"] and "pdf" in gaps[0]["keywords"]
    assert gaps[0]["signals"] == {"no_relevant_docs": 3} and sorted(gaps[0]["tickets"]) == ["api:i0", "api:i1", "api:i2"]
    assert "dark" in gaps[1]["keywords"]
    singles = {g["tickets"][0]: g["signals"] for g in gaps[2:]}
    assert singles == {"api:w": {"reviewed_incorrect": 1}, "api:weak": {LOW_SCORE: 1}}


def test_unrelated_questions_are_not_clustered_together() -> None:
    m, _ = tfidf(["reset my password", "refund the duplicate charge", "calendar shows wrong weekday"])
    assert cluster(m) == [[0], [1], [2]]


@pytest.mark.parametrize(("text", "expected"), [("7d", DAY2 - 7 * 86400), ("36h", DAY2 - 36 * 3600), ("2026-01-01", DAY1), ("2026-01-01T12:00:00+01:00", DAY1 + 11 * 3600)])
def test_since_takes_ages_and_iso_dates(text: str, expected: float) -> None:
    assert parse_since(text, now=DAY2) == expected


def test_since_rejects_anything_else() -> None:
    with pytest.raises(ValueError, match="neither an ISO date"):
        parse_since("last tuesday", now=DAY2)


def test_the_html_page_has_charts_and_no_external_asset() -> None:
    rows = entries(result("a", enqueued_at=DAY1), result("b", action="escalate", reasons=["no_relevant_docs"], subject="<script>alert(1)</script>", score=0, enqueued_at=DAY2))
    page = render_html(build_report(rows, reviews={}, reopened=set(), now=DAY2))
    assert page.count("<svg") >= 4
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page


def test_the_command_writes_json_and_html_for_one_run(r: redis.Redis, use_env: dict[str, str], tmp_path: Path) -> None:
    # given results of two runs on the stream, one reviewed and one reopened
    mine = [result(f"m{i}").model_copy(update={"run_id": "run1"}) for i in range(3)]
    other = [result("o1").model_copy(update={"run_id": "run2"})]
    publish(r, *mine, *other)
    assert outcomes.record_reopen(r, "api", "m0")  # as the webhook does when the customer writes again
    # when the report is asked for run1
    out = CliRunner().invoke(cli, ["report", "--run", "run1", "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html")])
    # then it covers that run's three tickets, the reopen counted against resolution
    assert out.exit_code == 0, out.output
    rep = json.loads((tmp_path / "r.json").read_text())
    for key in ("resolution_rate", "escalation_rate", "cost_per_resolved_usd", "by_day", "by_intent", "knowledge_gaps"):
        assert key in rep
    assert rep["volume"] == 3 and rep["resolved"] == 2 and rep["run_id"] == "run1"
    assert "<svg" in (tmp_path / "r.html").read_text()
    assert "resolution" in out.output


def test_the_command_refuses_a_bad_since(r: redis.Redis, use_env: dict[str, str]) -> None:
    out = CliRunner().invoke(cli, ["report", "--since", "yesterday-ish"])
    assert out.exit_code == 2 and "neither an ISO date" in out.output


@pytest.mark.integration
def test_after_a_real_run_the_report_agrees_with_the_run_summary(r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers], tmp_path: Path) -> None:
    # given twelve tickets through a real worker
    start_workers(n=1)
    enq = Enqueuer(r, load_settings())
    questions = ["How do I export my projects to CSV?", "I was charged twice, refund please.", "How do I reset my password?"]
    for i in range(12):
        enq.enqueue(parse_ticket({"id": f"p{i}", "customer_id": f"c{i}", "message": questions[i % 3]}), run_id="real1")
    results = wait_for_results(r, 12, timeout=90)
    # when the report is written
    out = CliRunner().invoke(cli, ["report", "--run", "real1", "--json", str(tmp_path / "r.json"), "-q"])
    assert out.exit_code == 0, out.output
    rep = json.loads((tmp_path / "r.json").read_text())
    # then its figures are the run's own
    s = summarize(results, enqueued=12, wall_s=1.0)
    assert rep["volume"] == 12
    assert rep["resolution_rate"] == s["resolution_rate"] and rep["escalation_rate"] == s["escalation_rate"]
    assert rep["by_intent"]["billing"]["escalation_rate"] == 1.0


@pytest.mark.integration
def test_after_a_demo_the_archive_holds_each_ticket_and_reports_the_same_rates_once_redis_is_flushed(
    r: redis.Redis, use_env: dict[str, str], archive_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given an archive (SQLite, and PostgreSQL: required in CI) and 24 of the sample tickets
    tickets = tmp_path / "tickets.jsonl"
    tickets.write_text("".join((Path(__file__).resolve().parents[2] / "corpus/tickets/sample.jsonl").read_text().splitlines(keepends=True)[:24]))
    monkeypatch.setenv("TICKETFLOW_DATABASE_URL", archive_url)
    # when `ticketflow demo` runs them on real workers, keeping its Redis database (a process of its own, as a person runs it)
    demo = ["demo", "--tickets", str(tickets), "--workers", "1", "--concurrency", "4", "--keep", "--json", str(tmp_path / "s.json")]
    out = subprocess.run([sys.executable, "-c", "from console.cli import main; main()", *demo], capture_output=True, text=True, timeout=240, check=False)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    summary = json.loads((tmp_path / "s.json").read_text())
    kept, run = summary["redis_kept_at"], summary["run_id"]
    assert kept and summary["completed"] == 24
    # then the database holds one row per completed ticket
    engine = schema.archive_engine(load_settings())
    assert engine is not None
    with engine.connect() as conn:
        rows = conn.execute(select(schema.results.c.uid, func.count()).where(schema.results.c.run_id == run).group_by(schema.results.c.uid)).all()
    assert len(rows) == summary["completed"] and all(n == 1 for _uid, n in rows)
    # and the report from Redis (no archive) and from the archive after Redis is flushed give the same rates
    monkeypatch.setenv("REDIS_URL", kept)
    monkeypatch.setenv("TICKETFLOW_DATABASE_URL", "")
    before = _report(tmp_path / "before.json", run)
    redis.Redis.from_url(kept).flushdb()
    monkeypatch.setenv("TICKETFLOW_DATABASE_URL", archive_url)
    after = _report(tmp_path / "after.json", run)
    assert before["volume"] == after["volume"] == 24
    assert (after["resolution_rate"], after["escalation_rate"]) == (before["resolution_rate"], before["escalation_rate"])
    assert after["escalation_by_reason"] == before["escalation_by_reason"] and after["by_intent"].keys() == before["by_intent"].keys()
    assert (before["resolution_rate"], before["escalation_rate"]) == (summary["resolution_rate"], summary["escalation_rate"])


def _report(path: Path, run: str) -> dict[str, Any]:
    from worker import runtime

    runtime.reset()
    out = CliRunner().invoke(cli, ["report", "--run", run, "-q", "--json", str(path)])
    assert out.exit_code == 0, out.output
    return dict(json.loads(path.read_text()))
