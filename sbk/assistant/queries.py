"""Reads of the assistant's library: which documents a user may see, the questions left
unanswered, the library's figures.

Visibility: a document belongs to one organisation's library. Staff see the documents of
the organisations in their scope and of every organisation above theirs (the centre's
rules apply to a district's outlets; another district's local rules do not). An applicant
sees the public documents of the organisations above their own registering organisation.
"""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet

from sbk.core.actors import is_system
from sbk.core.errors import NotFound
from sbk.orgs.scope import is_applicant, org_q, scoped, visible_orgs

from . import engine
from .models import DeclinedQuestion, Document, Passage, Question, SynonymGroup, TaughtQuestion
from .text import SynonymGroup as Group
from .text import format_synonyms


def _ancestor_paths(path: str) -> list[str]:
    """ "/C/D/O/" → ["/C/", "/C/D/", "/C/D/O/"]."""
    parts = [p for p in (path or "").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def may_ask(user) -> bool:
    """Anyone signed in may ask: staff of every role, applicants, the operator's shell."""
    if is_system(user):
        return True
    return bool(getattr(user, "is_authenticated", False) and user.is_active is not False)


def visible_documents(user) -> QuerySet[Document]:
    qs = Document.objects.select_related("org")
    if is_system(user):
        return qs
    if not may_ask(user):
        return qs.none()
    if is_applicant(user):
        person_org = user.person.org
        return qs.filter(public=True, org__path__in=_ancestor_paths(person_org.path))
    org = getattr(user, "org", None)
    if org is None:
        return qs if user.is_superuser else qs.none()
    return qs.filter(org_q(user, prefix="org__") | Q(org__path__in=_ancestor_paths(org.path)))


def get_document(user, document_id: int) -> Document:
    try:
        return visible_documents(user).get(pk=document_id)
    except Document.DoesNotExist:
        raise NotFound("政策文件") from None


def passages_of(document: Document) -> QuerySet[Passage]:
    return document.passages.order_by("seq")


def visible_document_ids(user) -> list[int] | None:
    """The ids a search may return for the user (None: every document)."""
    if is_system(user):
        return None
    return list(visible_documents(user).values_list("pk", flat=True))


def synonyms() -> list[Group]:
    return [Group(tuple(g.terms)) for g in SynonymGroup.objects.order_by("position")]


def synonyms_text() -> str:
    return format_synonyms(synonyms())


def declined_questions(user) -> QuerySet[DeclinedQuestion]:
    """The questions marked outside the library (库外问题), newest first: one list for the
    whole city, as the synonym list is; every staff role reads it, applicants do not."""
    qs = DeclinedQuestion.objects.select_related("declined_by")
    if is_system(user) or (may_ask(user) and not is_applicant(user)):
        return qs
    return qs.none()


def scoped_questions(user) -> QuerySet[Question]:
    """The question log within the user's scope (the questions asked in the organisations
    they see)."""
    return scoped(user, Question.objects.all())


def unanswered(user, limit: int = 200) -> list[dict]:
    """Questions the library could not answer, and answers reported as not answering
    them (答非所问, ``wrong``: how many times), grouped by wording, most asked first, within
    the user's scope, each with the words of it that no visible document holds
    (``absent``)."""
    reported = Q(reported_wrong_at__isnull=False)
    qs = scoped_questions(user).filter(Q(refused=True) | reported)
    rows = list(
        qs.values("text")
        .annotate(
            times=Count("pk"),
            last=Max("asked_at"),
            best=Max("best_score"),
            wrong=Count("pk", filter=reported),
        )
        .order_by("-times", "-last")[:limit]
    )
    # Each question's words no document the user sees holds in any form (``absent``): the
    # word for the synonym list (丢了 for 遗失), or a subject no document covers (公积金).
    if rows:
        index, allowed = engine.current_index(), visible_document_ids(user)
        for row in rows:
            row["absent"] = index.absent_words(row["text"], allowed)
    return rows


def taught_questions(user, pk: int | None = None) -> list[dict]:
    """The questions taught to the assistant, newest first, each with the passage it
    resolves to now (the first of its heading in the document of that file name), or
    ``passage`` None — 失效: the document or the heading is gone since it was taught. Only
    the libraries the user sees; ``pk``: only that one."""
    docs = {
        (d.org_id, d.file_name): d
        for d in visible_documents(user).only("pk", "org_id", "file_name", "title", "status")
    }
    taught = TaughtQuestion.objects.select_related("org", "taught_by")
    rows = list(taught if pk is None else taught.filter(pk=pk))
    seen: list[set[str]] = []

    def paths() -> set[str]:
        if not seen:
            seen.append(_visible_paths(user))
        return seen[0]

    wanted = [docs[(t.org_id, t.file_name)].pk for t in rows if (t.org_id, t.file_name) in docs]
    first: dict[tuple[int, str], Passage] = {}
    for p in Passage.objects.filter(document_id__in=wanted).order_by("document_id", "seq"):
        first.setdefault((p.document_id, p.heading), p)
    out = []
    for t in rows:
        doc = docs.get((t.org_id, t.file_name))
        if doc is None and not (is_system(user) or t.org.path in paths()):
            continue  # another district's own library
        passage = first.get((doc.pk, t.heading)) if doc is not None else None
        out.append({"taught": t, "document": doc, "passage": passage, "stale": passage is None})
    return out


def _visible_paths(user) -> set[str]:
    """The organisations whose libraries the user sees (for a taught question whose
    document is gone)."""
    org = getattr(user, "org", None)
    if org is None:
        return set()
    return set(visible_orgs(user).values_list("path", flat=True)) | set(_ancestor_paths(org.path))


def library_figures(user) -> dict:
    docs = visible_documents(user)
    return {
        "documents": docs.count(),
        "in_force": docs.filter(status="in_force").count(),
        "passages": Passage.objects.filter(document__in=docs).count(),
    }
