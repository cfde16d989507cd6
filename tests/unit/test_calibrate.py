"""Score calibration: the logistic fit and the threshold table are what they say."""

from __future__ import annotations

import numpy as np

from worker.retrieval.calibrate import fit_logistic, threshold_table
from worker.retrieval.search import confidence


def test_the_logistic_fit_recovers_a_separating_direction_and_gives_probabilities() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, size=(400, 4))
    y = (x[:, 0] + 0.5 * x[:, 2] > 0.8).astype(float)
    w = tuple(float(v) for v in fit_logistic(x, y))
    assert w[0] > w[2] > 0 and abs(w[1]) < w[2] and abs(w[3]) < w[2]
    p = np.asarray([confidence(tuple(row), w) for row in x])
    assert ((p > 0.5) == (y == 1)).mean() > 0.9
    assert p.min() > 0.0 and p.max() < 1.0


def test_the_threshold_table_counts_kept_answerable_and_escalated_unanswerable() -> None:
    scores = np.asarray([0.9, 0.8, 0.3, 0.2, 0.7])
    positive = np.asarray([True, True, True, False, False])
    row = next(r for r in threshold_table(scores, positive) if r["threshold"] == 0.5)
    assert row["answerable_kept"] == round(2 / 3, 3)
    assert row["unanswerable_escalated"] == 0.5
    assert row["youden_j"] == round(2 / 3 + 0.5 - 1, 3)
