"""The rows a result is archived as, the privacy settings, and the report's figures from grouped counts (pure)."""

from __future__ import annotations

import random

import pytest

from console.report import Tally, figures, figures_of, tally
from console.report_archive import tallies
from console.summary import percentile, weighted_percentile
from devkit.archive_load import synthetic_result
from tests.support.ops import result
from worker.archive import query
from worker.archive.rows import Privacy, bucket_value, to_result, to_rows, wait_bucket
from worker.archive.schema import database_url
from worker.settings import load_settings

MESSAGE = "My card 4111 1111 1111 1111 was charged twice, mail me at ann@example.com"


@pytest.mark.parametrize(
    ("how", "expected"),
    [("keep", MESSAGE), ("redact", "My card [card] was charged twice, mail me at [email]"), ("drop", None)],
)
def test_the_message_is_kept_redacted_or_left_out_as_configured(how: str, expected: str | None) -> None:
    res = result("t1", message=MESSAGE).model_dump(mode="json")
    rows = to_rows("1700000002000-0", res, Privacy(message=how, reply="drop"))  # type: ignore[arg-type]
    assert rows.details["message"] == expected
    assert rows.details["reply"] is None
    assert MESSAGE not in str(rows.result), "the words live in result_details only"


def test_a_result_becomes_one_row_with_its_reasons_calls_and_timings() -> None:
    res = result("t7", intent="billing", action="escalate", reasons=["billing", "low_confidence"], cost=0.004, wait_s=3.0).model_dump(mode="json")
    rows = to_rows("1700000003000-5", res, Privacy())
    row = rows.result
    assert row["uid"] == "api:t7" and row["intent"] == "billing" and row["action"] == "escalate"
    assert row["published_day"].isoformat() == "2023-11-14"
    assert row["time_to_answer_s"] == pytest.approx(3.0) and row["cost_usd"] == pytest.approx(0.004)
    assert (row["provider"], row["model"]) == ("anthropic", "claude-sonnet-4-5")
    assert row["classify_s"] == 0.002 and row["retries"] == 0
    assert [x["reason"] for x in rows.reasons] == ["billing", "low_confidence"]
    assert all(x["published_day"] == row["published_day"] and x["action"] == "escalate" for x in rows.reasons)
    assert [u["stage"] for u in rows.usage] == ["classify", "generate"] and rows.usage[1]["cache_read_tokens"] == 800
    back = to_result({**row, **rows.details}, ["billing", "low_confidence"])
    assert back["ticket"]["message"] == res["ticket"]["message"]
    assert back["decision"] == {"action": "escalate", "reasons": ["billing", "low_confidence"]}
    assert back["completed_at"] == pytest.approx(res["completed_at"])


def test_wait_buckets_are_one_percent_wide() -> None:
    for secs in (0.01, 0.5, 1.7, 42.0, 900.0):
        assert bucket_value(wait_bucket(secs)) == pytest.approx(secs, rel=0.005)


def test_weighted_percentile_is_percentile_without_expanding_the_values() -> None:
    rng = random.Random(3)
    values = [round(rng.random() * 10, 1) for _ in range(500)]
    pairs = [(v, values.count(v)) for v in set(values)]
    for q in (0.0, 0.1, 0.5, 0.95, 1.0):
        assert weighted_percentile(pairs, q) == pytest.approx(percentile(values, q))
    assert weighted_percentile([], 0.5) == 0.0


def test_figures_from_grouped_counts_equal_figures_from_the_results() -> None:
    # given 400 results, tallied one by one as the stream report does
    rng = random.Random(5)
    entries = [synthetic_result(i, rng, start=1_700_000_000.0, span_s=5 * 86400) for i in range(400)]
    rows = [res for _eid, res in entries]
    direct = figures(rows, {}, set())
    # when the same results are counted as the database groups them
    archived = [to_rows(eid, res, Privacy()) for eid, res in entries]
    grouped: dict[tuple[str, str, str], list[float]] = {}
    for a in archived:
        key = (a.result["published_day"].isoformat(), a.result["intent"], a.result["action"])
        grouped.setdefault(key, []).append(a.result["cost_usd"])
    groups = [query.Group(d, i, act, len(costs), sum(costs)) for (d, i, act), costs in grouped.items()]
    reasons: dict[tuple[str, str, str], int] = {}
    for a in archived:
        for x in a.reasons:
            if x["action"] == "escalate":
                k = (x["published_day"].isoformat(), x["intent"], x["reason"])
                reasons[k] = reasons.get(k, 0) + 1
    waits: dict[tuple[str, int], int] = {}
    for a in archived:
        k = (a.result["published_day"].isoformat(), a.result["wait_bucket"])
        waits[k] = waits.get(k, 0) + 1
    overall, _by_day, _by_intent = tallies(groups, [(*k, n) for k, n in reasons.items()], [], [(*k, n) for k, n in waits.items()], [])
    # then every count and rate is the same, and the times to answer are within the buckets' width
    got = figures_of(overall)
    for key in ("volume", "auto_replied", "drafted", "escalated", "resolution_rate", "escalation_rate", "escalation_by_reason"):
        assert got[key] == direct[key], key
    assert got["cost_usd"] == pytest.approx(direct["cost_usd"])
    assert got["time_to_answer_s"]["p50"] == pytest.approx(direct["time_to_answer_s"]["p50"], rel=0.01)


def test_tally_counts_reopened_auto_replies_and_verdicts() -> None:
    rows = [result("a").model_dump(mode="json"), result("b", action="escalate", reasons=["billing"]).model_dump(mode="json")]
    t = tally(rows, {}, {"api:a", "api:b"})
    assert t.reopened == 1 and t.actions["escalate"] == 1 and t.reasons["billing"] == 1
    assert isinstance(t, Tally)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("", None),
        ("sqlite", "sqlite:////data/archive.sqlite3"),
        ("postgresql://u@db:5432/tf", "postgresql+psycopg://u@db:5432/tf"),
        ("sqlite:////tmp/a.db", "sqlite:////tmp/a.db"),
    ],
)
def test_database_url_names_the_embedded_file_and_psycopg_3(setting: str, expected: str | None) -> None:
    assert database_url(load_settings(database_url=setting, data_dir="/data")) == expected
