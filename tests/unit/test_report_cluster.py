"""The gap clustering kept up to date with arrays gives exactly the groups of the pair-by-pair definition."""

from __future__ import annotations

import numpy as np
import pytest

from console.report import CLUSTER_SIMILARITY, cluster


def pairwise(m: np.ndarray, threshold: float, subjects: list[set[int]]) -> list[list[int]]:
    """The definition, read literally: each row against every member of every group."""
    sims = m @ m.T
    words = [set(np.flatnonzero(m[i]).tolist()) for i in range(m.shape[0])]
    groups: list[list[int]] = []
    shared: list[set[int]] = []
    shared_heads: list[set[int]] = []
    for i in range(m.shape[0]):
        best, best_sim = -1, -1.0
        for g, members in enumerate(groups):
            if not (shared[g] & words[i]):
                continue
            worst = float(min(sims[i, j] for j in members))
            if (worst >= threshold or shared_heads[g] & subjects[i]) and worst > best_sim:
                best, best_sim = g, worst
        if best < 0:
            groups.append([i])
            shared.append(set(words[i]))
            shared_heads.append(set(subjects[i]))
        else:
            groups[best].append(i)
            shared[best] &= words[i]
            shared_heads[best] &= subjects[i]
    return groups


@pytest.mark.parametrize("seed", range(30))
def test_cluster_matches_the_pairwise_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, width = int(rng.integers(1, 90)), int(rng.integers(1, 30))
    m = rng.random((n, width)) * (rng.random((n, width)) < rng.uniform(0.05, 0.5))  # sparse, some rows empty
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    m = m / np.where(norms == 0, 1, norms)
    subjects = [set(np.flatnonzero(m[i] * (rng.random(width) < 0.3)).tolist()) for i in range(n)]
    for threshold in (CLUSTER_SIMILARITY, 0.0, 0.6):
        assert cluster(m, threshold, subjects) == pairwise(m, threshold, subjects)
    assert cluster(m) == pairwise(m, CLUSTER_SIMILARITY, [set() for _ in range(n)])
