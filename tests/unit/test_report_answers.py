"""The report answers "are the answers good?": sampled replies with citations and verdicts, reviewed
accuracy with its sample size, articles cited most and least, one-topic gap clusters, thresholds in
words, and terminal output that fits 80 columns."""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console

from console.report import build_report, knowledge_gaps
from console.report_answers import citations, reply_sample, review_coverage, wilson_interval
from console.report_text import print_report
from tests.support.ops import result
from worker.models import Citation, Draft, TicketResult
from worker.state.outcomes import Review

NOW = 1_767_225_600.0


def entries(*results: TicketResult) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{int((res.completed_at or 0) * 1000)}-{i}", res.model_dump(mode="json")) for i, res in enumerate(results)]


def _review(uid: str, verdict: str, note: str = "") -> Review:
    return Review(uid=uid, entry_id="1-0", verdict=verdict, note=note, at=0)  # type: ignore[arg-type]


def _citing(tid: str, *docs: str) -> TicketResult:
    res = result(tid)
    res.draft = Draft(text="See the article.", citations=[Citation(doc_id=d, title=d.replace("-", " ").title()) for d in docs])
    return res


def test_the_sample_shows_wrong_replies_first_then_right_ones_then_a_stable_spread() -> None:
    rows = entries(*(result(f"a{i}") for i in range(10)), result("esc", action="escalate", reasons=["billing"]))
    reviews = {"api:a3": _review("api:a3", "correct"), "api:a7": _review("api:a7", "incorrect", "says 3 retries, we do 5")}
    sample = reply_sample(rows, reviews, n=4)
    assert [x["ticket"] for x in sample[:2]] == ["api:a7", "api:a3"]
    assert sample[0]["verdict"] == "incorrect" and sample[0]["note"] == "says 3 retries, we do 5"
    assert sample[0]["citations"] == [{"doc_id": "export-data", "title": "Export your data", "section": "CSV"}]
    assert sample[0]["reply"] == "Open Settings > Export and pick CSV." and sample[2]["verdict"] is None
    assert all(x["ticket"] != "api:esc" for x in sample)
    assert reply_sample(rows, reviews, n=4) == sample


def test_reviewed_accuracy_comes_with_its_sample_size_and_interval() -> None:
    rows = entries(*(result(f"a{i}") for i in range(5)))
    cov = review_coverage(rows, {"api:a0": _review("api:a0", "correct"), "api:a1": _review("api:a1", "incorrect")})
    assert (cov["auto_replied"], cov["reviewed"], cov["correct"], cov["accuracy"]) == (5, 2, 1, 0.5)
    assert cov["ci95"] == pytest.approx((0.0945, 0.9055), abs=1e-4)
    assert review_coverage(rows, {})["accuracy"] is None and wilson_interval(0, 0) is None


def test_articles_cited_most_and_least_include_those_never_cited() -> None:
    rows = entries(_citing("a", "export-data", "sso"), _citing("b", "export-data"), _citing("c", "export-data", "sso"), _citing("d", "billing"))
    out = citations(rows, articles=[("export-data", ""), ("sso", ""), ("billing", ""), ("dark-mode", "Dark mode")], top=2)
    assert [(r["doc_id"], r["replies"]) for r in out["most"]] == [("export-data", 3), ("sso", 2)]
    assert [(r["doc_id"], r["replies"]) for r in out["least"]] == [("dark-mode", 0), ("billing", 1)]
    assert out["most"][0]["title"] == "Export Data" and out["never_cited"] == 1 and out["articles_known"] == 4


def _gap(tid: str, subject: str, message: str) -> TicketResult:
    return result(tid, action="escalate", reasons=["no_relevant_docs"], subject=subject, message=message, score=0)


def test_gap_clusters_are_one_topic_each_and_never_held_by_weak_words() -> None:
    rows = entries(
        _gap("w1", "?????", "????? hello??? anyone"),
        _gap("w2", "Your update broke everything", "Since this morning's update the board view is empty for the whole team. Anyone?"),
        _gap("b1", "Bug chronomètre", "Le chronomètre se remet à zéro quand je change d'onglet"),
        _gap("b2", "Bug nel calendario", "Nella vista calendario le attività del sabato vengono spostate"),
        _gap("i1", "Invite link 404", "The invite link from Workspace settings gives a 404 page for everyone we send it to."),
        _gap("i2", "Invite never arrived", "my coworker says she never got the invite email. i resent it twice."),
        _gap("i3", "Re: Re: Invite", "Resent for the 4th time, still nothing, and the copy-link option says the invitation is no longer valid."),
        *(result(f"ok{i}", message=f"How do I export report {i} to CSV?") for i in range(20)),
    )
    gaps = knowledge_gaps(rows, {}, None, top=10)
    clusters = {g["topic"]: sorted(g["tickets"]) for g in gaps if g["volume"] > 1}
    assert clusters == {"invite": ["api:i1", "api:i2", "api:i3"]}
    invite = next(g for g in gaps if g["topic"] == "invite")
    assert invite["shared_words"][0] == "invite" and {q["ticket"] for q in invite["quotes"]} == {"api:i1", "api:i2", "api:i3"}
    assert any("invite link" in q["text"].lower() for q in invite["quotes"])


def test_every_threshold_is_explained_in_words() -> None:
    rows = entries(*(result(f"a{i}", score=0.5 + i / 100) for i in range(10)))
    rep = build_report(rows, reviews={}, reopened=set(), now=NOW, policy={"retrieval_min_score": 0.4, "retrieval_bug_min_score": 0.6})
    names = {t["name"]: t for t in rep["thresholds"]}
    assert {"weak match", "TICKETFLOW_RETRIEVAL_MIN_SCORE", "TICKETFLOW_RETRIEVAL_BUG_MIN_SCORE", "gap cluster similarity", "common word"} <= set(names)
    assert "10th percentile" in names["weak match"]["meaning"] and names["weak match"]["value"] == rep["knowledge_gaps_low_score"]
    assert all(len(t["meaning"]) > 40 for t in rep["thresholds"])


def test_the_terminal_report_fits_80_columns_without_cut_headers() -> None:
    rows = entries(*(result(f"a{i}", intent="faq") for i in range(6)), result("e", intent="escalate", action="escalate", reasons=["prompt_injection"]),
                   _gap("g", "Dark mode", "Is there a dark mode for the mobile app?"))
    rep = build_report(rows, reviews={"api:a1": _review("api:a1", "correct")}, reopened=set(), now=NOW)
    con = Console(width=80, record=True, color_system=None)
    print_report(rep, con)
    text = con.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    for header in ("tickets", "resolved", "escal.", "reopen", "$/resolv", "accuracy"):
        assert header in text
    assert "Reviewed accuracy 100.0%: 1 of 1 reviewed" in text and "cites: Export your data › CSV" in text
    assert "Dark mode" in text and "weak match" in text
