"""The training help centres are well formed, and one answerability model fitted across them tells their answered
questions from the ones no article answers, on a centre it was not fitted on."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from worker.retrieval.calibrate import Centre, Sample, cross_validated, report, samples_of, training_centres
from worker.retrieval.search import CALIBRATION, FEATURES, confidence

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "corpus" / "train"
CENTRES = sorted(d for d in TRAIN.iterdir() if d.is_dir())


@cache
def _centres() -> tuple[Centre, ...]:
    return tuple(training_centres(TRAIN))


@cache
def _samples() -> tuple[Sample, ...]:
    """Each centre's questions and unanswerable questions, and the other centres' questions asked of it."""
    return tuple(samples_of(_centres(), left_out=False))


def test_there_are_several_training_centres() -> None:
    assert len(CENTRES) >= 2
    assert [c.name for c in _centres()] == [d.name for d in CENTRES], "every folder is a loadable centre"


@pytest.mark.parametrize("folder", CENTRES, ids=lambda d: d.name)
def test_a_training_centre_is_well_formed(folder: Path) -> None:
    english = {p.stem for p in (folder / "help").glob("*.md")}
    assert 8 <= len(english) <= 12
    translated = [p for p in (folder / "help").glob("*/*.md")]
    assert translated, "some articles are translated"
    for p in [*(folder / "help").glob("*.md"), *translated]:
        text = p.read_text(encoding="utf-8")
        assert text.startswith("# "), p
        assert text.count("\n## ") >= 2, p
    assert all(p.stem in english for p in translated), "a translation has an English original of the same name"
    languages = {"en"} | {p.parent.name for p in translated}
    rows = [json.loads(line) for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert all(set(r) == {"qid", "question", "gold_doc_id", "language"} for r in rows)
    assert len({r["qid"] for r in rows}) == len(rows)
    assert all(r["question"].strip() and r["language"] in languages for r in rows)
    assert all(r["gold_doc_id"] is None or r["gold_doc_id"] in english for r in rows)
    answerable = [r for r in rows if r["gold_doc_id"]]
    assert len(answerable) >= 35 and len(rows) - len(answerable) >= 15
    assert sum(r["language"] != "en" for r in answerable) >= 0.15 * len(answerable)
    meta = json.loads((folder / "centre.json").read_text(encoding="utf-8"))
    domains = {json.loads(line)["domain"] for line in (ROOT / "corpus/tickets/train_domains.jsonl").read_text(encoding="utf-8").splitlines()}
    assert set(meta["related_domains"]) <= domains


def test_one_model_over_the_centres_separates_answered_from_unanswerable_on_an_unseen_centre() -> None:
    samples = _samples()
    fitted = report(samples)
    assert len(fitted["weights"]) == len(FEATURES) + 1
    assert set(fitted["per_centre"]) == {c.name for c in _centres()}
    assert fitted["samples"]["unanswerable"] == sum(len(c.unanswerable) for c in _centres())
    # Scores from weights fitted without the sample's centre: its answered questions rank above its unanswerable ones.
    held_out = cross_validated(samples)
    positive = np.asarray([s.positive for s in samples])
    unanswerable = np.asarray([s.kind == "unanswerable" for s in samples])
    wins = (held_out[positive][:, None] > held_out[unanswerable][None, :]).mean()
    assert wins > 0.65, f"held-out AUC, answered vs unanswerable: {wins:.2f}"


def test_the_shipped_weights_rank_each_centres_answered_questions_above_its_unanswerable_ones() -> None:
    for c in _centres():
        mine = [s for s in _samples() if s.centre == c.name]
        pos = np.asarray([confidence(s.features, CALIBRATION) for s in mine if s.positive])
        neg = np.asarray([confidence(s.features, CALIBRATION) for s in mine if s.kind == "unanswerable"])
        wins = (pos[:, None] > neg[None, :]).mean()
        assert wins > 0.6, f"{c.name}: answered above unanswerable in {wins:.2f} of pairs"


def test_cross_validation_holds_out_a_whole_centre() -> None:
    rng = np.random.default_rng(3)
    # Centre "b"'s answers sit on the other side of feature 0: a model that had seen b would score them right.
    a = [Sample(tuple(rng.uniform(0, 1, len(FEATURES))), False, "question", "a") for _ in range(60)]
    a = [Sample((s.features[0] + (1.0 if i % 2 else 0.0), *s.features[1:]), bool(i % 2), "question", "a") for i, s in enumerate(a)]
    b = [Sample((-1.0 if i % 2 else 0.5, *tuple(rng.uniform(0, 1, len(FEATURES) - 1))), bool(i % 2), "question", "b") for i in range(60)]
    scores = cross_validated(a + b)
    pb = scores[60:][1::2]
    nb = scores[60:][0::2]
    assert pb.mean() < nb.mean(), "b's scores come from weights fitted on a alone"
