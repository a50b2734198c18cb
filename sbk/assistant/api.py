"""The handling assistant's API (办理智能小助手).

POST /api/assistant/ask                          ``{"question", "k"}`` → the answer: the
                                                 contract's fields (question, refused,
                                                 answers: document, heading, passage, score)
                                                 plus each passage's ids and viewer link,
                                                 and the closest headings when refused
GET  /api/assistant/documents                    the documents the caller may see
GET  /api/assistant/documents/{id}               one document with its passages
POST /api/assistant/documents                    multipart: ``file`` (+ title, issuer, number,
                                                 issued_on, status, public, org_code) → 201
POST /api/assistant/documents/{id}/status        ``{"status", "reason"}``
GET  /api/assistant/synonyms / POST …/synonyms   the list as text, one group a line
POST /api/assistant/questions/{id}/wrong         答非所问: the answer (its ``question_id``)
                                                 does not answer; the question is listed
GET  /api/assistant/unanswered                   questions the library could not answer,
                                                 and answers reported as not answering
GET  /api/assistant/taught-questions             questions taught to the assistant (教小助手),
                                                 each with its passage now, or stale (失效)
POST /api/assistant/taught-questions             ``{"question", "passage_id"}`` → 201
DELETE /api/assistant/taught-questions/{id}      → 200 with the question removed
GET  /api/assistant/declined-questions           questions marked outside the library (库外
                                                 问题), which the assistant refuses
POST /api/assistant/declined-questions           ``{"question", "note"}`` → 201
DELETE /api/assistant/declined-questions/{id}    → 200 with the question as it was

Asking writes the question log, so it is a POST; every POST and DELETE goes through
``sbk.core.idempotency.run`` (Idempotency-Key). Applicants ask at /api/portal/assistant
(``portal_api.py``): their sessions and tokens may use nothing outside /api/portal/.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.urls import reverse
from ninja import File, Form, Router, Schema, Status, UploadedFile

from sbk.core import idempotency
from sbk.core.api_types import Int64
from sbk.core.errors import NotFound, ServiceError
from sbk.orgs.scope import visible_orgs

from . import queries, services
from .errors import AssistantErrorCode as E
from .loaders import MAX_BYTES
from .models import Document

router = Router(tags=["办理智能小助手"])


class AskIn(Schema):
    question: str
    k: int = 3


class AnswerItemOut(Schema):
    document: str
    heading: str
    passage: str
    score: float
    document_id: int
    passage_id: int
    superseded: bool
    # Found by meaning, not by the words (ADR 0006, thirteenth round): ``score`` is then the
    # word score, which says little of it.
    by_meaning: bool
    url: str


class AnswerOut(Schema):
    question: str
    refused: bool
    answers: list[AnswerItemOut]
    suggestions: list[str]
    # The question log's row, for reporting the answer as not answering (答非所问);
    # staff only (None at /api/portal).
    question_id: int | None = None
    # At /api/portal only, for an answer (not a refusal): the answer's signed receipt, with
    # which the applicant reports it as not answering (``receipts``).
    receipt: str | None = None
    # Refused because the centre marked the question outside the library (库外问题): its
    # note to the asker ("" when none); None otherwise.
    declined_note: str | None = None


class ReportedOut(Schema):
    id: int
    question: str
    answered_with: str
    reported_wrong_at: dt.datetime


class DocumentOut(Schema):
    id: int
    title: str
    issuer: str
    number: str
    issued_on: dt.date | None
    status: str
    public: bool
    file_name: str
    fmt: str
    version: int
    org_code: str
    passages: int


class PassageOut(Schema):
    id: int
    seq: int
    heading: str
    path: list[str]
    text: str


class DocumentDetailOut(DocumentOut):
    passage_list: list[PassageOut]


class LoadOut(DocumentOut):
    outcome: str


class StatusIn(Schema):
    status: str = ""  # in_force / superseded (empty: refused with document_status)
    reason: str = ""


class SynonymsIn(Schema):
    text: str


class SynonymsOut(Schema):
    text: str
    groups: int


class UnansweredOut(Schema):
    question: str
    times: int
    last: dt.datetime
    best_score: float
    # The question's words no document the caller sees holds in any form.
    absent_words: list[str]
    # How many of its answers were reported as not answering it (答非所问).
    reported_wrong: int


class TeachIn(Schema):
    question: str
    passage_id: int


class TaughtOut(Schema):
    id: int
    question: str
    file_name: str
    heading: str
    org_code: str
    taught_at: dt.datetime
    taught_by: str
    stale: bool  # 失效: the document or the heading is gone since it was taught
    document_id: int | None
    passage_id: int | None


class DeclineIn(Schema):
    question: str
    note: str = ""


class DeclinedOut(Schema):
    id: int
    question: str
    note: str
    declined_at: dt.datetime
    declined_by: str


def declined_out(d) -> dict:
    return {
        "id": d.pk,
        "question": d.text,
        "note": d.note,
        "declined_at": d.declined_at.isoformat(),
        "declined_by": d.declined_by.username if d.declined_by else "",
    }


def taught_out(row: dict) -> dict:
    t = row["taught"]
    return {
        "id": t.pk,
        "question": t.text,
        "file_name": t.file_name,
        "heading": t.heading,
        "org_code": t.org.code,
        "taught_at": t.taught_at.isoformat(),
        "taught_by": t.taught_by.username if t.taught_by else "",
        "stale": row["stale"],
        "document_id": row["document"].pk if row["document"] else None,
        "passage_id": row["passage"].pk if row["passage"] else None,
    }


def _taught_row(user, taught_id: int) -> dict | None:
    rows = queries.taught_questions(user, pk=taught_id)
    return rows[0] if rows else None


def answer_out(answer, staff: bool = True) -> dict:
    """The answer as the API gives it; ``staff``: with the question log's row."""
    out = answer.as_contract()
    out["question_id"] = answer.logged if staff else None
    out["declined_note"] = answer.declined
    for item, hit in zip(out["answers"], answer.hits, strict=True):
        e = hit.entry
        item.update(
            document_id=e.document,
            passage_id=e.key,
            superseded=e.superseded,
            by_meaning=hit.by_meaning,
            url=reverse("assistant:document", args=[e.document]) + f"?p={e.key}#passage-{e.key}",
        )
    out["suggestions"] = list(answer.suggestions)
    return out


