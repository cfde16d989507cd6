"""Fit the score calibration and pick the "nothing relevant" threshold on labelled tickets.

Labels come from tickets the help centre should answer (`faq`/`bug`): a ticket is positive when its
gold article is among the articles retrieved for the reply (top 3), negative when it has no gold
article (off the help centre) or the search missed it; either way escalating is right. The score
answers "did we find the answer", not "is the first article the only right one": a help centre
with two overlapping articles (shipping options, where we ship) must not read as having none. Labelled questions add
positives (top right) and negatives (the best article once the gold one is set aside: what the
search returns when the answer is missing). A logistic regression over the hit's features gives a
probability-like score; the threshold maximises Youden's J (recall of answerable tickets kept +
recall of unanswerable ones escalated - 1) on the tickets.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from worker.retrieval.evaluate import Question
from worker.retrieval.language import language_of
from worker.retrieval.search import HybridSearcher, confidence
from worker.text import clean

ANSWERABLE = ("faq", "bug")
TOP = 3  # articles the reply is written from
KEEP_ANSWERABLE = 0.95


@dataclass(frozen=True)
class Sample:
    """Features of a top hit and whether it answers."""

    features: tuple[float, float, float, float]
    positive: bool
    kind: str  # "ticket" or "question"


def ticket_samples(searcher: HybridSearcher, tickets: Path) -> list[Sample]:
    """One sample per answerable-intent ticket of a labelled JSONL file."""
    out: list[Sample] = []
    for line in tickets.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        t = json.loads(line)
        if t.get("intent") not in ANSWERABLE:
            continue
        text = clean(f"{t.get('subject') or ''}\n{t['message']}")
        hits = searcher.search(text, k=TOP, language=language_of(text, t.get("language")))
        if not hits:
            out.append(Sample((0.0, 0.0, 0.0, 0.0), False, "ticket"))
            continue
        docs = {searcher.index.passages[h.row].doc_id for h in hits}
        out.append(Sample(hits[0].features, t.get("gold_doc_id") is not None and t["gold_doc_id"] in docs, "ticket"))
    return out


def question_samples(searcher: HybridSearcher, questions: Sequence[Question]) -> list[Sample]:
    """Per question: the top hit (positive when right) and the best hit that is not the gold article."""
    out: list[Sample] = []
    for q in questions:
        hits = searcher.search(q.question, k=4, language=q.language)
        docs = [searcher.index.passages[h.row].doc_id for h in hits]
        if hits:
            out.append(Sample(hits[0].features, q.gold_doc_id in docs[:TOP], "question"))
        wrong = [h for h, d in zip(hits, docs, strict=True) if d != q.gold_doc_id]
        if wrong:
            out.append(Sample(wrong[0].features, False, "question"))
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 50) -> np.ndarray:
    """Weights (features..., bias) of an L2-regularised logistic regression, by Newton's method."""
    a = np.c_[x, np.ones(len(x))]
    w = np.zeros(a.shape[1])
    reg = np.eye(a.shape[1]) * l2
    reg[-1, -1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(a @ w)))
        grad = a.T @ (p - y) / len(y) + reg @ w
        hess = (a.T * (p * (1 - p))) @ a / len(y) + reg
        w -= np.linalg.solve(hess, grad)
    return w


FITTED = (0, 1)  # cosine and coverage: margin and agreement measured "only one article is right", not relevance


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[float, ...]:
    """Weights in the calibration's shape (every feature, then bias), fitted on the relevance features only."""
    w = fit_logistic(x[:, list(FITTED)], y)
    full = [0.0] * x.shape[1]
    for j, col in enumerate(FITTED):
        full[col] = round(float(w[j]), 3)
    return (*full, round(float(w[-1]), 3))


def threshold_table(scores: np.ndarray, positive: np.ndarray) -> list[dict[str, float]]:
    """For thresholds 0.05..0.95: share of answerable tickets kept and of unanswerable ones escalated."""
    rows = []
    for th in np.round(np.arange(0.05, 0.96, 0.05), 2):
        kept = scores >= th
        tpr = float(kept[positive].mean()) if positive.any() else 0.0
        tnr = float((~kept[~positive]).mean()) if (~positive).any() else 0.0
        rows.append({"threshold": float(th), "answerable_kept": round(tpr, 3), "unanswerable_escalated": round(tnr, 3), "youden_j": round(tpr + tnr - 1, 3)})
    return rows


def calibrate(searcher: HybridSearcher, tickets: Path, questions: Sequence[Question]) -> dict[str, Any]:
    """Fitted weights, the ticket threshold table, and the threshold that maximises Youden's J."""
    samples = ticket_samples(searcher, tickets) + question_samples(searcher, questions)
    x = np.asarray([s.features for s in samples], np.float64)
    y = np.asarray([s.positive for s in samples], np.float64)
    weights = _fit(x, y)
    on_tickets = [s for s in samples if s.kind == "ticket"]
    scores = np.asarray([confidence(s.features, weights) for s in on_tickets])
    positive = np.asarray([s.positive for s in on_tickets])
    table = threshold_table(scores, positive)
    best = max(table, key=lambda r: (r["youden_j"], -r["threshold"]))
    # The shipped default: the strictest threshold that still keeps KEEP_ANSWERABLE of answerable tickets.
    # Unanswerable tickets have other guards (hard rules, the bug bar, hand-off phrases); a threshold
    # that escalates good answers has none, and resolution is what the product is for.
    keeping = [r for r in table if r["answerable_kept"] >= KEEP_ANSWERABLE]
    recommended = max(keeping, key=lambda r: r["threshold"]) if keeping else best
    held_out = cross_validated(samples, best["threshold"])
    return {"weights": weights, "tickets": len(on_tickets), "answerable_top_right": int(positive.sum()), "table": table, "best": best, "recommended": recommended,
            "cross_validated": held_out}


def cross_validated(samples: Sequence[Sample], threshold: float, folds: int = 5) -> dict[str, float]:
    """The chosen threshold's rates on tickets the weights were not fitted on (k-fold over tickets)."""
    tickets = [i for i, s in enumerate(samples) if s.kind == "ticket"]
    rng = np.random.default_rng(0)
    order = rng.permutation(tickets)
    scores = np.zeros(len(samples))
    for f in range(folds):
        test = set(order[f::folds].tolist())
        train = [s for i, s in enumerate(samples) if i not in test]
        w = _fit(np.asarray([s.features for s in train]), np.asarray([s.positive for s in train], np.float64))
        for i in test:
            scores[i] = confidence(samples[i].features, w)
    pos = np.asarray([samples[i].positive for i in tickets])
    kept = scores[tickets] >= threshold
    return {"threshold": threshold, "answerable_kept": round(float(kept[pos].mean()), 3), "unanswerable_escalated": round(float((~kept[~pos]).mean()), 3)}
