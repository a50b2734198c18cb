"""Pseudo-relevance feedback (查询扩展, ADR 0006 fourth round): RM3 query expansion.

Pure: no Django import. The first ranking's best passages are taken as relevant; the
terms they hold most (the relevance model of Lavrenko and Croft, 2001, in the RM3 form of
Abdul-Jaleel et al., 2004, as Anserini implements it) are added to the question with a
reduced weight, and the passages are ranked again. Everything comes from the library
itself, when the question is asked: no list written per question, no constant fitted —
``FEEDBACK_PASSAGES``, ``FEEDBACK_TERMS`` and ``ORIGINAL_WEIGHT`` are the textbook (and
Anserini's default) 10, 10 and 0.5.

The relevance model: ``P(t|R) = Σ_d P(t|d) · w_d`` over the feedback passages ``d``, with
``P(t|d)`` the term's share of the passage's expandable terms and ``w_d`` the passage's
first-pass score (normalised over the feedback passages). Two term scores were declared
before measuring (the benchmark reports both; the tuning part chooses):

- ``"rm3"``: ``P(t|R)`` alone (the textbook);
- ``"rm3_idf"``: ``P(t|R) · idf(t)`` — the feedback passages' most *distinctive* terms by
  the library's own document frequencies, so that a word every passage holds (社保卡)
  does not fill the expansion.

and a third, global rather than local (Xu and Croft, 1996): ``"cooc"``, the terms that
co-occur with the question's words in the library's passages beyond chance (normalised
PMI, ``cooccurrence_model``), computed from the same forward lists, no feedback pass.

The expanded query is ``ORIGINAL_WEIGHT × question + (1 − ORIGINAL_WEIGHT) × model``, both
normalised to the question's total weight, so that the second pass's scores are on the
first pass's scale. Only words (``w:``) and synonym groups (``s:``) expand a question:
single characters and bigrams are the backbone of matching, not subjects to add.

What expansion never does: change what the question is judged on. The refusal gate
(``retrieval.Index.search``) checks the question's own relative score and the share of
the question's own key terms a passage holds; an expansion term re-orders passages, it
does not make one answer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import fusion
from .text import SYNONYM, WORD

FEEDBACK_PASSAGES = 10
FEEDBACK_TERMS = 10
ORIGINAL_WEIGHT = 0.5
# The term kinds that may expand a question.
EXPANDABLE = (WORD, SYNONYM)
VARIANTS = ("rm3", "rm3_idf", "cooc")


class Forward:
    """Each passage's terms and their counts (the postings turned around): one slice of
    two arrays per passage, only the expandable kinds kept."""

    def __init__(self, n: int, terms_of: np.ndarray, passages: np.ndarray, tf: np.ndarray, vocab):
        expandable = np.zeros(len(vocab), dtype=bool)
        for term, tid in vocab.items():
            if term.startswith(EXPANDABLE):
                expandable[tid] = True
        keep = expandable[terms_of] if len(terms_of) else np.zeros(0, dtype=bool)
        passages, terms_of, tf = passages[keep], terms_of[keep], tf[keep]
        order = np.argsort(passages, kind="stable")
        self.terms = terms_of[order].astype(np.int32)
        self.tf = tf[order].astype(np.float32)
        self.offsets = np.searchsorted(passages[order], np.arange(n + 1))
        self.n = n
        self.vocab_size = len(vocab)
        # In how many passages each term is (the expandable kinds; 0 for the others).
        self.df = np.bincount(self.terms, minlength=self.vocab_size)

    def nbytes(self) -> int:
        return self.terms.nbytes + self.tf.nbytes + self.offsets.nbytes

    def of(self, passage: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.offsets[passage], self.offsets[passage + 1]
        return self.terms[lo:hi], self.tf[lo:hi]


def cooccurring(forward: Forward, passages: np.ndarray) -> np.ndarray:
    """For every term id, in how many of ``passages`` it is (their forward lists
    concatenated without a Python loop)."""
    lo, hi = forward.offsets[passages], forward.offsets[passages + 1]
    lengths = hi - lo
    if not lengths.sum():
        return np.zeros(forward.vocab_size, dtype=np.int64)
    starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
    at = starts + np.arange(int(lengths.sum()))
    return np.bincount(forward.terms[at], minlength=forward.vocab_size)


def cooccurrence_model(
    forward: Forward,
    postings: dict[int, np.ndarray],
    weights: dict[int, float],
    n_terms: int = FEEDBACK_TERMS,
) -> dict[int, float]:
    """Global co-occurrence expansion (the ``"cooc"`` variant): the terms that share
    passages with the question's words beyond chance, by normalised pointwise mutual
    information (Bouma 2009: ``log(p(q,t) / p(q)p(t)) / −log p(q,t)``, in [−1, 1], so
    that a term in one passage is not the best partner of everything there), summed over
    the question's words by their weight; the ``n_terms`` best, weights summing to 1.
    ``postings``: each question word's passages (positions); the question's own words are
    not their own expansion."""
    total = sum(weights.get(q, 0.0) for q in postings)
    if not postings or total <= 0 or not forward.n:
        return {}
    n = float(forward.n)
    score = np.zeros(forward.vocab_size)
    df = forward.df.astype(np.float64)
    for q, passages in postings.items():
        if not len(passages) or len(passages) >= forward.n:
            continue
        both = cooccurring(forward, passages).astype(np.float64)
        seen = (both > 0) & (both < n)
        p_both = both[seen] / n
        pmi = np.log(p_both / ((len(passages) / n) * (df[seen] / n)))
        npmi = np.zeros(forward.vocab_size)
        npmi[seen] = pmi / -np.log(p_both)
        score += weights.get(q, 0.0) / total * np.maximum(npmi, 0.0)
    for q in postings:
        score[q] = 0.0
    best = [int(t) for t in np.argsort(-score, kind="stable")[:n_terms] if score[t] > 0]
    norm = float(score[best].sum()) if best else 0.0
    return {t: float(score[t]) / norm for t in best} if norm > 0 else {}


def relevance_model(
    forward: Forward,
    idf: np.ndarray,
    feedback: list[int],
    weights: list[float],
    variant: str = "rm3",
    n_terms: int = FEEDBACK_TERMS,
) -> dict[int, float]:
    """The ``n_terms`` best term ids of the feedback passages (best first), each with its
    weight in the model, the weights summing to 1. ``weights``: the passages' first-pass
    scores."""
    if variant not in VARIANTS or variant == "cooc":
        raise ValueError(f"unknown expansion variant {variant!r}")
    total = float(sum(w for w in weights if w > 0))
    model: dict[int, float] = {}
    if total <= 0:
        return model
    for passage, weight in zip(feedback, weights, strict=True):
        if weight <= 0:
            continue
        ids, tf = forward.of(passage)
        length = float(tf.sum())
        if not length:
            continue
        share = weight / total
        for tid, p in zip(ids.tolist(), (tf / length).tolist(), strict=True):
            model[tid] = model.get(tid, 0.0) + p * share
    if variant == "rm3_idf":
        model = {tid: p * float(idf[tid]) for tid, p in model.items()}
    best = sorted(model.items(), key=lambda kv: (-kv[1], kv[0]))[:n_terms]
    norm = sum(p for _, p in best)
    return {tid: p / norm for tid, p in best} if norm > 0 else {}


def expanded_query(
    original: dict[str, float], model: dict[str, float], original_weight: float = ORIGINAL_WEIGHT
) -> dict[str, float]:
    """RM3's interpolation: ``original_weight`` of the question's own weights and the rest
    spread over the model's terms, both on the question's total weight."""
    total = sum(original.values())
    out = {t: original_weight * w for t, w in original.items()}
    for term, p in model.items():
        out[term] = out.get(term, 0.0) + (1 - original_weight) * total * p
    return out


def expansion_terms(
    index, feedback: Sequence[int], weights: Sequence[float], variant: str = "rm3"
) -> dict[str, float]:
    """RM3's model of ``index``'s feedback passages (positions, with their first-pass
    scores): term → weight, summing to 1."""
    if index.forward is None or index.terms_by_id is None:
        raise ValueError("expansion needs an index built with feedback=True")
    model = relevance_model(index.forward, index.idf_by_id, list(feedback), list(weights), variant)
    return {index.terms_by_id[tid]: p for tid, p in model.items()}


def cooccurring_terms(index, question: str) -> dict[str, float]:
    """The global co-occurrence model of the question's words and synonym terms in
    ``index`` (``cooccurrence_model``): term → weight, summing to 1."""
    if index.forward is None or index.terms_by_id is None:
        raise ValueError("expansion needs an index built with feedback=True")
    postings, weights = {}, {}
    for term, weight in index.query_terms(question).items():
        tid = index.vocab.get(term)
        if tid is None or not term.startswith(EXPANDABLE):
            continue
        postings[tid] = index.docs[index.offsets[tid] : index.offsets[tid + 1]].astype(np.int64)
        weights[tid] = weight
    model = cooccurrence_model(index.forward, postings, weights)
    return {index.terms_by_id[tid]: p for tid, p in model.items()}


def second_pass(
    index, question, variant, first, cover, units, ranked, scope, pool, mix
) -> list[int]:
    """The second pass: the question expanded from its first ranking's best
    passages (``first``, already ordered by key-term coverage), ranked by BM25 again
    and re-ordered by the coverage of the question's own key terms. ``cover`` gains the
    new candidates' coverage. ``scope``: (visibility mask, superseded factor, key-term
    weighting); ``mix``: how much coverage weighs in the order (``retrieval.COVERAGE_MIX``).
    ``index``: the ``retrieval.Index`` asked (not imported: it imports this module)."""
    if variant == "cooc":
        model = cooccurring_terms(index, question)
    else:
        feedback = first[:FEEDBACK_PASSAGES]
        weights = [float(ranked[i]) * (1 - mix + mix * cover[i]) for i in feedback]
        model = expansion_terms(index, feedback, weights, variant)
    if not model:
        return first
    raw, ideal = index.weighted_scores(expanded_query(index.query_terms(question), model))
    if ideal <= 0:
        return first
    mask, superseded_factor, weighting = scope
    again = index.relative(raw, ideal, mask, superseded_factor)
    top = [i for i in fusion.top(again, pool) if again[i] > 0]
    new = [i for i in top if i not in cover]
    if new:
        more = index.coverage(new, units, weighting) if units else np.ones(len(new))
        cover.update(zip(new, more.tolist(), strict=True))
    if units:
        top.sort(key=lambda i: -again[i] * (1 - mix + mix * cover[i]))
    return top
