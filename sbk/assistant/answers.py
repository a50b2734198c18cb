"""What a search returns (检索结果): the passages as the index knows them, the hits, and the
answer or refusal. Pure: no Django import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One passage as the index knows it."""

    key: int  # the passage's id (any integer the caller chooses)
    document: int  # the document's id
    title: str
    heading: str
    text: str
    superseded: bool = False
    # The passage's terms without synonyms (``text.base_terms`` of heading and text), when
    # stored at loading: the index then need not segment the passage again.
    terms: tuple[str, ...] | None = None
    # Questions the centre linked to this passage (``taught``): a field of the passage.
    taught: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float  # relative: 1.0 = every term of the question found
    raw: float
    # Found by meaning (``dense``), not passed by the word engine's gate: its ``score`` is
    # still the word score, which says little of it.
    by_meaning: bool = False


@dataclass(frozen=True)
class Answer:
    question: str
    refused: bool
    hits: list[Hit]  # best first; empty when refused
    suggestions: list[str]  # closest headings ("document › heading"), when refused
    best: Hit | None  # the best passage found, even when below the threshold
    # The question log's row for this answer, when the caller logged it (``services.ask``):
    # what an answer reported as not answering (答非所问) names.
    logged: int | None = None
    # Refused because the centre marked the question as outside the library (库外问题):
    # its note to the asker ("" when none); None otherwise.
    declined: str | None = None

    def as_contract(self) -> dict:
        """The shape of ``sbk assistant ask --json`` (the issue's contract)."""
        return {
            "question": self.question,
            "refused": self.refused,
            "answers": [
                {
                    "document": h.entry.title,
                    "heading": h.entry.heading,
                    "passage": h.entry.text,
                    "score": round(h.score, 4),
                }
                for h in self.hits
            ],
        }
