"""sbk's tokenizer (分词器): jieba words + bigrams + characters + the centre's synonym
table, and the question's own treatment (its asking words left out, the kind of answer it
asks for, a synonym group member counted through its group). Pure: no Django import.
Optionally holds a thesaurus (``thesaurus.Thesaurus``, ADR 0006 fifth round) that the
index reads when a thesaurus variant is on; the terms it makes do not depend on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .text import (
    SYNONYM,
    TYPE,
    WORD,
    KeyUnit,
    Segmenter,
    SynonymGroup,
    SynonymTable,
    base_terms,
    key_units,
    normalise,
    passage_types,
    question_types,
    strip_question_wording,
    terms,
)

if TYPE_CHECKING:
    from .thesaurus import Thesaurus

# Heading words count as much as body words, written once more into the passage's terms.
HEADING_REPEAT = 1
# A question's synonym group members count through the group, not their characters.
QUESTION_MEMBERS_AS_GROUP = True
# A question's asking words (怎么办, 多久, 能不能) are left out of its terms and key units.
STRIP_QUESTION_WORDING = True


class Segmented:
    """The tokenizer sbk uses: jieba words + bigrams + characters + the synonym table."""

    def __init__(
        self,
        synonyms: Iterable[SynonymGroup] = (),
        segmenter: Segmenter | None = None,
        thesaurus: Thesaurus | None = None,
        thesaurus_variant: str | None = None,
    ):
        self.table = SynonymTable(list(synonyms))
        # The thesaurus the index may read, and the variant (``thesaurus.VARIANTS``) a search
        # uses unless told otherwise (None: ``retrieval.THESAURUS``).
        self.thesaurus = thesaurus
        self.thesaurus_variant = thesaurus_variant
        self.segmenter = segmenter or Segmenter()
        self.segmenter.add_words(self.table.members())
        self.members = frozenset(normalise(m) for m in self.table.members())

    def __call__(self, text: str) -> list[str]:
        return terms(text, self.segmenter, self.table)

    def synonym_terms(self, text: str) -> list[str]:
        return self.table.terms(normalise(text))

    def type_terms(self, text: str) -> list[str]:
        """The kinds of answer a passage gives (``text.passage_types``)."""
        return passage_types(text)

    def question_terms(self, text: str) -> list[str]:
        """A question's terms: its asking words left out (``text.QUESTION_PHRASES``: 怎么办
        weighs nothing, not even through 办), the kind of answer it asks for added (多久 →
        ``t:时限``), and a synonym group member counted through its group's term and as the
        word itself, not through its characters (小孩 must find 未成年人, and its characters
        小, 孩 would only weigh against the passage that says so)."""
        kinds = [TYPE + kind for kind in question_types(text)]
        text = strip_question_wording(text) if STRIP_QUESTION_WORDING else normalise(text)
        if not QUESTION_MEMBERS_AS_GROUP:
            return self(text) + kinds
        found = self.table.matches(text)
        if not found:
            return self(text) + kinds
        blanked = self.table.blank(text)
        return (
            base_terms(blanked, self.segmenter)
            + [WORD + member for member, _ in found]
            + [SYNONYM + name for _, name in found]
            + kinds
        )

    def key_units(self, text: str) -> list[KeyUnit]:
        if STRIP_QUESTION_WORDING:
            text = strip_question_wording(text)
        return key_units(text, self.segmenter, self.table)


def passage_terms(heading: str, text: str, segmenter: Segmenter) -> list[str]:
    """What ``Entry.terms`` holds: the base terms of the text and of the heading."""
    return base_terms(text, segmenter) + base_terms(heading, segmenter) * HEADING_REPEAT


def segmented(
    synonyms: Iterable[SynonymGroup] = (),
    segmenter: Segmenter | None = None,
    thesaurus: Thesaurus | None = None,
    thesaurus_variant: str | None = None,
):
    return Segmented(synonyms, segmenter, thesaurus, thesaurus_variant)


_SHARED: Segmenter | None = None


def shared_segmenter() -> Segmenter:
    """One jieba dictionary per process (loading it costs half a second)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = Segmenter()
    return _SHARED
