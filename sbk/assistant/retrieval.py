"""Finding the passages that answer a question (检索), and refusing when none does.

Pure: no Django import. ``Index`` holds the BM25 weights of every passage's terms
(``sbk.assistant.text``), built once; a question then costs one pass over the postings of
its own terms (a few milliseconds for a thousand documents). ADR 0006 says why BM25 over
words + bigrams, and why this small implementation rather than a library.

Scores. A passage's BM25 score is divided by the question's *ideal* score — what a passage
holding each of the question's terms once would get — so that the threshold means the
same for a short question and a long one: 1.0 is "every term of the question is there",
0.3 "about a third of the question's weight". Words of the question that no document holds
count in the ideal (a question about 公积金 is not answered from a passage about 社保卡 that
shares its "办理"); stray bigrams that no document holds do not (they are mostly the
seams between two words). A superseded document's passages are scored down
(``SUPERSEDED_FACTOR``) so that the one in force comes first; they are still shown, marked.

Measured and off (ADR 0006): the switches of rounds three to nine. On: the questions the
centre taught a passage (``Entry.taught``) and those it declined (``by_meaning.declined``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from . import by_meaning, dense, expansion, fusion, general_idf, learned, taught, thesaurus
from .answers import Answer, Entry, Hit
from .fusion import RRF_K, rrf  # noqa: F401  (re-exported: the benchmark, tests)
from .text import (
    BIGRAM,
    CHAR,
    STOP_CHARS,
    SYNONYM,
    TYPE,
    WORD,
    KeyUnit,
    is_cjk,
    plain_terms,
    strip_question_wording,
)
from .tokenizer import (  # noqa: F401  (re-exported: engine, services, benchmark)
    HEADING_REPEAT,
    QUESTION_MEMBERS_AS_GROUP,
    STRIP_QUESTION_WORDING,
    Segmented,
    passage_terms,
    segmented,
    shared_segmenter,
)

K1 = 1.2
B = 0.75
THRESHOLD = 0.35
SUPERSEDED_FACTOR = 0.7
# How much one term of each kind weighs in a question.
# Characters carry the match (robust to segmentation), words and synonyms add to it, the
# bigrams of unknown stretches a little (benchmarks/bench_assistant.py chose these).
# The kind of answer a question asks for (``text.ANSWER_TYPES``: 多久 → a passage stating a
# time limit) weighs as one character.
QUERY_WEIGHTS = {CHAR: 1.0, WORD: 0.6, BIGRAM: 0.25, SYNONYM: 1.5, TYPE: 1.0}
# The document's title is a field of every passage: its terms are added (once per
# document, segmented when the index is built), so that 考核办法 finds the passages of the
# evaluation rules whose own heading says only 调整说明.
TITLE_REPEAT = 1
# The passage that answers must hold the question's key terms (``text.key_units``),
# weighted by their rarity: at least this share of their idf. A passage sharing only the
# question's common words (社保卡, 办理, 材料) with a question about 借书 or 结婚 does not
# answer it, however high its BM25.
COVERAGE = 0.4
# A key word no passage holds weighs as the mean idf of its characters ("mean": a seam
# jieba cut, 比有, is not a subject of its own) or as its rarest character ("max": an
# unknown topic word, 借书, weighs fully). "max" with COVERAGE 0.5 won on the tuning part
# and lost on the held-out and fresh ones (benchmarks/RESULTS.md, ablation): kept "mean".
UNKNOWN_WORD_WEIGHT = "mean"
CHAR_CREDIT = 1.0
# The BM25 candidates re-ordered by key-term coverage (``max(k, 5) * CANDIDATES`` of them),
# and how much coverage weighs in that order (0: BM25 alone; 1: BM25 × coverage).
CANDIDATES = 20
COVERAGE_MIX = 1.0
# Hybrid ranking (ADR 0006, third round): the word engine's ranking fused with a BM25
# ranking over single characters (the floor's representation: no segmentation, no
# synonyms) by reciprocal-rank fusion, 1 / (RRF_K + rank) summed over the two lists; 60 is
# the constant of Cormack et al. (2009), not tuned here. The refusal gate (relative score,
# key-term coverage) is the same and judges the fused candidates. ``HYBRID``: whether an
# index builds the character index (and so fuses) unless told otherwise.
HYBRID = False
# What the relative-score threshold is checked on for a fused candidate: "word" (the word
# engine's score, as without fusion) or "either" (the word or the character score).
FUSED_GATE = "word"
# The learned gate (``learned``, eighth round): "learned" orders both rankings' candidates
# by its probability and refuses below its threshold; "learned_order" (ninth round) orders
# by it and refuses as the rule gate does on the word ranking.
LEARNED_GATES = ("learned", "learned_order")
# Pseudo-relevance feedback (ADR 0006, fourth round; ``expansion``): the question expanded
# by RM3 from its first ranking's best passages, and ranked again; the refusal gate judges
# the question's own score and key terms. None: off; "rm3" / "rm3_idf": the variant an
# index built with its forward lists uses unless told otherwise.
EXPANSION: str | None = None
# Thesaurus synonyms (ADR 0006, fifth round; ``thesaurus``): a question word's Cilin
# true synonyms scored beside it, never in the ideal nor key terms. None: off; else the
# ``thesaurus.VARIANTS`` name a tokenizer given a thesaurus uses unless told otherwise.
THESAURUS: str | None = None
# Key terms weighed by general-language rarity (ADR 0006, seventh round; ``general_idf``):
# a key term's weight in the coverage is its library idf ("library"), jieba's
# general-language idf ("general") or their product ("mixed"); ``KEY_CUT``: key terms whose
# general idf is below it (everyday words: 孩子, 丢了) are left out, None keeps all.
KEY_WEIGHT = "library"
KEY_CUT: float | None = None


Tokenize = Callable[[str], list[str]]


class Index:
    """BM25 over the passages' terms; a term's postings are one slice of two numpy arrays
    (passages, weights), found through ``vocab`` and ``offsets``."""

    def __init__(
        self,
        entries: Sequence[Entry],
        tokenize: Tokenize,
        *,
        k1: float = K1,
        b: float = B,
        characters: bool | None = None,
        feedback: bool | None = None,
        vectors: np.ndarray | None = None,
        encoder: dense.Encoder | None = None,
        taught_vectors: dict[str, np.ndarray] | None = None,
        declined: Sequence[tuple[str, str, np.ndarray | None]] | None = None,
    ):
        self.entries = list(entries)
        # Each passage's embedding (``dense``; a row of zeros: none), or None: no ranking
        # by meaning.
        self.vectors = vectors
        self.embedded = None if vectors is None else np.abs(vectors).sum(axis=1) > 0
        self.encoder = encoder or dense.shared_encoder()
        # The taught questions' embeddings (``by_meaning``; ``taught_vectors``: those
        # stored when taught), made into a table the first time a search matches them.
        self._taught_known = taught_vectors
        # Questions declined (库外问题: text, note, embedding); notes by ``taught.comparable``.
        self._declined = list(declined or ())
        self.declined = {taught.comparable(t): note for t, note, _v in self._declined}
        self.tokenize = tokenize
        # Words that are members of a synonym group count through their group's term.
        self.members = frozenset(getattr(tokenize, "members", ()))
        n = len(self.entries)
        self.n = n
        self.documents = np.array([e.document for e in self.entries], dtype=np.int64)
        self.superseded = np.array([e.superseded for e in self.entries], dtype=bool)
        # Every (passage, term) pair as one integer key, counted by np.unique: the postings
        # come out sorted by term, then passage, without a Python loop over the pairs.
        self.vocab: dict[str, int] = {}
        lengths = np.zeros(n, dtype=np.int64)
        chunks = []
        synonym_terms = getattr(tokenize, "synonym_terms", None)
        type_terms = getattr(tokenize, "type_terms", None)
        titles: dict[str, list[str]] = {}
        # Each taught passage's terms that only its taught questions hold (``by_meaning``
        # asks whether its own words would pass a question).
        self.taught_only: dict[int, frozenset[int]] = {}
        for i, e in enumerate(self.entries):
            if e.terms is not None and synonym_terms is not None:
                toks = list(e.terms) + synonym_terms(e.text) + synonym_terms(e.heading)
            else:
                toks = tokenize(e.text) + tokenize(e.heading) * HEADING_REPEAT
            if type_terms is not None:
                toks = toks + type_terms(f"{e.heading}\n{e.text}")
            if TITLE_REPEAT and e.title:
                if e.title not in titles:
                    titles[e.title] = tokenize(e.title) * TITLE_REPEAT
                toks = toks + titles[e.title]
            gained = taught.taught_terms(tokenize, e.taught) if e.taught else []
            setdefault, size = self.vocab.setdefault, len
            ids = [setdefault(t, size(self.vocab)) for t in toks + gained]
            if gained:
                self.taught_only[i] = taught.only_gained(ids[: len(toks)], ids[len(toks) :])
            lengths[i] = len(ids)
            chunks.append(np.asarray(ids, dtype=np.int64))
        vocab_size = len(self.vocab)
        avgdl = float(lengths.mean()) if n else 1.0
        term_ids = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
        passages = np.repeat(np.arange(n, dtype=np.int64), lengths)
        keys, tf = np.unique(term_ids * max(n, 1) + passages, return_counts=True)
        terms_of, docs = np.divmod(keys, max(n, 1))
        norm = k1 * (1 - b + b * lengths / (avgdl or 1.0))
        df = np.bincount(terms_of, minlength=vocab_size)
        self.idf_by_id = np.log(1 + (n - df + 0.5) / (df + 0.5))
        self.docs = docs.astype(np.int32)
        self.weights = tf * (k1 + 1) / (tf + norm[docs]) * self.idf_by_id[terms_of]
        self.offsets = np.searchsorted(terms_of, np.arange(vocab_size + 1))
        self.unknown_idf = self.idf_of(0)
        # Each passage's words and synonym terms, for pseudo-relevance feedback.
        feedback = EXPANSION is not None if feedback is None else feedback
        self.forward = expansion.Forward(n, terms_of, docs, tf, self.vocab) if feedback else None
        # Term ids are 0 … vocab_size - 1 in order of first sight: sorting by id lists them.
        self.terms_by_id = sorted(self.vocab, key=self.vocab.__getitem__) if feedback else None
        # The character index of the hybrid ranking (``text.plain_terms``, the floor's
        # terms: single characters and ASCII words): the same passages in the same order,
        # so that a passage is the same position in both.
        characters = HYBRID if characters is None else characters
        self.chars: Index | None = (
            Index(self.entries, plain_terms, k1=k1, b=b, characters=False) if characters else None
        )

    def nbytes(self) -> int:
        """The postings' memory (numpy arrays; the vocabulary dict aside), with the
        character index when there is one."""
        own = self.docs.nbytes + self.weights.nbytes + self.offsets.nbytes + self.idf_by_id.nbytes
        own += self.forward.nbytes() if self.forward is not None else 0
        return own + (self.chars.nbytes() if self.chars is not None else 0)

    def idf_of(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def query_terms(self, question: str) -> dict[str, float]:
        weights: dict[str, float] = {}
        tokenize = getattr(self.tokenize, "question_terms", self.tokenize)
        for term in tokenize(question):
            kind = term[:2]
            weights[term] = weights.get(term, 0.0) + QUERY_WEIGHTS.get(kind, 1.0)
        return weights

    def scores(self, question: str) -> tuple[np.ndarray, float]:
        """Raw BM25 of every passage, and the question's ideal score."""
        return self.weighted_scores(self.query_terms(question))

    def weighted_scores(
        self,
        query: dict[str, float],
        extra: dict[str, float] | None = None,
        unweighed: frozenset[str] = frozenset(),
    ) -> tuple[np.ndarray, float]:
        """Raw BM25 of every passage for weighted terms, and their ideal score. ``extra``:
        terms that score but are not in the ideal (thesaurus synonyms); ``unweighed``: terms
        no passage holds that are left out of the ideal."""
        scores = np.zeros(self.n, dtype=np.float64)
        ideal = 0.0
        for term, weight in (extra or {}).items():
            tid = self.vocab.get(term)
            if tid is not None:
                lo, hi = self.offsets[tid], self.offsets[tid + 1]
                scores[self.docs[lo:hi]] += weight * self.weights[lo:hi]
        for term, weight in query.items():
            tid = self.vocab.get(term)
            if tid is None:
                if term.startswith(BIGRAM) or term[2:] in self.members or term in unweighed:
                    # a seam between two words, or a word its synonym group stands for
                    continue
                ideal += weight * self.unknown_idf
                continue
            lo, hi = self.offsets[tid], self.offsets[tid + 1]
            scores[self.docs[lo:hi]] += weight * self.weights[lo:hi]
            ideal += weight * self.idf_by_id[tid]
        return scores, ideal

    def held(self, term: str, passages: np.ndarray, own: bool = False) -> np.ndarray:
        """Which of ``passages`` hold ``term`` (one binary search in its postings); ``own``:
        in their own fields, not only in their taught questions."""
        tid = self.vocab.get(term)
        if tid is None or not len(passages):
            return np.zeros(len(passages), dtype=bool)
        postings = self.docs[self.offsets[tid] : self.offsets[tid + 1]]
        at = np.minimum(np.searchsorted(postings, passages), len(postings) - 1)
        found = postings[at] == passages
        if own and self.taught_only:
            found &= [tid not in self.taught_only.get(int(i), ()) for i in passages]
        return found

    def coverage(
        self,
        passages: Sequence[int],
        units: Sequence[KeyUnit],
        weighting: str | None = None,
        own: bool = False,
    ) -> np.ndarray:
        """For each passage, the share of the key terms' weight that it holds. A term's
        weight is its idf; a word no passage holds weighs as its characters do (a seam jieba
        cut inside a phrase, 比有, is not a subject of its own) — the most when one of them
        is in no passage either. A term the passage does not hold as a word still counts by
        ``CHAR_CREDIT`` times the share of its characters it holds (号码 / 证件号码).
        ``weighting``: ``general_idf.WEIGHTINGS`` (default ``KEY_WEIGHT``); ``own``: held in
        the passages' own fields (``held``)."""
        weighting = KEY_WEIGHT if weighting is None else weighting
        cands = np.asarray(passages, dtype=np.int64)
        held = np.zeros(len(cands))
        total = 0.0
        for unit in units:
            ids = [self.vocab[t] for t in unit.alternatives if t in self.vocab]
            chars = [CHAR + c for c in unit.text if is_cjk(c) and c not in STOP_CHARS]
            if ids and unit.alternatives[0].startswith(SYNONYM):
                # held by any member of the group: as rare as the group's term
                weight = self._idf(unit.alternatives[0])
            elif ids:
                weight = float(max(self.idf_by_id[t] for t in ids))
            elif chars:
                idfs = [self._idf(t) for t in chars]
                weight = max(idfs) if UNKNOWN_WORD_WEIGHT == "max" else sum(idfs) / len(idfs)
            else:
                weight = self.unknown_idf
            weight = general_idf.weigh(weight, unit.text, weighting)
            total += weight
            whole = np.zeros(len(cands), dtype=bool)
            for t in unit.alternatives:
                whole |= self.held(t, cands, own)
            share = whole.astype(float)
            if chars and CHAR_CREDIT:
                part = sum(self.held(t, cands, own).astype(float) for t in chars) / len(chars)
                share = np.maximum(share, CHAR_CREDIT * part)
            held += weight * share
        return held / total if total else np.ones(len(cands))

    def relative(
        self, raw: np.ndarray, ideal: float, mask: np.ndarray | None, superseded_factor: float
    ) -> np.ndarray:
        """Raw BM25 over the ideal score, superseded passages scored down, passages the
        asker may not see at -1."""
        ranked = raw / ideal
        ranked[self.superseded] *= superseded_factor
        if mask is not None:
            ranked[~mask] = -1.0
        return ranked

    def absent_words(self, question: str, allowed: Iterable[int] | None = None) -> list[str]:
        """The question's key words (``text.key_units``) that no passage of the ``allowed``
        documents (None: all) holds in any form — the word, its synonym group, the bigrams
        of an unknown stretch. The unanswered list shows them: each is a word for the
        centre's synonym list or a subject no document covers (ADR 0006, twelfth round)."""
        units = getattr(self.tokenize, "key_units", None)
        if units is None or not self.n:
            return []
        scope = None
        if allowed is not None:
            scope = np.fromiter(allowed, dtype=np.int64)

        def held_anywhere(term: str) -> bool:
            tid = self.vocab.get(term)
            if tid is None:
                return False
            if scope is None:
                return True
            postings = self.docs[self.offsets[tid] : self.offsets[tid + 1]]
            return bool(np.isin(self.documents[postings], scope).any())

        return [u.text for u in units(question) if not any(map(held_anywhere, u.alternatives))]

    def _idf(self, term: str) -> float:
        tid = self.vocab.get(term)
        return self.unknown_idf if tid is None else float(self.idf_by_id[tid])

    def search(
        self,
        question: str,
        *,
        k: int = 3,
        threshold: float = THRESHOLD,
        allowed: Iterable[int] | None = None,
        superseded_factor: float = SUPERSEDED_FACTOR,
        coverage: float | None = None,
        fuse: bool | None = None,
        expand: str | bool | None = None,
        synonyms: str | bool | None = None,
        key_weight: str | None = None,
        key_cut: float | None = None,
        meaning: bool | None = None,
        order: str | None = None,
        limits: dense.Thresholds | None = None,
        gate: str | None = None,
    ) -> Answer:
        """The best ``k`` passages over the threshold, or a refusal with the closest
        headings. ``allowed``: the document ids the asker may see (None: all). ``fuse``:
        fuse with the character ranking (default: when the index has one). ``expand``: an
        ``expansion.VARIANTS`` name, False for none (default: ``EXPANSION`` when the index
        has its forward lists). ``synonyms``: a ``thesaurus.VARIANTS`` name, False for none
        (default: ``THESAURUS`` when the tokenizer has a thesaurus). ``key_weight`` /
        ``key_cut``: how the key terms are weighed and which are kept (default
        ``KEY_WEIGHT`` / ``KEY_CUT``; a cut of 0 keeps all). ``meaning``: rank by meaning too
        (``dense``; default: when the index has the passages' embeddings), the list made as
        ``order`` says (``dense.ORDERS``; default ``dense.ORDER``) and decided by ``limits``
        (default ``dense.thresholds()``). ``gate``: what gates the fused list (a
        ``FUSED_GATE`` value; default ``FUSED_GATE``)."""
        gate = FUSED_GATE if gate is None else gate
        coverage = COVERAGE if coverage is None else coverage
        weighting = KEY_WEIGHT if key_weight is None else key_weight
        if weighting not in general_idf.WEIGHTINGS:
            raise ValueError(f"unknown key-term weighting {weighting!r}")
        fuse = self.chars is not None if fuse is None else fuse
        if fuse and self.chars is None:
            raise ValueError("fuse=True needs an index built with characters=True")
        question = (question or "").strip()
        limits = limits or dense.thresholds()
        note, vector = by_meaning.declined(self, question, limits, meaning)
        if note is not None:
            return Answer(question, True, [], [], None, declined=note)
        mask = None
        if allowed is not None:
            mask = np.isin(self.documents, np.fromiter(allowed, dtype=np.int64))
        first = self._word_ranking(
            question, synonyms, mask, superseded_factor, weighting, key_cut, k
        )
        if first is None:
            return Answer(question, True, [], [], None)
        raw, ranked, top, cover, units, by_bm25 = first
        pool = max(k, 5) * CANDIDATES
        scope = (mask, superseded_factor, weighting)
        variant = self._variant(expand)
        if variant is not None and top:
            top = expansion.second_pass(
                self, question, variant, top, cover, units, ranked, scope, pool, COVERAGE_MIX
            )
        # The gate's score is the question's own: expansion re-orders, never lets through.
        score = ranked
        if fuse:
            # The character ranking's candidates join the word engine's (already ordered
            # by key-term coverage); the gate below judges the fused list.
            by_chars, char_top = self._char_ranking(question, scope, pool, cover, units)
            if gate in LEARNED_GATES:
                lists = (top, char_top, ranked, by_chars, cover)
                order_only = gate == "learned_order"
                if order_only and not any(
                    ranked[i] >= threshold and cover[i] >= coverage for i in top
                ):
                    # the word engine's own refusal: no candidate passes the rule gate
                    best = self._hit(top[0], ranked, raw) if top else None
                    return self.refusal(question, by_bm25, best)
                return learned.answer(self, question, lists, raw, k, by_bm25, order_only)
            if char_top:
                top = rrf([top, char_top])[:pool]
                if gate == "either":
                    score = np.maximum(ranked, by_chars)
        best = self._hit(top[0], score, raw) if top else None
        chosen = [i for i in top if score[i] >= threshold and cover[i] >= coverage][:k]
        order = dense.order(order)
        # Meaning is consulted when it can add to the list, or refuse what the gate passed.
        if limits.vouch is not None and self.vectors is not None and meaning is not False:
            gate_of = (ranked, raw, units, weighting, threshold, coverage)
            chosen, top, vector = by_meaning.vouched(
                self, question, chosen, top, gate_of, limits.vouch, vector
            )
        wanted = len(chosen) < k or ((order != "fill" or limits.veto is not None) and bool(chosen))
        wanted |= limits.taught is not None and self.taught_table is not None
        if self.vectors is not None and meaning is not False and wanted:
            scope = (mask, superseded_factor, limits)
            hits, vector = by_meaning.hits(
                self, question, top, chosen, scope, score, raw, k, order, vector
            )
        else:
            hits = [self._hit(i, score, raw) for i in chosen]
        note = by_meaning.declined_answer(self, question, hits, limits, meaning, vector)
        if note is not None:
            return Answer(question, True, [], [], None, declined=note)
        if hits:
            return Answer(question, False, hits, [], best)
        return self.refusal(question, by_bm25, best)

    @functools.cached_property
    def taught_table(self) -> by_meaning.TaughtTable | None:
        """The taught questions' table (``by_meaning``), built the first time a search needs
        it (else nothing is embedded); None without passage embeddings or taught questions."""
        if self.vectors is None:
            return None
        return by_meaning.TaughtTable.build(self.entries, self.encoder, self._taught_known)

    @functools.cached_property
    def declined_table(self) -> by_meaning.DeclinedTable | None:
        """The declined questions' table, built as ``taught_table`` is."""
        return by_meaning.DeclinedTable.build(self._declined, self.encoder, self.entries)

    def _hit(self, i: int, score: np.ndarray, raw: np.ndarray) -> Hit:
        return Hit(self.entries[i], float(score[i]), float(raw[i]))

    def refusal(self, question: str, by_bm25: Sequence[int], best: Hit | None) -> Answer:
        """A refusal, with the headings of the best passages by BM25 as where to look."""
        suggestions: list[str] = []
        # Headings first: a suggestion is where to look, and a preamble names none.
        for i in sorted(by_bm25, key=lambda i: not self.entries[i].heading):
            e = self.entries[i]
            label = f"{e.title} › {e.heading}" if e.heading else e.title
            if label not in suggestions:
                suggestions.append(label)
            if len(suggestions) == 3:
                break
        return Answer(question, True, [], suggestions, best)

    def _word_ranking(self, question, synonyms, mask, superseded_factor, weighting, key_cut, k):
        """The word engine's first ranking: (raw scores, relative scores, the candidates
        ordered by relative score × key-term coverage, their coverage, the question's key
        units, the first ones by BM25 alone), or None when nothing can be scored."""
        if not self.n or not question:
            return None
        raw, ideal = self._first_scores(question, synonyms)
        if ideal <= 0:
            return None
        ranked = self.relative(raw, ideal, mask, superseded_factor)
        pool = max(k, 5) * CANDIDATES
        top = [i for i in fusion.top(ranked, pool) if ranked[i] > 0]
        by_bm25 = top[: max(k, 5) * 2]
        units = getattr(self.tokenize, "key_units", None)
        units = units(question) if units is not None else []
        units = general_idf.keep(units, KEY_CUT if key_cut is None else key_cut)
        if units:
            # Among the best by BM25, the passage that holds the question's key terms
            # comes first: BM25 alone lets a passage repeating the common word (社保卡)
            # outrank the one holding the rare one (未成年人 for 小孩).
            cover = dict(zip(top, self.coverage(top, units, weighting).tolist(), strict=True))
            order = {i: ranked[i] * (1 - COVERAGE_MIX + COVERAGE_MIX * cover[i]) for i in top}
            top.sort(key=lambda i: -order[i])
        else:
            cover = {i: 1.0 for i in top}
        return raw, ranked, top, cover, units, by_bm25

    def _char_ranking(self, question, scope, pool, cover, units):
        """The character ranking's relative scores and its first ``pool`` candidates;
        ``cover`` gains the key-term coverage of those the word ranking did not have.
        ``scope``: (visibility mask, superseded factor, key-term weighting)."""
        mask, superseded_factor, weighting = scope
        char_raw, char_ideal = self.chars.scores(_character_question(question))
        if char_ideal <= 0:
            return np.zeros(self.n), []
        by_chars = self.chars.relative(char_raw, char_ideal, mask, superseded_factor)
        char_top = [i for i in fusion.top(by_chars, pool) if by_chars[i] > 0]
        new = [i for i in char_top if i not in cover]
        if new:
            more = self.coverage(new, units, weighting) if units else np.ones(len(new))
            cover.update(zip(new, more.tolist(), strict=True))
        return by_chars, char_top

    def learned_rows(self, question: str) -> tuple[list[int], np.ndarray]:
        """The learned gate's candidates (positions) and their feature rows, as ``search``
        computes them on a fused index: what ``benchmarks/train_gate.py`` fits on."""
        if self.chars is None:
            raise ValueError("the learned gate needs an index built with characters=True")
        question = (question or "").strip()
        first = self._word_ranking(question, None, None, SUPERSEDED_FACTOR, KEY_WEIGHT, None, 3)
        if first is None:
            return [], np.zeros((0, len(learned.FEATURES)))
        _raw, ranked, top, cover, units, _ = first
        scope = (None, SUPERSEDED_FACTOR, KEY_WEIGHT)
        by_chars, char_top = self._char_ranking(question, scope, 5 * CANDIDATES, cover, units)
        return learned.candidates(top, char_top, ranked, by_chars, cover)

    def _first_scores(self, question: str, synonyms: str | bool | None):
        """The first pass's raw scores and ideal: the question's terms, with its thesaurus
        synonyms when a variant is on (``thesaurus.expansion_query``)."""
        book = getattr(self.tokenize, "thesaurus", None)
        variant = synonyms
        if synonyms is None:
            own = getattr(self.tokenize, "thesaurus_variant", None)
            variant = (own or THESAURUS) if book is not None else None
        if variant is True:
            variant = THESAURUS or next(iter(thesaurus.VARIANTS))
        query = self.query_terms(question)
        if not variant:
            return self.weighted_scores(query)
        if book is None:
            raise ValueError("synonyms need a tokenizer with a thesaurus")
        extra, unweighed = thesaurus.expansion_query(
            query, book, self.tokenize.table.group_names(), self.vocab, variant, QUERY_WEIGHTS[WORD]
        )
        return self.weighted_scores(query, extra, unweighed)

    def _variant(self, expand: str | bool | None) -> str | None:
        if expand is None:
            return EXPANSION if self.forward is not None else None
        if expand is False:
            return None
        if expand is True:
            expand = EXPANSION or expansion.VARIANTS[0]
        if self.forward is None:
            raise ValueError("expand needs an index built with feedback=True")
        if expand not in expansion.VARIANTS:
            raise ValueError(f"unknown expansion variant {expand!r}")
        return expand

    def ranking(
        self,
        question: str,
        *,
        expand: str | bool | None = None,
        synonyms: str | bool | None = None,
    ) -> list[int]:
        """The candidates' keys in the order the gate sees them (no gate applied)."""
        answer = self.search(
            question,
            k=self.n or 1,
            threshold=-1.0,
            coverage=-1.0,
            expand=expand,
            synonyms=synonyms,
        )
        return [h.entry.key for h in answer.hits]


def _character_question(question: str) -> str:
    """The question the character ranking scores: without its asking words, as the word
    engine's (怎么办 says nothing of the subject in either)."""
    return strip_question_wording(question) if STRIP_QUESTION_WORDING else question
