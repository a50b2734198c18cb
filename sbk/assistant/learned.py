"""A refusal gate learned from labelled questions (学习得到的拒答门槛; ADR 0006, eighth round).

Pure: no Django import. The rule gate (``retrieval``: relative score ≥ 0.35 and key-term
coverage ≥ 0.4) was set by hand on the tuning part and refuses a third or more of the
answerable questions of the sets written apart. Here the evidence both rankings already compute —
the word engine's relative score and key-term coverage, the character ranking's relative
score, each candidate's place in both lists and its distance from the best — is weighed
by a logistic regression fitted on questions labelled with their passage (and questions
that must be refused, whose candidates are all wrong): the probability that a candidate is
the passage that answers. Candidates are ordered by it; the question is refused when no
candidate reaches ``Gate.threshold``, chosen on the same training questions.

``candidate_features`` builds one row per candidate from arrays (no index inside),
``fit`` trains (scipy's L-BFGS on the L2-regularised log loss of standardised features),
``Gate`` is the fitted model as shipped in ``data/learned_gate.json``
(``benchmarks/train_gate.py`` writes it from ``benchmarks/assistant_questions.tsv``).

Measured and off (``retrieval.FUSED_GATE``; ADR 0006, eighth and ninth rounds): the
threshold the training chose is 0 — no threshold paid for the answerable questions it would
refuse — so as a gate it never refuses; its order, under the rule gate's refusal, found
what the word engine finds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from .answers import Answer, Hit

SHIPPED = Path(__file__).resolve().parent / "data" / "learned_gate.json"
# The candidates judged: the first this many of each ranking (their union).
DEPTH = 10
FEATURES = (
    "word_score",  # the word engine's relative score (raw BM25 / the question's ideal)
    "char_score",  # the character ranking's relative score
    "coverage",  # the share of the question's key terms the passage holds
    "word_score_x_coverage",  # the word engine's own order key
    "word_place",  # 1 / (1 + place in the word ranking), 0 when not in its first DEPTH
    "char_place",  # 1 / (1 + place in the character ranking), likewise
    "word_share_of_best",  # word score / the best candidate's word score
    "char_share_of_best",  # char score / the best candidate's char score
    "best_coverage",  # the question's best coverage among its candidates (question-level)
)
# L2 strength on the standardised weights (not on the intercept).
L2 = 1.0


def candidate_features(
    word_score: np.ndarray,
    char_score: np.ndarray,
    coverage: np.ndarray,
    word_place: np.ndarray,
    char_place: np.ndarray,
) -> np.ndarray:
    """One row of ``FEATURES`` per candidate of one question. ``*_place``: the candidate's
    0-based place in that ranking, -1 when it is not among the first ``DEPTH``."""
    w = np.maximum(np.asarray(word_score, dtype=float), 0.0)
    c = np.maximum(np.asarray(char_score, dtype=float), 0.0)
    cov = np.clip(np.asarray(coverage, dtype=float), 0.0, 1.0)
    wp = np.asarray(word_place)
    cp = np.asarray(char_place)
    w_place = np.where(wp >= 0, 1.0 / (1.0 + np.maximum(wp, 0)), 0.0)
    c_place = np.where(cp >= 0, 1.0 / (1.0 + np.maximum(cp, 0)), 0.0)
    w_best = w.max() if len(w) and w.max() > 0 else 1.0
    c_best = c.max() if len(c) and c.max() > 0 else 1.0
    best_cov = np.full(len(cov), cov.max() if len(cov) else 0.0)
    return np.column_stack([w, c, cov, w * cov, w_place, c_place, w / w_best, c / c_best, best_cov])


def candidates(
    word_top: Sequence[int],
    char_top: Sequence[int],
    word_score: np.ndarray,
    char_score: np.ndarray,
    cover: dict[int, float],
) -> tuple[list[int], np.ndarray]:
    """The candidates of one question (the first ``DEPTH`` of each ranking, word ranking
    first) and their ``FEATURES`` rows. ``word_score`` / ``char_score``: every passage's
    relative score; ``cover``: key-term coverage by passage."""
    words, chars = list(word_top[:DEPTH]), list(char_top[:DEPTH])
    cands = list(dict.fromkeys(words + chars))
    if not cands:
        return [], np.zeros((0, len(FEATURES)))
    w_place = {i: n for n, i in enumerate(words)}
    c_place = {i: n for n, i in enumerate(chars)}
    at = np.asarray(cands, dtype=np.int64)
    rows = candidate_features(
        word_score[at],
        char_score[at],
        np.asarray([cover.get(i, 0.0) for i in cands]),
        np.asarray([w_place.get(i, -1) for i in cands]),
        np.asarray([c_place.get(i, -1) for i in cands]),
    )
    return cands, rows


@dataclass(frozen=True)
class Gate:
    """A fitted gate: standardisation, weights (intercept first) and the threshold."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    threshold: float
    trained_on: str = ""

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        if rows.shape[1] != len(self.features):
            raise ValueError(f"expected {len(self.features)} features, got {rows.shape[1]}")
        z = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        w = np.asarray(self.weights)
        return _sigmoid(w[0] + z @ w[1:])

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(self.features),
                "mean": list(self.mean),
                "scale": list(self.scale),
                "weights": list(self.weights),
                "threshold": self.threshold,
                "trained_on": self.trained_on,
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Gate:
        data = json.loads(text)
        gate = cls(
            tuple(data["features"]),
            tuple(float(x) for x in data["mean"]),
            tuple(float(x) for x in data["scale"]),
            tuple(float(x) for x in data["weights"]),
            float(data["threshold"]),
            str(data.get("trained_on", "")),
        )
        if gate.features != FEATURES:
            # A gate fitted on other features would weigh the wrong columns.
            raise ValueError(
                f"the gate was fitted on {gate.features}, this code computes {FEATURES}:"
                " run benchmarks/train_gate.py again"
            )
        if not (len(gate.mean) == len(gate.scale) == len(FEATURES) == len(gate.weights) - 1):
            raise ValueError("the gate's mean, scale and weights do not match its features")
        return gate


