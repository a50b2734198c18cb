"""Questions the centre taught the assistant (教小助手, ADR 0006 sixth round), as terms of
the passage they were linked to. Pure: no Django import.

A taught question is a field of its passage, as the document's title is: its terms are
added when the index is built (nothing stored in the passage changes). They are made the
way a question's terms are (``Segmented.question_terms``: asking words left out, a synonym
group member counted through its group), so that the same question asked again meets
exactly its own terms, and each distinct term is added **once per passage**, whatever the
number of taught wordings that hold it: ten clerks' versions of one question add the
union of their words, not ten times 社保卡, so the field cannot outweigh the passage's own
text by repetition, and the passage's length (BM25's normalisation) grows by the new
words only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

# How many times the taught terms are written into the passage (the title's weight,
# ``retrieval.TITLE_REPEAT``): once.
TAUGHT_REPEAT = 1


def taught_terms(tokenize: Callable[[str], list[str]], questions: Iterable[str]) -> list[str]:
    """The terms a passage gains from its taught questions: the union of their question
    terms, in first-seen order, ``TAUGHT_REPEAT`` times."""
    make = getattr(tokenize, "question_terms", tokenize)
    seen: dict[str, None] = {}
    for question in questions:
        for term in make(question):
            seen.setdefault(term, None)
    return list(seen) * TAUGHT_REPEAT


def only_gained(own: Iterable[int], gained: Iterable[int]) -> frozenset[int]:
    """The terms (ids) a passage holds only through its taught questions: ``gained`` less
    its ``own`` (text, heading, title)."""
    return frozenset(gained) - frozenset(own)


def normalised(question: str) -> str:
    """A question as stored and compared: its whitespace collapsed."""
    return " ".join((question or "").split())


def comparable(question: str) -> str:
    """A question as a declined one is matched (库外问题): full-width forms folded (NFKC),
    letters lower-cased, and every space and punctuation mark left out, so that
    “结婚登记要啥材料？” and “结婚登记要啥材料” are the same question."""
    folded = unicodedata.normalize("NFKC", question or "").lower()
    return "".join(
        ch for ch in folded if not ch.isspace() and not unicodedata.category(ch).startswith("P")
    )
