"""The archive on real databases (SQLite and PostgreSQL) fed from a real results stream: once per ticket, never ahead of the stream."""

from __future__ import annotations

import random
import time

import pytest
import redis
from sqlalchemy import Engine, create_engine, func, select

from console.report import build_report, load_results
from console.report_archive import build_archive_report
from devkit.archive_load import synthetic_result
from tests.support.ops import publish, result
from worker.archive import query, writer
from worker.archive.consumer import GROUP, Archiver
from worker.archive.rows import Privacy
from worker.archive.schema import database_url, migrate, result_details, result_reasons, result_usage, results
from worker.models import TicketResult
from worker.settings import load_settings
from worker.sinks.results import ResultsStream
from worker.state import outcomes

pytestmark = pytest.mark.integration
STREAM = "ticketflow:results"


def _archiver(r: redis.Redis, engine: Engine, name: str = "a1", **kw: object) -> Archiver:
    return Archiver(r, engine, STREAM, Privacy(), name, **kw)  # type: ignore[arg-type]


def _count(engine: Engine, table: object = results) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_each_ticket_is_archived_once_whatever_the_redelivery(r: redis.Redis, archive: Engine) -> None:
    # given three published results
    publish(r, result("t1"), result("t2", action="escalate", reasons=["billing", "low_confidence"]), result("t3"))
    entries = ResultsStream(r).read()
    # when they are archived by the consumer and then written again (a redelivery, a backfill)
    assert _archiver(r, archive).drain() == 3
    assert writer.write_results(archive, entries, Privacy()) == 0
    assert writer.write_results(archive, entries + entries, Privacy()) == 0
    # then each ticket has one row, its reasons and its calls once
    assert _count(archive) == 3
    assert _count(archive, result_reasons) == 2
    assert _count(archive, result_usage) == 6
    assert _count(archive, result_details) == 3
    migrate(archive)  # a second migration is a no-op


def _exact(rep: dict[str, object]) -> dict[str, object]:
    """A report without its approximated figures (time to answer, spend and what is divided by it)."""
    def strip(figs: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in figs.items() if k not in ("time_to_answer_s", "cost_usd", "cost_per_resolved_usd")}

    out = strip(rep)
    for group in ("by_day", "by_intent"):
        out[group] = {k: strip(v) for k, v in rep[group].items()}  # type: ignore[attr-defined]
    return out


def test_the_archive_report_gives_the_streams_figures(r: redis.Redis, archive: Engine) -> None:
    # given 300 results over four days in the stream, with a reopen and two verdicts
    rng = random.Random(11)
    now = time.time()
    for i in range(300):
        _eid, res = synthetic_result(i, rng, start=now - 4 * 86400, span_s=4 * 86400)
        publish(r, TicketResult.model_validate(res))
    sent = [res for _e, res in ResultsStream(r).read(count=1000) if res["decision"]["action"] == "auto_reply"]
    outcomes.record_reopen(r, "api", sent[0]["ticket"]["id"], window_s=10 * 86400)
    outcomes.record_review(r, f"api:{sent[1]['ticket']['id']}", "0-1", "correct")
    outcomes.record_review(r, f"api:{sent[2]['ticket']['id']}", "0-2", "incorrect", "wrong article")
    articles = [("reset-password", "Reset your password"), ("billing-faq", ""), ("never-cited", "An article nobody needs")]
    before = build_report(load_results(r, STREAM), reviews=outcomes.reviews(r), reopened=set(outcomes.reopened(r)), now=now, articles=articles)
    last_day = len(load_results(r, STREAM, since=now - 86400))
    # when the stream is archived and Redis is flushed
    _archiver(r, archive).drain()
    r.flushdb()
    after = build_archive_report(archive, now=now, articles=articles)
    # then the report from the archive is the stream's, figure for figure, overall, per day and per intent,
    # with its reply sample, citations, review coverage, knowledge gaps and thresholds
    assert (after["reopened"], after["reviewed"]) == (1, 2)
    assert after["reply_sample"] and after["citations"]["most"] and after["knowledge_gaps"]
    assert _exact(after) == _exact(before)
    for figs_after, figs_before in [(after, before)] + [(after[g][k], before[g][k]) for g in ("by_day", "by_intent") for k in before[g]]:
        # except what the archive reads from 1%-wide buckets, and sums in another order
        assert figs_after["cost_usd"] == pytest.approx(figs_before["cost_usd"])
        for p in ("p50", "p95"):
            assert figs_after["time_to_answer_s"][p] == pytest.approx(figs_before["time_to_answer_s"][p], rel=0.01)
    # and --since and --run select what they select on the stream
    assert build_archive_report(archive, since=now - 86400, now=now)["volume"] == last_day
    assert build_archive_report(archive, run_id="synthetic", now=now)["volume"] == 300
    assert build_archive_report(archive, run_id="another", now=now)["volume"] == 0


