"""Changes to the assistant's library, and asking it a question (办理智能小助手).

Six business actions, each one transaction and one audit row: ``load_document`` (加载政策
文件: adds a document, or replaces the one of the same file name in that organisation's
library), ``set_document_status`` (现行 / 废止), ``save_synonyms`` (the whole list at
once), ``teach_question`` and ``forget_taught_question`` (教小助手: a question linked to the
passage that answers it, whose terms the index adds to that passage), and
``report_wrong_answer`` (答非所问: an answer reported as not answering its question, which
joins the unanswered list; it changes the question log, not the library). Every change to
the library takes
the library's one ``LibraryState`` row first (changes are rare: they simply queue) and
gives it a new stamp, which tells every process to rebuild its index before the next
question.

``ask`` is not a business action: it changes nothing but the question log, which lists
the questions the library could not answer for the centre to fill the gaps. Recording
that a clerk answered an enquiry (service item ⑦ 咨询) is the cards app's
``record_enquiry``, which the console calls with the question and the cited passage.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.actors import is_system
from sbk.core.catalogue import Action
from sbk.core.errors import Conflict, Forbidden, NotFound, Problem, ServiceError
from sbk.orgs.models import Organisation

from . import dense, engine, loaders, queries, receipts
from .errors import AssistantErrorCode as E
from .models import (
    DeclinedQuestion,
    Document,
    DocumentStatus,
    LibraryState,
    Passage,
    Question,
    QuestionChannel,
    SynonymGroup,
    TaughtQuestion,
)
from .retrieval import Answer, passage_terms, segmented, shared_segmenter
from .splitting import split
from .taught import comparable, normalised
from .text import SynonymError, format_synonyms, parse_synonyms

MAX_QUESTION = 500
MAX_K = 10
MAX_SYNONYM_GROUPS = 1000
MAX_TERM = 40
# Raised when the splitting rules change, so that reloading an unchanged file re-splits it.
SPLIT_VERSION = 1


@dataclass
class LoadResult:
    document: Document
    outcome: str  # "added", "replaced", "unchanged"
    passages: int


def _lock_library() -> LibraryState:
    state = LibraryState.objects.select_for_update().filter(pk=1).first()
    if state is None:  # a database migrated before the row existed, or flushed by a test
        LibraryState.objects.get_or_create(
            pk=1, defaults={"stamp": "", "changed_at": timezone.now()}
        )
        state = LibraryState.objects.select_for_update().get(pk=1)
    return state


def _touch(state: LibraryState) -> None:
    state.stamp = uuid.uuid4().hex
    state.changed_at = timezone.now()
    state.save(update_fields=["stamp", "changed_at"])


def _meta(document: Document) -> dict:
    return {
        "file_name": document.file_name,
        "title": document.title,
        "issuer": document.issuer,
        "number": document.number,
        "issued_on": document.issued_on.isoformat() if document.issued_on else None,
        "status": document.status,
        "public": document.public,
        "version": document.version,
        "digest": document.digest,
    }


def _clean_file_name(file_name: str) -> str:
    name = Path((file_name or "").replace("\\", "/")).name.strip()
    if not name or len(name) > 200:
        raise ServiceError(E.FILE_NAME, "文件名不能为空，且不超过 200 个字符", field="file")
    return name


def _status_value(status: str | None) -> str | None:
    if status in (None, ""):
        return None
    if status not in DocumentStatus.values:
        raise ServiceError(
            E.DOCUMENT_STATUS,
            "效力应为 in_force（现行有效）或 superseded（已废止）",
            field="status",
        )
    return status


@actions.atomic
def load_document(
    *,
    acting_user,
    org: Organisation,
    file_name: str,
    data: bytes,
    title: str = "",
    issuer: str | None = None,
    number: str | None = None,
    issued_on: dt.date | None = None,
    status: str | None = None,
    public: bool | None = None,
) -> LoadResult:
    """加载政策文件: read, split and store a document; a file of the same name in the same
    library is replaced (its passages with it). What the caller states wins over what the
    file says of itself. All or nothing: a file that cannot be read changes nothing."""
    ensure(acting_user, Action.ASSISTANT_DOCUMENT_LOAD, org)
    file_name = _clean_file_name(file_name)
    status = _status_value(status)
    try:
        loaded = loaders.load_bytes(file_name, data)
    except loaders.LoadError as exc:
        raise ServiceError(exc.code, exc.message, field="file") from None
    if loaded.meta_errors:
        problems = [Problem(E.DOCUMENT_META, m, "file") for m in loaded.meta_errors]
        raise ServiceError.from_problems(problems)
    values = {
        "title": loaded.title_as_stored(title),
        "issuer": (issuer if issuer is not None else loaded.issuer).strip()[:100],
        "number": (number if number is not None else loaded.number).strip()[:60],
        "issued_on": issued_on or loaded.issued_on,
        "status": status or loaded.validity or DocumentStatus.IN_FORCE,
        "public": public if public is not None else (loaded.public is not False),
        "fmt": loaded.fmt,
        "text": loaded.text,
    }
    passages = split(loaded.body_lines, loaded.title or values["title"])
    if not passages:
        raise ServiceError(E.NO_PASSAGES, f"文件中没有可检索的段落：{file_name}", field="file")
    fingerprint = json.dumps(
        {"split": SPLIT_VERSION} | {k: str(v) for k, v in values.items() if k != "text"},
        sort_keys=True,
        ensure_ascii=False,
    )
    digest = hashlib.sha256(data + fingerprint.encode()).hexdigest()
    texts = [dense.passage_text(values["title"], p.heading, p.text) for p in passages]
    # Embedded before the library is locked, so that a long document holds no one else up;
    # but not for a file loaded before as it is (a folder loaded again), which the locked
    # check below finds unchanged.
    vectors = None
    if not Document.objects.filter(org=org, file_name=file_name, digest=digest).exists():
        vectors = dense.shared_encoder().passages(texts)

    state = _lock_library()
    existing = (
        Document.objects.select_for_update(of=("self",))
        .filter(org=org, file_name=file_name)
        .first()
    )
    if existing is not None and existing.digest == digest:
        return LoadResult(existing, "unchanged", existing.passages.count())
    before = _meta(existing) if existing else None
    now = timezone.now()
    if existing is None:
        document = Document(org=org, file_name=file_name, digest=digest, loaded_at=now, **values)
        try:
            document.save()
        except IntegrityError:
            raise Conflict(E.FILE_NAME, f"文件“{file_name}”正在被他人加载，请稍后重试") from None
        outcome = "added"
    else:
        document = existing
        for key, value in values.items():
            setattr(document, key, value)
        document.digest = digest
        document.version = existing.version + 1
        document.loaded_at = now
        document.save()
        document.passages.all().delete()
        outcome = "replaced"
    segmenter = segmented(queries.synonyms(), shared_segmenter()).segmenter
    if vectors is None:  # it changed since the look before the lock
        vectors = dense.shared_encoder().passages(texts)
    Passage.objects.bulk_create(
        [
            Passage(
                document=document,
                seq=p.seq,
                path=list(p.path),
                heading=p.heading,
                text=p.text,
                terms=" ".join(passage_terms(p.heading, p.text, segmenter)),
                vector=dense.to_bytes(vector),
            )
            for p, vector in zip(passages, vectors, strict=True)
        ],
        batch_size=1000,
    )
    _touch(state)
    actions.record(
        Action.ASSISTANT_DOCUMENT_LOAD,
        acting_user=acting_user,
        obj=document,
        before=before,
        after={**_meta(document), "passages": len(passages), "outcome": outcome},
    )
    return LoadResult(document, outcome, len(passages))


@actions.atomic
def set_document_status(
    document_id: int, *, acting_user, status: str, reason: str = ""
) -> Document:
    """标记现行或废止: a superseded document still answers, ranked below those in force and
    labelled as superseded."""
    ensure(acting_user, Action.ASSISTANT_DOCUMENT_STATUS)  # the role, before any lookup
    state = _lock_library()
    visible = queries.visible_documents(acting_user).values("pk")
    document = (
        Document.objects.select_for_update(of=("self",))
        .select_related("org")
        .filter(pk=document_id, pk__in=visible)
        .first()
    )
    if document is None:
        raise NotFound("政策文件")
    ensure(acting_user, Action.ASSISTANT_DOCUMENT_STATUS, document)
    status = _status_value(status)
    if status is None:
        raise ServiceError(E.DOCUMENT_STATUS, "请选择效力", field="status")
    if document.status == status:
        return document
    before = {"status": document.status}
    document.status = status
    document.save(update_fields=["status"])
    _touch(state)
    actions.record(
        Action.ASSISTANT_DOCUMENT_STATUS,
        acting_user=acting_user,
        obj=document,
        before=before,
        after={"status": status, "title": document.title},
        reason=reason,
    )
    return document


@actions.atomic
def save_synonyms(*, acting_user, text: str) -> str:
    """编辑同义词: the whole list, one group a line (``永居证 = 外国人永久居留身份证``)."""
    ensure(acting_user, Action.ASSISTANT_SYNONYMS_EDIT)
    try:
        groups = parse_synonyms(text)
    except SynonymError as exc:
        raise ServiceError(E.SYNONYMS, exc.message, field="text") from None
    if len(groups) > MAX_SYNONYM_GROUPS:
        raise ServiceError(E.SYNONYMS, f"同义词组不超过 {MAX_SYNONYM_GROUPS} 组", field="text")
    long = [t for g in groups for t in g.terms if len(t) > MAX_TERM]
    if long:
        raise ServiceError(E.SYNONYMS, f"词语不超过 {MAX_TERM} 个字：{long[0]}", field="text")
    state = _lock_library()
    before = queries.synonyms_text()
    after = format_synonyms(groups)
    if before == after:
        return after
    SynonymGroup.objects.all().delete()
    SynonymGroup.objects.bulk_create(
        [SynonymGroup(position=i, terms=list(g.terms)) for i, g in enumerate(groups, start=1)]
    )
    _touch(state)
    actions.record(
        Action.ASSISTANT_SYNONYMS_EDIT,
        acting_user=acting_user,
        object_type="assistant.synonyms",
        object_id="1",
        before={"groups": len(before.splitlines()) if before else 0, "text": before},
        after={"groups": len(groups), "text": after},
    )
    return after


class TaughtQuestionMissing(NotFound):
    """No such taught question in a library the user sees: 404, with the field named."""

    def __init__(self):
        ServiceError.__init__(
            self, E.TAUGHT_QUESTION_ID, "该问题不存在或已被删除", field="taught_question_id"
        )


def _as_id(value) -> int | None:
    """A primary key as given by a form or the API, or None when it cannot be one."""
    return value if isinstance(value, int) else int(value) if str(value).isdigit() else None


def _taught_meta(taught: TaughtQuestion) -> dict:
    return {
        "question": taught.text,
        "org": taught.org_id,
        "file_name": taught.file_name,
        "heading": taught.heading,
    }


def _clean_question(question: str) -> str:
    """A question as asked, taught and logged: whitespace collapsed, not empty, not too long."""
    question = normalised(question)
    if not question:
        raise ServiceError(E.QUESTION_EMPTY, "请输入问题", field="question")
    if len(question) > MAX_QUESTION:
        raise ServiceError(E.QUESTION_TOO_LONG, f"问题不超过 {MAX_QUESTION} 个字", field="question")
    return question


@actions.atomic
def teach_question(*, acting_user, question: str, passage_id: int) -> TaughtQuestion:
    """教小助手: from now on ``question`` counts as part of the passage that answers it
    (its terms are indexed with the passage). Kept as the document's library, file name
    and the passage's heading, which survive a reload of the document. Teaching the same
    question the same passage again changes nothing."""
    ensure(acting_user, Action.ASSISTANT_TEACH)
    question = _clean_question(question)
    if DeclinedQuestion.objects.filter(key=comparable(question)).exists():
        raise ServiceError(
            E.QUESTION_DECLINED, "该问题已标为库外问题，请先撤销再指定答案", field="question"
        )
    # Embedded before the library is locked: a forward pass holds no one else up.
    vector = dense.to_bytes(dense.shared_encoder().question(question))
    state = _lock_library()
    passage_id = _as_id(passage_id)
    passage = (
        Passage.objects.select_related("document")
        .filter(pk=passage_id, document__in=queries.visible_documents(acting_user).values("pk"))
        .first()
        if passage_id is not None
        else None
    )
    if passage is None:
        raise ServiceError(E.PASSAGE_ID, "段落不存在或不在您可见的文件中", field="passage_id")
    document = passage.document
    found = TaughtQuestion.objects.filter(
        text=question, org_id=document.org_id, file_name=document.file_name, heading=passage.heading
    ).first()
    if found is not None:
        return found
    try:
        taught = TaughtQuestion.objects.create(
            text=question,
            org_id=document.org_id,
            file_name=document.file_name,
            heading=passage.heading,
            taught_by=None if is_system(acting_user) else acting_user,
            taught_at=timezone.now(),
            vector=vector,
        )
    except IntegrityError:  # the library row is locked above, so only on a broken lock
        raise Conflict(E.PASSAGE_ID, "该问题正在被他人指定，请稍后重试") from None
    _touch(state)
    actions.record(
        Action.ASSISTANT_TEACH,
        acting_user=acting_user,
        obj=taught,
        after={**_taught_meta(taught), "passage": passage.pk, "title": document.title},
    )
    return taught


@actions.atomic
def forget_taught_question(*, acting_user, taught_id: int) -> TaughtQuestion:
    """删除教给小助手的问题: its terms leave the passage at the next build. Returns the
    question as it was (its ``pk`` kept)."""
    ensure(acting_user, Action.ASSISTANT_FORGET)
    state = _lock_library()
    # Only a question taught to a library the user sees (their organisation's or above).
    libraries = queries.visible_documents(acting_user).values("org_id")
    taught_id = _as_id(taught_id)
    taught = (
        TaughtQuestion.objects.select_for_update()
        .filter(pk=taught_id, org_id__in=libraries)
        .first()
        if taught_id is not None
        else None
    )
    if taught is None:
        raise TaughtQuestionMissing()
    before = _taught_meta(taught)
    taught_pk = taught.pk
    taught.delete()
    _touch(state)
    actions.record(
        Action.ASSISTANT_FORGET,
        acting_user=acting_user,
        object_type="assistant.taughtquestion",
        object_id=str(taught_pk),
        before=before,
    )
    taught.pk = taught_pk
    return taught


MAX_NOTE = 200


class DeclinedQuestionMissing(NotFound):
    """No such declined question: 404, with the field named."""

    def __init__(self):
        ServiceError.__init__(
            self, E.DECLINED_QUESTION_ID, "该库外问题不存在或已撤销", field="declined_question_id"
        )


@actions.atomic
def decline_question(*, acting_user, question: str, note: str = "") -> DeclinedQuestion:
    """标为库外问题: from now on the assistant refuses ``question`` (and the same words with
    other spacing, punctuation or width, ``taught.comparable``), telling the asker ``note``
    (where to ask instead). For a question on something no document covers that is answered
    from an everyday word. Marking it again changes nothing; a question taught a passage
    cannot be declined until it is forgotten."""
    ensure(acting_user, Action.ASSISTANT_DECLINE)
    question = _clean_question(question)
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise ServiceError(E.NOTE_TOO_LONG, f"告知内容不超过 {MAX_NOTE} 个字", field="note")
    key = comparable(question)
    if not key:
        raise ServiceError(E.QUESTION_EMPTY, "请输入问题", field="question")
    # Embedded before the library is locked, as a taught question is.
    vector = dense.to_bytes(dense.shared_encoder().question(question))
    state = _lock_library()
    found = DeclinedQuestion.objects.filter(key=key).first()
    if found is not None:
        return found
    if any(comparable(t) == key for t in TaughtQuestion.objects.values_list("text", flat=True)):
        raise ServiceError(
            E.QUESTION_TAUGHT, "该问题已指定答案段落，请先删除指定再标为库外问题", field="question"
        )
    declined = DeclinedQuestion.objects.create(
        text=question,
        key=key,
        note=note,
        declined_by=None if is_system(acting_user) else acting_user,
        declined_at=timezone.now(),
        vector=vector,
    )
    _touch(state)
    actions.record(
        Action.ASSISTANT_DECLINE,
        acting_user=acting_user,
        obj=declined,
        after={"question": question, "note": note},
    )
    return declined


@actions.atomic
def undecline_question(*, acting_user, declined_id: int) -> DeclinedQuestion:
    """撤销库外问题: the question is searched as any other again. Returns it as it was."""
    ensure(acting_user, Action.ASSISTANT_UNDECLINE)
    state = _lock_library()
    declined_id = _as_id(declined_id)
    declined = (
        DeclinedQuestion.objects.select_for_update().filter(pk=declined_id).first()
        if declined_id is not None
        else None
    )
    if declined is None:
        raise DeclinedQuestionMissing()
    pk, before = declined.pk, {"question": declined.text, "note": declined.note}
    declined.delete()
    _touch(state)
    actions.record(
        Action.ASSISTANT_UNDECLINE,
        acting_user=acting_user,
        object_type="assistant.declinedquestion",
        object_id=str(pk),
        before=before,
    )
    declined.pk = pk
    return declined


class QuestionMissing(NotFound):
    """No such question asked in the user's scope: 404, with the field named."""

    def __init__(self):
        ServiceError.__init__(
            self, E.QUESTION_ID, "该提问记录不存在或不在您的范围内", field="question_id"
        )


