"""The search index of this process (检索索引), built from the library once and rebuilt
only when the library changed (``LibraryState.stamp``): a question costs one indexed
read of the stamp and the BM25 pass, never a rebuild.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.conf import settings

from .models import DocumentStatus, LibraryState, Passage, SynonymGroup
from .retrieval import HYBRID, Entry, Index, segmented, shared_segmenter
from .text import SynonymGroup as Group


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


def build_index() -> Index:
    rows = Passage.objects.order_by("document_id", "seq").values_list(
        "pk", "document_id", "document__title", "heading", "text", "document__status", "terms"
    )
    entries = [
        Entry(
            pk,
            doc,
            title,
            heading,
            text,
            status == DocumentStatus.SUPERSEDED,
            tuple(terms.split()) if terms else None,
        )
        for pk, doc, title, heading, text, status, terms in rows.iterator(chunk_size=2000)
    ]
    return Index(
        entries, segmented(synonym_groups(), shared_segmenter()), characters=hybrid_ranking()
    )


def hybrid_ranking() -> bool:
    """Whether the index fuses the word ranking with a character ranking (ADR 0006, third
    round: measured, not better, off unless ``SBK_ASSISTANT_HYBRID`` says so)."""
    return bool(getattr(settings, "SBK_ASSISTANT_HYBRID", HYBRID))


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