def test_entries_a_dead_archiver_took_are_archived_by_another(r: redis.Redis, archive: Engine) -> None:
    # given an archiver that read five entries and died before writing them
    publish(r, *(result(f"t{i}") for i in range(5)))
    dead = _archiver(r, archive, "dead")
    dead.ensure_group()
    r.xreadgroup(GROUP, "dead", {STREAM: ">"}, count=5)
    assert r.xpending(STREAM, GROUP)["pending"] == 5
    # when another archiver runs after the claim timeout
    time.sleep(0.3)
    assert _archiver(r, archive, "alive", claim_idle_s=0.2).drain() == 5
    # then every entry is archived once and nothing is left pending
    assert _count(archive) == 5
    assert r.xpending(STREAM, GROUP)["pending"] == 0


def test_a_database_outage_delays_the_archive_and_trims_nothing_unarchived(r: redis.Redis, archive: Engine, tmp_path: object) -> None:
    # given results older than the stream's window, and a database that does not answer
    publish(r, *(result(f"t{i}") for i in range(4)))
    down = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    broken = _archiver(r, down, "a1", keep_s=0.001)
    broken.ensure_group()
    # when the archiver tries to write and to trim
    with pytest.raises(Exception):  # noqa: B017  (whatever the driver raises for a refused connection)
        broken.step()
    broken.trim(time.time() + 3600)
    # then every entry is still in the stream, pending, and a working archiver archives them all
    assert r.xlen(STREAM) == 4
    assert r.xpending(STREAM, GROUP)["pending"] == 4
    assert _archiver(r, archive, "a1", keep_s=3600).drain() == 4
    assert _count(archive) == 4


def test_the_stream_keeps_its_window_once_archived(r: redis.Redis, archive: Engine) -> None:
    # given results archived, and a window of one hour
    publish(r, *(result(f"t{i}") for i in range(3)))
    a = _archiver(r, archive, keep_s=3600)
    a.drain()
    # when the clock is two hours on, and then one more result is published but not archived
    publish(r, result("late"))
    removed = a.trim(time.time() + 7200)
    # then the archived ones left Redis, the unarchived one stayed
    assert removed == 3
    assert [res["ticket"]["id"] for _e, res in ResultsStream(r).read()] == ["late"]


def test_prune_deletes_old_results_with_their_rows(r: redis.Redis, archive: Engine) -> None:
    publish(r, result("old", action="escalate", reasons=["billing"]), result("new"))
    entries = ResultsStream(r).read()
    aged = [(f"{int((time.time() - 100 * 86400) * 1000)}-0", entries[0][1]), entries[1]]
    writer.write_results(archive, aged, Privacy())
    writer.write_reopens(archive, {"api:old": time.time()})
    assert writer.prune(archive, time.time() - 90 * 86400) == 1
    assert _count(archive) == 1 and _count(archive, result_reasons) == 0 and _count(archive, result_usage) == 2
    assert query.result_at(archive, entries[1][0])["ticket"]["id"] == "new"  # type: ignore[index]