@actions.atomic
def report_wrong_answer(
    *, acting_user, question_id: int | None = None, receipt: str | None = None
) -> Question:
    """报告答非所问: whoever was given an answer reports that it does not answer the
    question; from then on the question is listed with those the library could not answer
    (``queries.unanswered``), for the centre to fill the gap (a document, a synonym, or the
    question taught its passage). A clerk names the question log's row (``question_id``, in
    the clerk's scope); an applicant shows the answer's receipt (``receipts``: the log keeps
    no asker, so the receipt is the only proof that the answer was theirs), and only a
    portal answer can be theirs. Only an answer can be reported (a refusal is listed
    already); reporting it again changes nothing."""
    ensure(acting_user, Action.ASSISTANT_REPORT_WRONG)
    if getattr(acting_user, "is_applicant", False):
        question_id = receipts.question_of(receipt or "", acting_user.pk)
        rows = Question.objects.filter(channel=QuestionChannel.PORTAL)
    else:
        question_id = _as_id(question_id)
        rows = queries.scoped_questions(acting_user)
    question = (
        rows.select_for_update().filter(pk=question_id).first() if question_id is not None else None
    )
    if question is None:
        raise QuestionMissing()
    if question.refused:
        raise ServiceError(
            E.QUESTION_REFUSED, "小助手未回答该问题，它已列在未能回答的问题中", field="question_id"
        )
    if question.reported_wrong_at is not None:
        return question
    question.reported_wrong_at = timezone.now()
    question.save(update_fields=["reported_wrong_at"])
    actions.record(
        Action.ASSISTANT_REPORT_WRONG,
        acting_user=acting_user,
        obj=question,
        after={
            "question": question.text,
            "answered_with": question.best_heading,
            "channel": question.channel,
        },
    )
    return question


