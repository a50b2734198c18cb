"""The step of a search that ranks by meaning (``dense``), and the questions the centre taught
(教小助手) matched by meaning (ADR 0006, twenty-first round). Pure: no Django import.

A taught question counts twice: its words are a field of its passage (``taught``, sixth
round), and its embedding is kept (``TaughtTable``) so that another wording of the same
question finds it. A question whose cosine with a taught question is at least
``dense.Thresholds.taught`` is taken for that question reworded: the taught passage comes
first, as a passage the word gate passed does. Questions are compared with questions (both
embedded with E5's ``query:`` prefix), which the model places much closer for a paraphrase
than a question and the passage answering it.

A declined question (库外问题) is refused by its own words, and, with
``dense.Thresholds.declined``, another wording of it is refused by meaning (``declined``;
twenty-third round) unless a taught question is nearer; with a margin too, only an answer
whose first passage is as relevant to the declined question (``declined_answer``;
twenty-fourth round).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from . import dense
from .answers import Entry, Hit
from .taught import comparable


@dataclass(frozen=True)
class TaughtTable:
    """Every taught question's embedding (``vectors``, (m, DIM)) and the position of its
    passage in the index (``at``, (m,))."""

    vectors: np.ndarray
    at: np.ndarray

    @classmethod
    def build(
        cls,
        entries: Sequence[Entry],
        encoder: dense.Encoder,
        known: Mapping[str, np.ndarray] | None = None,
    ) -> TaughtTable | None:
        """The table of ``entries``' taught questions, their embeddings taken from
        ``known`` (stored when taught) or made by ``encoder``; None when none is taught."""
        texts, at = [], []
        for i, e in enumerate(entries):
            for question in e.taught:
                texts.append(question)
                at.append(i)
        if not texts:
            return None
        vectors = _stacked(texts, known or {}, encoder)
        return cls(vectors, np.asarray(at, dtype=np.int64))

    def match(self, question: np.ndarray, scope: np.ndarray, floor: float | None) -> int | None:
        """The position of the passage whose taught question is closest to ``question``
        (embedded), when their cosine is at least ``floor`` and the passage is in ``scope``;
        else None."""
        if floor is None:
            return None
        cosine = np.where(scope[self.at], self.vectors @ question, -np.inf)
        best = int(np.argmax(cosine))
        return int(self.at[best]) if cosine[best] >= floor else None

    def closest(self, question: np.ndarray, passage: int) -> float:
        """The cosine between ``question`` (embedded) and the closest question taught to
        ``passage`` (a position in the index); -inf when none was."""
        rows = self.vectors[self.at == passage]
        return float((rows @ question).max()) if len(rows) else float("-inf")


@dataclass(frozen=True)
class DeclinedTable:
    """Every declined question's embedding (``vectors``, (m, DIM)) and its note (``notes``)."""

    vectors: np.ndarray
    notes: tuple[str, ...]
    # The index's passages by the identity of their entry (a hit holds the index's own
    # entry): where an answer's first passage is (``declined_answer``).
    positions: Mapping[int, int]

    @classmethod
    def build(
        cls,
        declined: Sequence[tuple[str, str, np.ndarray | None]],
        encoder: dense.Encoder,
        entries: Sequence[Entry] = (),
    ) -> DeclinedTable | None:
        """The table of ``declined`` (text, note, stored embedding or None: made by
        ``encoder``) over the index's ``entries``; None when nothing is declined."""
        if not declined:
            return None
        known = {text: vector for text, _note, vector in declined}
        vectors = _stacked([text for text, _note, _v in declined], known, encoder)
        positions = {id(e): i for i, e in enumerate(entries)}
        return cls(vectors, tuple(note for _t, note, _v in declined), positions)


def _stacked(texts, known: Mapping[str, np.ndarray | None], encoder: dense.Encoder) -> np.ndarray:
    """(len(texts), DIM): each question's embedding from ``known`` (stored), or made by
    ``encoder`` (once for a text given twice)."""
    todo = [t for t in dict.fromkeys(texts) if known.get(t) is None]
    made = dict(zip(todo, encoder.questions(todo), strict=True)) if todo else {}
    rows = [known[t] if known.get(t) is not None else made[t] for t in texts]
    return np.stack(rows).astype(np.float32)


def declined(index, question: str, limits: dense.Thresholds, meaning: bool | None):
    """(the note, the question's embedding or None) when ``question`` is one the centre
    declined (库外问题): its own words (``taught.comparable``), or, with a floor, a
    question whose cosine with a declined one is at least ``floor`` and above its cosine
    with every taught question (a question nearer one the centre taught is that one
    reworded); (None, embedding or None) otherwise. ``floor``: ``limits.declined``, unless
    the search does not rank by meaning (``meaning`` False). The embedding is made only for
    the match, and given back for the rest of the search."""
    floor = limits.declined if meaning is not False else None
    # With a margin the match waits for the answer's passage (``declined_answer``).
    floor = floor if limits.declined_margin is None else None
    note = index.declined.get(comparable(question)) if index.declined else None
    if note is not None or floor is None or index.vectors is None:
        return note, None
    table = index.declined_table
    if table is None:
        return None, None
    vector = index.encoder.question(question)
    return _nearest_declined(index, table, vector, floor), vector


