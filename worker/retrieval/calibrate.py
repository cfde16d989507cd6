"""Fit the answerability model (the score's weights) and read off thresholds, on the team's own data.

The score answers "the top article answers this ticket". Samples, all our own writing:
- our labelled tickets of answerable intents (`faq`/`bug`) and our retrieval questions against our
  help centre: positive when the top article is the gold one, negative otherwise (off the help
  centre, or the search put another article first: answering from it would cite the wrong page);
- the same questions asked with their gold article left out of the help centre: negative (what the
  search returns when the answer is missing: sections that share the question's words);
- our tickets of other products (`--negatives`, e.g. `corpus/tickets/train_domains.jsonl`) asked of
  our help centre: negative (another domain's questions must not be answered).
A logistic regression (scikit-learn, C=1, no class weights: the score stays a probability under our
own mix) over `search.FEATURES` gives the weights. Never fit on evaluation sets or foreign test data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from worker.retrieval import index as ix
from worker.retrieval.chunking import Article
from worker.retrieval.evaluate import Question
from worker.retrieval.language import language_of
from worker.retrieval.search import FEATURES, HybridSearcher, confidence
from worker.text import clean

ANSWERABLE = ("faq", "bug")
MAX_OTHER_DOMAIN = 0.05  # the recommended threshold answers at most this share of other-domain tickets


@dataclass(frozen=True)
class Sample:
    """Features of a top hit and whether it answers."""

    features: tuple[float, ...]
    positive: bool
    kind: str  # "ticket", "question", "left_out" or "other_domain"


def _top(searcher: HybridSearcher, text: str, language: str | None) -> tuple[tuple[float, ...], str | None]:
    hits = searcher.search(text, k=3, language=language)
    if not hits:
        return (0.0,) * len(FEATURES), None
    return hits[0].features, searcher.index.passages[hits[0].row].doc_id


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ticket_samples(searcher: HybridSearcher, tickets: Path) -> list[Sample]:
    """One sample per answerable-intent ticket of a labelled JSONL file (positive: the top article is the gold one)."""
    out: list[Sample] = []
    for t in _rows(tickets):
        if t.get("intent") not in ANSWERABLE:
            continue
        text = " ".join(clean(f"{t.get('subject') or ''}\n{t.get('message') or t.get('text') or ''}").split())
        features, doc = _top(searcher, text, language_of(text, t.get("language")))
        out.append(Sample(features, doc is not None and doc == t.get("gold_doc_id"), "ticket"))
    return out


def question_samples(searcher: HybridSearcher, questions: Sequence[Question]) -> list[Sample]:
    """Per question: its top hit, positive when it is the gold article."""
    out: list[Sample] = []
    for q in questions:
        features, doc = _top(searcher, q.question, q.language)
        out.append(Sample(features, doc == q.gold_doc_id, "question"))
    return out


def left_out_samples(articles: Sequence[Article], questions: Sequence[Question]) -> list[Sample]:
    """Each question asked of the help centre without its gold article (every language of it): all negative."""
    by_gold: dict[str, list[Question]] = {}
    for q in questions:
        by_gold.setdefault(q.gold_doc_id, []).append(q)
    out: list[Sample] = []
    for gold, qs in sorted(by_gold.items()):
        rest = [a for a in articles if a.doc_id != gold]
        if not rest:
            continue
        searcher = HybridSearcher(ix.build(rest)[0], uncovered_max=1.0)
        out.extend(Sample(_top(searcher, q.question, q.language)[0], False, "left_out") for q in qs)
    return out


def other_domain_samples(searcher: HybridSearcher, tickets: Path) -> list[Sample]:
    """Tickets of other products asked of this help centre: all negative, whatever their intent."""
    out: list[Sample] = []
    for t in _rows(tickets):
        text = " ".join(clean(f"{t.get('subject') or ''}\n{t.get('message') or t.get('text') or ''}").split())
        out.append(Sample(_top(searcher, text, language_of(text, t.get("language") or t.get("lang")))[0], False, "other_domain"))
    return out


def fit(samples: Sequence[Sample], c: float = 1.0) -> tuple[float, ...]:
    """Weights (one per feature, then the bias) of a logistic regression over the samples."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray([s.features for s in samples], np.float64)
    y = np.asarray([s.positive for s in samples], bool)
    model = LogisticRegression(C=c, max_iter=1000).fit(x, y)
    return (*(round(float(w), 3) for w in model.coef_[0]), round(float(model.intercept_[0]), 3))


def threshold_table(scores: np.ndarray, positive: np.ndarray) -> list[dict[str, float]]:
    """For thresholds 0.05..0.95: share of answerable tickets kept and of unanswerable ones escalated."""
    rows = []
    for th in np.round(np.arange(0.05, 0.96, 0.05), 2):
        kept = scores >= th
        tpr = float(kept[positive].mean()) if positive.any() else 0.0
        tnr = float((~kept[~positive]).mean()) if (~positive).any() else 0.0
        rows.append({"threshold": float(th), "answerable_kept": round(tpr, 3), "unanswerable_escalated": round(tnr, 3), "youden_j": round(tpr + tnr - 1, 3)})
    return rows


def calibrate(
    searcher: HybridSearcher, articles: Sequence[Article], tickets: Path, questions: Sequence[Question], negatives: Path | None = None
) -> dict[str, Any]:
    """Fitted weights, the threshold table (cross-validated scores) and the thresholds it recommends."""
    probe = HybridSearcher(searcher.index, uncovered_max=1.0)  # features before the hard answerability rule
    samples = ticket_samples(probe, tickets) + question_samples(probe, questions) + left_out_samples(articles, questions)
    if negatives is not None:
        samples += other_domain_samples(probe, negatives)
    weights = fit(samples)
    scores = cross_validated(samples)
    positive = np.asarray([s.positive for s in samples])
    table = threshold_table(scores, positive)
    other = np.asarray([s.kind == "other_domain" for s in samples])
    for row in table:
        row["other_domain_answered"] = round(float((scores[other] >= row["threshold"]).mean()), 3) if other.any() else 0.0
    capped = [r for r in table if r["other_domain_answered"] <= MAX_OTHER_DOMAIN] if other.any() else table
    recommended = min(capped, key=lambda r: r["threshold"]) if capped else table[-1]
    counts = {k: sum(s.kind == k for s in samples) for k in ("ticket", "question", "left_out", "other_domain")}
    return {"features": list(FEATURES), "weights": weights, "samples": counts, "positives": int(positive.sum()), "table": table,
            "best": max(table, key=lambda r: (r["youden_j"], -r["threshold"])), "recommended": recommended}


def cross_validated(samples: Sequence[Sample], folds: int = 5) -> np.ndarray:
    """Each sample's score from weights fitted without its fold."""
    order = np.random.default_rng(0).permutation(len(samples))
    scores = np.zeros(len(samples))
    for f in range(folds):
        test = order[f::folds]
        held = set(test.tolist())
        w = fit([s for i, s in enumerate(samples) if i not in held])
        for i in test.tolist():
            scores[i] = confidence(samples[i].features, w)
    return scores
