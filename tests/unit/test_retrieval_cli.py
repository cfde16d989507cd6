"""`ticketflow index build|status` and `ticketflow eval-retrieval` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from console.cli import app

runner = CliRunner()

DOCS = [
    {"doc_id": "strike", "title": "Strikethrough text in Markdown", "text": "Wrap the words in double tildes to cross them out."},
    {"doc_id": "delete", "title": "Deleting your account", "text": "Open settings, choose Account, then Delete. Deletion is permanent after 14 days."},
    {"doc_id": "filter", "title": "Filtering e-mail into folders", "text": "Create a rule that moves messages from a sender into a folder automatically."},
]
QUESTIONS = [
    {"qid": "1", "question": "how do I cross out words", "gold_doc_id": "strike"},
    {"qid": "2", "question": "remove my account for good", "gold_doc_id": "delete"},
    {"qid": "3", "question": "automatically move mail from my boss to a folder", "gold_doc_id": "filter"},
]


def _jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def index_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TICKETFLOW_INDEX_DIR", str(tmp_path / "idx"))
    return tmp_path


def test_index_build_reports_what_it_embedded_then_that_nothing_changed(index_env: Path) -> None:
    docs = _jsonl(index_env / "docs.jsonl", DOCS)
    first = runner.invoke(app, ["index", "build", str(docs), "--json"])
    assert first.exit_code == 0, first.output
    out = json.loads(first.output)
    assert out["embedded"] == out["chunks"] == 3 and out["reused"] == 0
    _jsonl(docs, [*DOCS[:2], {**DOCS[2], "text": DOCS[2]["text"] + " Rules run on arrival."}])
    second = json.loads(runner.invoke(app, ["index", "build", str(docs), "--json"]).output)
    assert (second["embedded"], second["reused"], second["articles_changed"]) == (1, 2, ["en/filter"])
    third = json.loads(runner.invoke(app, ["index", "build", str(docs), "--json"]).output)
    assert third["up_to_date"] is True and third["embedded"] == 0


def test_index_status_exits_1_when_the_source_changed(index_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _jsonl(index_env / "docs.jsonl", DOCS)
    assert runner.invoke(app, ["index", "status", str(docs)]).exit_code == 1, "missing"
    runner.invoke(app, ["index", "build", str(docs)])
    ok = runner.invoke(app, ["index", "status", str(docs)])
    assert ok.exit_code == 0 and json.loads(ok.output)["status"] == "fresh"
    _jsonl(docs, DOCS[:2])
    stale = runner.invoke(app, ["index", "status", str(docs)])
    assert stale.exit_code == 1 and json.loads(stale.output)["status"] == "stale"


def test_eval_retrieval_writes_hit_and_mrr_for_hybrid_and_the_bm25_baseline(index_env: Path) -> None:
    docs = _jsonl(index_env / "docs.jsonl", DOCS)
    qs = _jsonl(index_env / "q.jsonl", QUESTIONS)
    res = runner.invoke(app, ["eval-retrieval", "--docs", str(docs), "--questions", str(qs), "--json", str(index_env / "r.json")])
    assert res.exit_code == 0, res.output
    report = json.loads((index_env / "r.json").read_text())
    for ranking in ("hybrid", "bm25_baseline", "lexical_only", "dense_only"):
        assert set(report[ranking]) >= {"hit_at_1", "hit_at_3", "mrr_at_10"}
        assert report[ranking]["n"] == 3
    assert report["hybrid"]["hit_at_3"] == 1.0


def test_eval_retrieval_refuses_a_malformed_questions_file(index_env: Path) -> None:
    docs = _jsonl(index_env / "docs.jsonl", DOCS)
    bad = index_env / "q.jsonl"
    bad.write_text('{"qid": "1", "question": "x"}\n')
    res = runner.invoke(app, ["eval-retrieval", "--docs", str(docs), "--questions", str(bad)])
    assert res.exit_code == 2 and "q.jsonl:1" in res.output


def test_index_build_refuses_a_source_that_is_not_a_help_centre(index_env: Path) -> None:
    f = index_env / "notes.txt"
    f.write_text("hello")
    res = runner.invoke(app, ["index", "build", str(f)])
    assert res.exit_code == 2 and "neither a folder" in res.output


def test_bench_retrieval_prints_and_writes_figures_for_each_size(index_env: Path) -> None:
    res = runner.invoke(app, ["bench-retrieval", "--sizes", "40,80", "--queries", "5", "--json", str(index_env / "b.json")])
    assert res.exit_code == 0, res.output
    rows = json.loads((index_env / "b.json").read_text())["rows"]
    assert [r["chunks"] >= n for r, n in zip(rows, (40, 80), strict=True)] == [True, True]
    assert all(r["hybrid_p50_ms"] > 0 and r["brute_p50_ms"] > 0 and r["index_arrays_mb"] > 0 for r in rows)
    assert "| chunks |" in res.output


def test_bench_retrieval_refuses_bad_sizes(index_env: Path) -> None:
    assert runner.invoke(app, ["bench-retrieval", "--sizes", "ten"]).exit_code == 2