def document_out(doc: Document, passages: int | None = None) -> dict:
    return {
        "id": doc.pk,
        "title": doc.title,
        "issuer": doc.issuer,
        "number": doc.number,
        "issued_on": doc.issued_on.isoformat() if doc.issued_on else None,
        "status": doc.status,
        "public": doc.public,
        "file_name": doc.file_name,
        "fmt": doc.fmt,
        "version": doc.version,
        "org_code": doc.org.code,
        "passages": passages if passages is not None else doc.passages.count(),
    }


@router.post("/ask", response=AnswerOut)
def ask(request, payload: AskIn):
    """The best passages (at most ``k``, 1–10), quoted with their source, or a refusal
    with the closest headings."""

    def act():
        answer = services.ask(payload.question, user=request.auth, channel="api", k=payload.k)
        return 200, answer_out(answer)

    return idempotency.run(request, payload.model_dump(mode="json"), act)[1]


@router.post("/questions/{question_id}/wrong", response=ReportedOut)
def report_wrong(request, question_id: Int64):
    """答非所问: the answer given to the question (``question_id`` of the answer) does not
    answer it; the question joins the unanswered list. Reporting it again changes nothing."""

    def act():
        question = services.report_wrong_answer(acting_user=request.auth, question_id=question_id)
        return 200, {
            "id": question.pk,
            "question": question.text,
            "answered_with": question.best_heading,
            "reported_wrong_at": question.reported_wrong_at.isoformat(),
        }

    return idempotency.run(request, {"id": question_id}, act)[1]


@router.get("/documents", response=list[DocumentOut])
def list_documents(request):
    docs = queries.visible_documents(request.auth).order_by("status", "-issued_on", "title")
    return [document_out(d) for d in docs.prefetch_related("passages")]


@router.get("/documents/{document_id}", response=DocumentDetailOut)
def get_document(request, document_id: Int64):
    doc = queries.get_document(request.auth, document_id)
    passages = list(queries.passages_of(doc))
    out = document_out(doc, len(passages))
    out["passage_list"] = [
        {"id": p.pk, "seq": p.seq, "heading": p.heading, "path": p.path, "text": p.text}
        for p in passages
    ]
    return out