def test_a_trimmed_result_is_still_shown_from_the_archive(r: redis.Redis, archive: Engine) -> None:
    publish(r, result("t1", message="Where is my invoice?"))
    eid = ResultsStream(r).read()[0][0]
    _archiver(r, archive).drain()
    r.flushdb()
    got = query.result_at(archive, eid)
    assert got is not None and got["ticket"]["message"] == "Where is my invoice?"
    assert got["draft"]["citations"][0]["doc_id"] == "export-data"
    assert query.result_at(archive, "1-0") is None


def test_metrics_counters_lost_with_redis_are_seeded_from_the_archive(r: redis.Redis, archive: Engine) -> None:
    from worker.archive.metrics import seed_counters
    from worker.metrics import fold_results, read_counters

    # given results folded into the counters and archived
    publish(r, result("t1"), result("t2", action="escalate", reasons=["billing"], wait_s=40.0), result("t3", intent="bug", attempts={"classify": 2}))
    fold_results(r, STREAM, review_share=0.0)
    before = {k: v for k, v in read_counters(r, STREAM).items() if k[0] != "stage_retries"}
    _archiver(r, archive).drain()
    # when Redis loses everything, a new result arrives and /metrics is scraped (twice, as two replicas would)
    r.flushdb()
    publish(r, result("t4"))
    assert seed_counters(r, archive, STREAM) is True
    assert seed_counters(r, archive, STREAM) is False
    fold_results(r, STREAM, review_share=0.0)
    after = read_counters(r, STREAM)
    # then the counters hold the archived results plus the new one, never a result twice
    tickets = ("tickets", (("intent", "faq"), ("outcome", "auto_reply")))
    assert after[tickets] == before[tickets] + 1
    for k, v in before.items():
        if k != tickets and not k[0].endswith(("_sum", "_count", "_bucket")) and k[0] != "model_tokens" and k[0] != "model_cost_usd":
            assert after[k] == pytest.approx(v), k
    answered = ("time_to_answer_seconds_count", ())
    assert after[answered] == before[answered] + 1


def test_migration_0002_gives_archived_results_their_sample_order_and_citations(archive_url: str) -> None:
    # given results archived under the first schema (no spread, citations only as JSON)
    from worker.archive.rows import spread, to_rows
    from worker.archive.schema import articles, make_engine, result_citations

    engine = make_engine(database_url(load_settings(database_url=archive_url)) or archive_url)
    try:
        migrate(engine, "0001")
        cited, bare = result("c1").model_dump(mode="json"), result("c2").model_dump(mode="json")
        cited["draft"]["citations"] = [{"doc_id": d, "title": t, "section": ""} for d, t in (("billing-faq", "Billing FAQ"), ("billing-faq", "Billing FAQ"), ("refunds", ""))]
        bare["draft"]["citations"] = []
        rows = [to_rows(f"{1_700_000_000_000 + i}-0", res, Privacy()) for i, res in enumerate((cited, bare))]
        with engine.begin() as conn:
            conn.execute(results.insert(), [{k: v for k, v in x.result.items() if k != "spread"} for x in rows])
            conn.execute(result_details.insert(), [x.details for x in rows])
        # when the archive is brought to the current schema
        migrate(engine)
        # then each result has the order the report samples by, and its citations are rows, each article once
        with engine.connect() as conn:
            assert dict(conn.execute(select(results.c.uid, results.c.spread)).all()) == {"api:c1": spread("api:c1"), "api:c2": spread("api:c2")}
            got = conn.execute(select(result_citations.c.uid, result_citations.c.doc_id, result_citations.c.position).order_by(result_citations.c.position)).all()
            assert [tuple(x) for x in got] == [("api:c1", "billing-faq", 0), ("api:c1", "refunds", 1)]
            assert dict(conn.execute(select(articles.c.doc_id, articles.c.title)).all()) == {"billing-faq": "Billing FAQ", "refunds": ""}
        # and a pruned result takes its citation rows with it
        assert writer.prune(engine, time.time()) == 2 and _count(engine, result_citations) == 0
    finally:
        engine.dispose()
