"""Ranking helpers shared by the engines (排序): the first ``k`` of a score array, and
reciprocal-rank fusion of several rankings (ADR 0006, third round). Pure: numpy only."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# The constant of Cormack et al. (2009), not tuned here.
RRF_K = 60


def rrf(rankings: Sequence[Sequence[int]], k: int | None = None) -> list[int]:
    """Reciprocal-rank fusion: every item of the rankings (best first) scored by the sum
    of ``1 / (k + rank)`` (rank from 1) over the rankings it is in, best first; ties keep
    the order of the first ranking, then of the next."""
    k = RRF_K if k is None else k
    fused: dict[int, float] = {}
    first: dict[int, tuple[int, int]] = {}
    for which, ranking in enumerate(rankings):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
            first.setdefault(item, (which, rank))
    return sorted(fused, key=lambda i: (-fused[i], first[i]))


def top(scores: np.ndarray, k: int) -> list[int]:
    if len(scores) <= k:
        order = np.argsort(-scores, kind="stable")
    else:
        part = np.argpartition(-scores, k)[:k]
        order = part[np.argsort(-scores[part], kind="stable")]
    return [int(i) for i in order]
