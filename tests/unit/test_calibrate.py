"""The answerability model's fit and the threshold table are what they say."""

from __future__ import annotations

import numpy as np

from worker.retrieval.calibrate import Sample, cross_validated, fit, threshold_table
from worker.retrieval.search import FEATURES, confidence


def test_the_fit_recovers_a_separating_direction_and_gives_probabilities() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, size=(400, len(FEATURES)))
    y = x[:, 0] + 0.5 * x[:, 2] > 0.8
    samples = [Sample(tuple(float(v) for v in row), bool(label), "ticket") for row, label in zip(x, y, strict=True)]
    w = fit(samples)
    assert len(w) == len(FEATURES) + 1
    assert w[0] > w[2] > 0 and all(abs(w[j]) < w[2] for j in (1, 3, 4))
    p = np.asarray([confidence(s.features, w) for s in samples])
    assert ((p > 0.5) == y).mean() > 0.9
    held_out = cross_validated(samples)
    assert ((held_out > 0.5) == y).mean() > 0.85, "weights fitted without a sample still score it"


def test_the_threshold_table_counts_kept_answerable_and_escalated_unanswerable() -> None:
    scores = np.asarray([0.9, 0.8, 0.3, 0.2, 0.7])
    positive = np.asarray([True, True, True, False, False])
    row = next(r for r in threshold_table(scores, positive) if r["threshold"] == 0.5)
    assert row["answerable_kept"] == round(2 / 3, 3)
    assert row["unanswerable_escalated"] == 0.5
    assert row["youden_j"] == round(2 / 3 + 0.5 - 1, 3)
