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
    kind: str  # "ticket", "question", "unanswerable", "left_out" or "other_domain"
    centre: str = ""  # the help centre it was asked of (cross-validation holds out one centre at a time)


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


def other_domain_samples(searcher: HybridSearcher, tickets: Sequence[dict[str, Any]]) -> list[Sample]:
    """Tickets of other products asked of this help centre: all negative, whatever their intent."""
    out: list[Sample] = []
    for t in tickets:
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
        samples += other_domain_samples(probe, _rows(negatives))
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
    """Each sample's score from weights fitted without its fold: its whole help centre when there are several (the
    score of a centre the model has never seen), else one of `folds` random folds."""
    order = np.random.default_rng(0).permutation(len(samples))
    names = list(dict.fromkeys(s.centre for s in samples))
    groups = [np.asarray([i for i, s in enumerate(samples) if s.centre == n]) for n in names] if len(names) > 1 \
        else [order[f::folds] for f in range(folds)]
    scores = np.zeros(len(samples))
    for test in groups:
        held = set(test.tolist())
        w = fit([s for i, s in enumerate(samples) if i not in held])
        for i in test.tolist():
            scores[i] = confidence(samples[i].features, w)
    return scores


# --- Several help centres ---------------------------------------------------------------------------------
# Fitted on one help centre, the weights learn that centre's scale (its size, its dense space, its words):
# on a small foreign help centre they rejected questions whose right article came first. Fitted over
# several help centres of our own writing (corpus/help and corpus/train/*), one model has to hold on all of
# them, and leaving one centre out at a time shows how it does on a centre it has not seen.


@dataclass(frozen=True)
class Centre:
    """One help centre to calibrate on: its articles and our questions asked of it."""

    name: str
    articles: Sequence[Article]
    questions: Sequence[Question]  # each answered by its gold article
    unanswerable: Sequence[Question] = ()  # in-domain questions no article answers
    tickets: Path | None = None  # labelled tickets (`faq`/`bug` with a gold article)
    related: frozenset[str] = frozenset()  # products of the other-domain file close enough that this centre may answer them


def load_centre(folder: Path) -> Centre:
    """A training help centre laid out as corpus/train/<name>/: `help/` (translations in `help/<lang>/`), `questions.jsonl`
    (`gold_doc_id` null for an unanswerable question) and optionally `centre.json` ({"related_domains": [...]})."""
    from worker.retrieval.sources import load_articles

    rows = _rows(folder / "questions.jsonl")
    qs = [Question(str(r["qid"]), str(r["question"]), str(r.get("gold_doc_id") or ""), r.get("language")) for r in rows]
    meta = json.loads((folder / "centre.json").read_text(encoding="utf-8")) if (folder / "centre.json").exists() else {}
    return Centre(folder.name, load_articles(folder / "help"), [q for q in qs if q.gold_doc_id], [q for q in qs if not q.gold_doc_id],
                  related=frozenset(meta.get("related_domains", ())))


def training_centres(root: Path) -> list[Centre]:
    """Every help centre under `root` (a folder per centre holding `help/` and `questions.jsonl`), by name."""
    return [load_centre(d) for d in sorted(root.iterdir()) if (d / "help").is_dir() and (d / "questions.jsonl").exists()]


def centre_samples(centre: Centre, others: Sequence[Question], negatives: Path | None, left_out: bool = True) -> list[Sample]:
    """All samples of one centre: its tickets and questions, its unanswerable and left-out-gold questions, and the
    other centres' questions and other products' tickets (minus its related products) asked of it."""
    probe = HybridSearcher(ix.build(centre.articles)[0], uncovered_max=1.0)
    out = ticket_samples(probe, centre.tickets) if centre.tickets is not None else []
    out += question_samples(probe, centre.questions)
    out += [Sample(_top(probe, q.question, q.language)[0], False, "unanswerable") for q in centre.unanswerable]
    out += left_out_samples(centre.articles, centre.questions) if left_out else []
    out += [Sample(_top(probe, q.question, q.language)[0], False, "other_domain") for q in others]
    if negatives is not None:
        rows = [t for t in _rows(negatives) if t.get("domain") not in centre.related]
        out += other_domain_samples(probe, rows)
    return [Sample(s.features, s.positive, s.kind, centre.name) for s in out]


def samples_of(centres: Sequence[Centre], negatives: Path | None = None, left_out: bool = True) -> list[Sample]:
    """Every centre's samples, the other centres' questions among its negatives (`left_out` False: without the
    left-out-gold questions, which rebuild the help centre once per article)."""
    samples: list[Sample] = []
    for c in centres:
        others = [q for o in centres if o.name != c.name for q in (*o.questions, *o.unanswerable)]
        samples += centre_samples(c, others, negatives, left_out)
    return samples


def calibrate_centres(centres: Sequence[Centre], negatives: Path | None = None) -> dict[str, Any]:
    """One model over every centre's samples; the threshold table from leave-one-centre-out scores."""
    return report(samples_of(centres, negatives))


def report(samples: Sequence[Sample]) -> dict[str, Any]:
    """Weights over all samples, the threshold table of held-out scores, and per centre the recommended threshold's rates."""
    weights = fit(samples)
    scores = cross_validated(samples)
    positive = np.asarray([s.positive for s in samples])
    kinds = np.asarray([s.kind for s in samples])
    table = threshold_table(scores, positive)
    for row in table:
        for kind in ("unanswerable", "other_domain", "left_out"):
            row[f"{kind}_answered"] = round(float((scores[kinds == kind] >= row["threshold"]).mean()), 3) if (kinds == kind).any() else 0.0
    capped = [r for r in table if r["other_domain_answered"] <= MAX_OTHER_DOMAIN]
    recommended = min(capped, key=lambda r: r["threshold"]) if capped else table[-1]
    centres = np.asarray([s.centre for s in samples])
    kept = scores >= recommended["threshold"]
    per_centre: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(centres.tolist()):
        groups = {"right_kept": positive, **{f"{k}_answered": (kinds == k) & ~positive for k in ("question", "unanswerable", "left_out", "other_domain")}}
        per_centre[name] = {label: round(float(kept[(centres == name) & g].mean()), 3) for label, g in groups.items() if ((centres == name) & g).any()}
    counts = {k: int((kinds == k).sum()) for k in ("ticket", "question", "unanswerable", "left_out", "other_domain")}
    return {"features": list(FEATURES), "weights": weights, "samples": counts, "positives": int(positive.sum()), "table": table,
            "best": max(table, key=lambda r: (r["youden_j"], -r["threshold"])), "recommended": recommended, "per_centre": per_centre}
