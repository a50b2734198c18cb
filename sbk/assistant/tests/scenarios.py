"""The assistant's business actions for ``sbk/tests/test_action_layer.py`` (merged into its
``SCENARIOS``): each done in the user's own place, so that only the role decides."""

from __future__ import annotations

import itertools

from django.utils import timezone

from sbk.assistant import receipts, services
from sbk.assistant.models import Question, QuestionChannel
from sbk.core.actors import SYSTEM
from sbk.core.catalogue import Action as A

_seq = itertools.count(1)
TEXT = "一、补卡\n（一）条件。遗失的，须先办理正式挂失。\n"


def _org(ctx, u):
    org = getattr(u, "org", None)
    return org if org is not None else ctx.w.centre


def _load(ctx, u):
    org = _org(ctx, u)
    name = f"scenario-{next(_seq)}.txt"
    return lambda: services.load_document(
        acting_user=u, org=org, file_name=name, data=TEXT.encode()
    )


def _document(ctx, u):
    """A fresh document of the user's organisation, loaded by the system."""
    return services.load_document(
        acting_user=SYSTEM,
        org=_org(ctx, u),
        file_name=f"scenario-{next(_seq)}.txt",
        data=TEXT.encode(),
    ).document


def _status(ctx, u):
    doc = _document(ctx, u)
    return lambda: services.set_document_status(doc.pk, acting_user=u, status="superseded")


def _synonyms(ctx, u):
    n = next(_seq)
    return lambda: services.save_synonyms(acting_user=u, text=f"补卡{n} = 补办{n}")


def _passage(ctx, u):
    doc = _document(ctx, u)
    return doc.passages.order_by("seq").last()


def _teach(ctx, u):
    passage = _passage(ctx, u)
    return lambda: services.teach_question(
        acting_user=u, question=f"卡丢了怎么办{next(_seq)}", passage_id=passage.pk
    )


def _forget(ctx, u):
    passage = _passage(ctx, u)
    taught = services.teach_question(
        acting_user=SYSTEM, question=f"卡丢了怎么办{next(_seq)}", passage_id=passage.pk
    )
    return lambda: services.forget_taught_question(acting_user=u, taught_id=taught.pk)


def asked(org, text: str = "补卡要带什么材料", channel=QuestionChannel.CONSOLE) -> Question:
    """A question answered in ``org``'s console (or on ``channel``), as ``services.ask``
    logs it."""
    return Question.objects.create(
        asked_at=timezone.now(),
        text=text,
        channel=channel,
        org=org,
        refused=False,
        best_score=0.8,
        best_heading="示范规定 › 一、补卡",
    )


def _report_wrong(ctx, u):
    if getattr(u, "is_applicant", False):  # on the portal, with the answer's receipt
        question = asked(u.person.org, f"卡丢了怎么办{next(_seq)}", QuestionChannel.PORTAL)
        receipt = receipts.issue(question.pk, u.pk)
        return lambda: services.report_wrong_answer(acting_user=u, receipt=receipt)
    question = asked(_org(ctx, u), f"卡丢了怎么办{next(_seq)}")
    return lambda: services.report_wrong_answer(acting_user=u, question_id=question.pk)


def _decline(ctx, u):
    return lambda: services.decline_question(acting_user=u, question=f"结婚登记要什么{next(_seq)}")


def _undecline(ctx, u):
    declined = services.decline_question(acting_user=SYSTEM, question=f"公积金怎么取{next(_seq)}")
    return lambda: services.undecline_question(acting_user=u, declined_id=declined.pk)


SCENARIOS = {
    A.ASSISTANT_DOCUMENT_LOAD: _load,
    A.ASSISTANT_DOCUMENT_STATUS: _status,
    A.ASSISTANT_SYNONYMS_EDIT: _synonyms,
    A.ASSISTANT_TEACH: _teach,
    A.ASSISTANT_FORGET: _forget,
    A.ASSISTANT_REPORT_WRONG: _report_wrong,
    A.ASSISTANT_DECLINE: _decline,
    A.ASSISTANT_UNDECLINE: _undecline,
}