def _nearest_declined(index, table: DeclinedTable, vector: np.ndarray, floor: float, also=True):
    """The note of the declined question nearest ``vector`` among those whose cosine with it
    is at least ``floor``, above its cosine with every taught question, and that ``also``
    (a mask over the declined questions) keeps; None when there is none."""
    cosine = table.vectors @ vector
    taught = index.taught_table
    nearest_taught = float((taught.vectors @ vector).max()) if taught is not None else -np.inf
    fires = (cosine >= floor) & (cosine > nearest_taught) & also
    if not fires.any():
        return None
    return table.notes[int(np.argmax(np.where(fires, cosine, -np.inf)))]


def declined_answer(index, question: str, hits, limits: dense.Thresholds, meaning, vector=None):
    """The note of a declined question (库外问题) the answer ``hits`` is refused for, or None
    (ADR 0006, twenty-fourth round): one whose cosine with the question is at least
    ``limits.declined``, above the question's cosine with every taught question, and
    whose relevance to the answer's first passage (the passage's embedding · the declined
    question's) is at least the question's own less ``limits.declined_margin``. A question
    near a declined one is then refused only where that one would have been answered from
    the same passage, as well: the passages the centre's business questions are answered
    from, where nothing is taught, are not near what it declined. Off without a margin, a
    floor, embeddings or declined questions, or with ``meaning`` False. ``vector``: the
    question's embedding when already made."""
    floor, margin = limits.declined, limits.declined_margin
    if margin is None or floor is None or meaning is False or not hits:
        return None
    table = index.declined_table if index.vectors is not None else None
    passage = table.positions.get(id(hits[0].entry)) if table is not None else None
    if passage is None or not index.embedded[passage]:
        return None
    vector = index.encoder.question(question) if vector is None else vector
    at = index.vectors[passage].astype(np.float32)
    relevant = table.vectors @ at >= float(at @ vector) - margin
    return _nearest_declined(index, table, vector, floor, relevant)


def hits(
    index, question: str, top, chosen, scope, score, raw, k: int, order: str, vector=None
) -> tuple[list[Hit], np.ndarray]:
    """The list by meaning (the question is embedded here, only when meaning can add to
    the list, refuse it, or match a taught question), made as ``order`` says
    (``dense.listed``) from the word engine's ``chosen`` passages and its candidates
    ``top``; empty when meaning refuses (``scope``'s limits). A taught question matched
    puts its passage first. A passage the rule gate did not pass is marked as by meaning.
    ``vector``: the question's embedding when already made (``vouched``). Also returns the
    question's embedding (for ``declined_answer``)."""
    mask, superseded_factor, limits = scope
    in_scope = index.embedded if mask is None else mask & index.embedded
    vector = index.encoder.question(question) if vector is None else vector
    table = index.taught_table if limits.taught is not None else None
    matched = table.match(vector, in_scope, limits.taught) if table is not None else None
    if matched is not None:
        chosen = [matched, *(i for i in chosen if i != matched)]
    gap, best = dense.scores(index.vectors, vector, in_scope, index.superseded, superseded_factor)
    closest = functools.partial(dense.picked, gap, best, limits=limits)
    vetoed = None if matched is not None else functools.partial(dense.below_veto, best, limits)
    listed = dense.listed(order, chosen, top, closest, k, vetoed)
    passed = set(chosen) - {matched}
    return [
        Hit(index.entries[i], float(score[i]), float(raw[i]), i not in passed) for i in listed
    ], vector


def vouched(index, question: str, chosen, top, gate_of, floor: float, vector=None):
    """``chosen`` (the passages the rule gate passed) and ``top`` (its candidates) less the
    passages it passed only through their taught questions' words, for a question not close
    to any of them (ADR 0006, twenty-second round): where a passage's own words (text,
    heading, title) would not pass the gate, the question is answered from it only when its
    cosine with one of the passage's taught questions is at least ``floor``. Everyday words a
    taught question brought (护照, 退休, 孩子) otherwise let in questions about other
    things. Such a passage leaves the candidates too, so that meaning does not admit it as
    the word engine's best (``dense.AGREED``) on those words either. ``gate_of``: (relative
    scores, raw scores, the question's key units, their weighting, the score threshold, the
    coverage floor) as the gate judged. ``vector``: the question's embedding when already
    made. Also returns the question's embedding when made."""
    ranked, raw, units, weighting, threshold, coverage = gate_of
    lent = [i for i in chosen if i in index.taught_only]
    if not lent:
        return chosen, top, vector
    query = index.query_terms(question)
    own_score = []
    for i in lent:
        only = index.taught_only[i]
        ids = ((index.vocab.get(term), weight) for term, weight in query.items())
        taught_raw = sum(w * _weight(index, tid, i) for tid, w in ids if tid in only)
        own_score.append(ranked[i] * (1 - taught_raw / raw[i]) if raw[i] > 0 else 0.0)
    own_cover = index.coverage(lent, units, weighting, own=True) if units else np.ones(len(lent))
    lent = [
        i
        for i, s, c in zip(lent, own_score, own_cover, strict=True)
        if s < threshold or c < coverage
    ]
    table = index.taught_table if lent else None
    if table is None:
        return chosen, top, vector
    vector = index.encoder.question(question) if vector is None else vector
    refused = {i for i in lent if table.closest(vector, i) < floor}
    if not refused:
        return chosen, top, vector
    return [i for i in chosen if i not in refused], [i for i in top if i not in refused], vector


def _weight(index, tid: int, passage: int) -> float:
    """The BM25 weight of term ``tid`` in ``passage`` (0 when it does not hold it)."""
    lo, hi = index.offsets[tid], index.offsets[tid + 1]
    postings = index.docs[lo:hi]
    at = int(np.searchsorted(postings, passage))
    return float(index.weights[lo + at]) if at < len(postings) and postings[at] == passage else 0.0