@router.post("/documents", response={201: LoadOut})
def load_document(
    request,
    file: File[UploadedFile],
    title: Form[str] = "",
    issuer: Form[str | None] = None,
    number: Form[str | None] = None,
    issued_on: Form[dt.date | None] = None,
    status: Form[str | None] = None,
    public: Form[bool | None] = None,
    org_code: Form[str | None] = None,
):
    """Adds the document, or replaces the one of the same file name in that library."""
    user = request.auth
    if file.size and file.size > MAX_BYTES:
        raise ServiceError(
            E.FILE_TOO_LARGE, f"文件超过 {MAX_BYTES // 1024 // 1024} MB", field="file"
        )
    data = file.read()
    org = getattr(user, "org", None)
    if org_code:
        org = visible_orgs(user).filter(code=org_code).first()
        if org is None:
            raise NotFound("机构")
    if org is None:
        raise ServiceError(E.FILE_NAME, "请用 org_code 指定文件所属机构", field="org_code")
    body = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "file": file.name,
        "title": title,
        "issuer": issuer,
        "number": number,
        "issued_on": issued_on.isoformat() if issued_on else None,
        "status": status,
        "public": public,
        "org": org.code,
    }

    def act():
        result = services.load_document(
            acting_user=user,
            org=org,
            file_name=file.name,
            data=data,
            title=title,
            issuer=issuer,
            number=number,
            issued_on=issued_on,
            status=status,
            public=public,
        )
        return 201, {**document_out(result.document, result.passages), "outcome": result.outcome}

    return Status(*idempotency.run(request, body, act))


@router.post("/documents/{document_id}/status", response=DocumentOut)
def document_status(request, document_id: Int64, payload: StatusIn):
    def act():
        doc = services.set_document_status(
            document_id, acting_user=request.auth, status=payload.status, reason=payload.reason
        )
        return 200, document_out(doc)

    return idempotency.run(request, payload.model_dump(mode="json"), act)[1]


@router.get("/synonyms", response=SynonymsOut)
def get_synonyms(request):
    text = queries.synonyms_text()
    return {"text": text, "groups": len(text.splitlines()) if text else 0}


@router.post("/synonyms", response=SynonymsOut)
def save_synonyms(request, payload: SynonymsIn):
    """Replaces the whole list (one group a line, members joined by ``=``)."""

    def act():
        text = services.save_synonyms(acting_user=request.auth, text=payload.text)
        return 200, {"text": text, "groups": len(text.splitlines()) if text else 0}

    return idempotency.run(request, payload.model_dump(mode="json"), act)[1]


@router.get("/unanswered", response=list[UnansweredOut])
def unanswered(request):
    return [
        {
            "question": r["text"],
            "times": r["times"],
            "last": r["last"],
            "best_score": r["best"],
            "absent_words": r["absent"],
            "reported_wrong": r["wrong"],
        }
        for r in queries.unanswered(request.auth)
    ]


@router.get("/taught-questions", response=list[TaughtOut])
def list_taught(request):
    return [taught_out(r) for r in queries.taught_questions(request.auth)]


@router.post("/taught-questions", response={201: TaughtOut})
def teach(request, payload: TeachIn):
    """教小助手: the question now counts as part of the passage (by its document's file
    name and heading, which survive a reload)."""

    def act():
        taught = services.teach_question(
            acting_user=request.auth, question=payload.question, passage_id=payload.passage_id
        )
        row = _taught_row(request.auth, taught.pk)
        if row is None:  # taught to a library the user sees: cannot be
            raise NotFound("教给小助手的问题")
        return 201, taught_out(row)

    return Status(*idempotency.run(request, payload.model_dump(mode="json"), act))


@router.delete("/taught-questions/{taught_id}", response=TaughtOut)
def forget(request, taught_id: Int64):
    """Removes the taught question; answers the question as it was."""

    def act():
        row = _taught_row(request.auth, taught_id)  # as it was, before it goes
        taught = services.forget_taught_question(acting_user=request.auth, taught_id=taught_id)
        if row is None:
            row = {"taught": taught, "stale": True, "document": None, "passage": None}
        return 200, taught_out(row)

    return idempotency.run(request, {"id": taught_id}, act)[1]


@router.get("/declined-questions", response=list[DeclinedOut])
def list_declined(request):
    return [declined_out(d) for d in queries.declined_questions(request.auth)]


@router.post("/declined-questions", response={201: DeclinedOut})
def decline(request, payload: DeclineIn):
    """标为库外问题: the assistant refuses the question from now on, telling the asker the
    ``note`` (where to ask instead). Marking it again answers the row already there."""

    def act():
        declined = services.decline_question(
            acting_user=request.auth, question=payload.question, note=payload.note
        )
        return 201, declined_out(declined)

    return Status(*idempotency.run(request, payload.model_dump(mode="json"), act))


@router.delete("/declined-questions/{declined_id}", response=DeclinedOut)
def undecline(request, declined_id: Int64):
    """撤销库外问题: the question is searched as any other again; answers it as it was."""

    def act():
        declined = services.undecline_question(acting_user=request.auth, declined_id=declined_id)
        return 200, declined_out(declined)

    return idempotency.run(request, {"id": declined_id}, act)[1]
