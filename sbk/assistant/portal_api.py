"""The handling assistant for applicants (网上服务 · 政策问答), under /api/portal/assistant.

POST /api/portal/assistant/ask                 ``{"question", "k"}`` → the answer, as
                                               ``/api/assistant/ask`` gives it, with links
                                               to the portal's document viewer
POST /api/portal/assistant/wrong               ``{"receipt"}`` (the answer's): 答非所问, the
                                               answer did not answer; the question joins
                                               the centre's unanswered list
GET  /api/portal/assistant/documents/{id}      one public document with its passages

Under /api/portal/ because that is the only API an applicant's session or token may use
(``sbk.accounts.middleware.APPLICANT_PREFIXES``); staff are refused here (403) and ask at
/api/assistant. The rules are the portal page's: an applicant sees the public documents of
the organisations above their own, and the question is logged (channel "portal") for the
centre's unanswered list without the asker. Asking is not service item ⑦ 咨询: that is
journalled only when a clerk records that an enquiry was answered (the console's
``enquiry`` view, ``Action.ENQUIRY``, staff roles only), so nothing here journals.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from ninja import Router, Schema

from sbk.core import idempotency
from sbk.core.api_types import Int64
from sbk.portal.services import own_person

from . import queries, receipts, services
from .api import AnswerOut, AskIn, DocumentDetailOut, answer_out, document_out
from .models import QuestionChannel

router = Router(tags=["申请人网上服务"])


class PortalReportIn(Schema):
    receipt: str  # checked by the service (``receipts.question_of``): 400 with its code


class PortalReportedOut(Schema):
    question: str
    reported_wrong_at: dt.datetime


def _applicant(request):
    own_person(request.auth)  # refuses anyone but an applicant
    return request.auth


def _portal_link(item: dict) -> None:
    item["url"] = (
        reverse("assistant_portal:document", args=[item["document_id"]])
        + f"?p={item['passage_id']}#passage-{item['passage_id']}"
    )


@router.post("/ask", response=AnswerOut)
def ask(request, payload: AskIn):
    """The best passages of the public documents (at most ``k``, 1–10), quoted with their
    source, or a refusal with the closest headings."""
    user = _applicant(request)

    def act():
        answer = services.ask(
            payload.question, user=user, channel=QuestionChannel.PORTAL, k=payload.k
        )
        out = answer_out(answer, staff=False)
        out["receipt"] = receipts.for_answer(answer, user)
        for item in out["answers"]:
            _portal_link(item)
        return 200, out

    return idempotency.run(request, payload.model_dump(mode="json"), act)[1]


@router.post("/wrong", response=PortalReportedOut)
def report_wrong(request, payload: PortalReportIn):
    """答非所问: the answer whose ``receipt`` is given did not answer the applicant's
    question; it joins the centre's unanswered list. Reporting it again changes nothing."""
    user = _applicant(request)

    def act():
        question = services.report_wrong_answer(acting_user=user, receipt=payload.receipt)
        return 200, {
            "question": question.text,
            "reported_wrong_at": question.reported_wrong_at.isoformat(),
        }

    return idempotency.run(request, payload.model_dump(mode="json"), act)[1]


@router.get("/documents/{document_id}", response=DocumentDetailOut)
def get_document(request, document_id: Int64):
    """A public document the applicant may see, with its passages (404 otherwise)."""
    doc = queries.get_document(_applicant(request), document_id)
    passages = list(queries.passages_of(doc))
    out = document_out(doc, len(passages))
    out["passage_list"] = [
        {"id": p.pk, "seq": p.seq, "heading": p.heading, "path": p.path, "text": p.text}
        for p in passages
    ]
    return out