@cache
def shipped() -> Gate:
    """The gate shipped with sbk (``data/learned_gate.json``)."""
    return Gate.from_json(SHIPPED.read_text("utf-8"))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def fit(rows: np.ndarray, labels: np.ndarray, l2: float = L2) -> Gate:
    """Logistic regression of ``labels`` (1: the passage that answers) on ``rows``; the
    threshold is left at 0.5 (``choose_threshold`` sets it)."""
    # Lazy: only training fits (benchmarks/train_gate.py, the tests), and scipy comes with
    # the test extras (scikit-image); a running sbk only evaluates the shipped gate.
    from scipy.optimize import minimize

    rows = np.asarray(rows, dtype=float)
    y = np.asarray(labels, dtype=float)
    if rows.ndim != 2 or rows.shape[1] != len(FEATURES) or len(rows) != len(y):
        raise ValueError("rows must be (n, len(FEATURES)) with one label per row")
    if not (0 < y.sum() < len(y)):
        raise ValueError("the training rows need both right and wrong candidates")
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.column_stack([np.ones(len(rows)), (rows - mean) / scale])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        t = z @ w
        # log(1 + e^t) - y t, stable for large |t|
        value = np.logaddexp(0.0, t) - y * t
        grad = z.T @ (_sigmoid(t) - y)
        return float(value.sum() + 0.5 * (penalty * w * w).sum()), grad + penalty * w

    result = minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B")
    if not result.success:
        raise RuntimeError(f"the gate did not converge: {result.message}")
    return Gate(FEATURES, tuple(mean), tuple(scale), tuple(result.x), 0.5)


@dataclass(frozen=True)
class Question:
    """One training question: its candidates' rows and which of them answer (all False for
    a question that must be refused)."""

    rows: np.ndarray
    right: np.ndarray

    @property
    def answerable(self) -> bool:
        return bool(self.right.any())


def decide(probabilities: np.ndarray, threshold: float, k: int = 3) -> list[int]:
    """The candidates answered, best first: at most ``k`` whose probability reaches the
    threshold (none: the question is refused)."""
    order = np.argsort(-probabilities, kind="stable")
    return [int(i) for i in order[:k] if probabilities[i] >= threshold]


def choose_threshold(gate: Gate, questions: Sequence[Question], k: int = 3) -> float:
    """The threshold that makes the most of recall@k plus the share of right decisions
    (refused exactly when unanswerable) on ``questions``; ties go to the lower threshold. A question is
    answered when its best probability reaches the threshold, and found when one of its
    first ``k`` candidates is right and reaches it."""
    best_p, found_p, answerable = [], [], []
    for q in questions:
        p = gate.probabilities(q.rows) if len(q.rows) else np.zeros(0)
        top = np.argsort(-p, kind="stable")[:k]
        right = [p[i] for i in top if q.right[i]]
        best_p.append(p.max() if len(p) else -np.inf)
        found_p.append(max(right) if right else -np.inf)
        answerable.append(q.answerable)
    best_p, found_p, answerable = map(np.asarray, (best_p, found_p, answerable))
    thresholds = np.unique(np.concatenate([best_p[np.isfinite(best_p)], [0.0]]))
    answered = best_p[None, :] >= thresholds[:, None]
    found = found_p[None, :] >= thresholds[:, None]
    # Each side as a share, as the targets are: recall@k and refusals right.
    value = (found & answerable).sum(axis=1) / max(answerable.sum(), 1) + np.where(
        answerable, answered, ~answered
    ).sum(axis=1) / len(answerable)
    return float(thresholds[int(np.argmax(value))])


def answer(index, question: str, lists, raw, k: int, by_bm25, order_only: bool):
    """The learned gate's answer on ``index`` (a ``retrieval.Index``): the candidates of both
    rankings ordered by the probability that they answer, refused below the gate's threshold
    (``order_only``: never, the rule gate has let the question through); a hit's score is
    that probability. ``lists``: (word ranking, character ranking, their relative scores,
    key-term coverage)."""
    gate = shipped()
    cands, rows = candidates(*lists)
    if not cands:
        return index.refusal(question, by_bm25, None)
    p = gate.probabilities(rows)
    threshold = -1.0 if order_only else gate.threshold

    def hit(i: int) -> Hit:
        return Hit(index.entries[cands[i]], float(p[i]), float(raw[cands[i]]))

    best = hit(int(np.argmax(p)))
    hits = [hit(i) for i in decide(p, threshold, k)]
    if hits:
        return Answer(question, False, hits, [], best)
    return index.refusal(question, by_bm25, best)