def _label(hit) -> str:
    e = hit.entry
    return f"{e.title} › {e.heading}" if e.heading else e.title


def _asker_org(user):
    if is_system(user):
        return None
    person = getattr(user, "person", None) if getattr(user, "is_applicant", False) else None
    return person.org if person is not None else getattr(user, "org", None)


def ask(question: str, *, user, channel: str, k: int = 3, log: bool = True) -> Answer:
    """The best passages of the documents the user may see, quoted, or a refusal with the
    closest headings. Logged (without the asker) when ``log``; the CLI does not log."""
    if not queries.may_ask(user):
        raise Forbidden("请先登录")
    question = _clean_question(question)
    k = max(1, min(int(k), MAX_K))
    answer = engine.current_index().search(
        question,
        k=k,
        threshold=engine.threshold(),
        allowed=queries.visible_document_ids(user),
    )
    if log:
        best = answer.hits[0] if answer.hits else answer.best
        logged = Question.objects.create(
            asked_at=timezone.now(),
            text=question,
            channel=channel,
            org=_asker_org(user),
            refused=answer.refused,
            best_score=round(best.score, 4) if best else 0.0,
            best_heading=_label(best)[:300] if best else "",
        )
        answer = dataclasses.replace(answer, logged=logged.pk)
    return answer
