"""Happy paths of the assistant's API operations for ``sbk/tests/test_contract_happy_paths.py``
(``cases(Call)`` is merged into its ``CASES``; ``Call`` is passed in to keep the imports one-way)."""

from __future__ import annotations

from sbk.assistant import receipts, services
from sbk.core.actors import SYSTEM

from .scenarios import asked

TEXT = "一、补卡\n（一）条件。社保卡遗失的，须先办理正式挂失，再申请补卡。\n（二）材料。本人有效身份证件。\n"


def _doc(c):
    return services.load_document(
        acting_user=SYSTEM, org=c.w.centre, file_name="contract.txt", data=TEXT.encode()
    ).document


def _public_doc(c):
    return services.load_document(
        acting_user=SYSTEM,
        org=c.w.centre,
        file_name="public.txt",
        data=TEXT.encode(),
        public=True,
    ).document


def _asked(c):
    _doc(c)
    services.ask("住房公积金怎么提取", user=c.w.admin_a, channel="console")


def _taught(c):
    passage = _doc(c).passages.order_by("seq").last()
    return services.teach_question(
        acting_user=SYSTEM, question="卡丢了怎么补", passage_id=passage.pk
    )


def _declined(c):
    return services.decline_question(acting_user=SYSTEM, question="公积金怎么提取")


def _portal_report(c, Call):
    """An applicant's answer on the portal, reported with its receipt."""
    _public_doc(c)
    user = c.applicant()
    answer = services.ask("补卡要带什么材料", user=user, channel="portal")
    return Call(user, json={"receipt": receipts.for_answer(answer, user)})


def cases(Call) -> dict:
    return {
        "sbk_assistant_api_ask": lambda c, s: (
            _doc(c),
            Call(c.w.operator_a, json={"question": "补卡要带什么材料", "k": 2}),
        )[1],
        "sbk_assistant_api_list_documents": lambda c, s: (_doc(c), Call(c.w.operator_a))[1],
        "sbk_assistant_api_get_document": lambda c, s: Call(
            c.w.operator_a, path={"document_id": _doc(c).pk}
        ),
        "sbk_assistant_api_load_document": lambda c, s: Call(
            c.w.admin_a,
            multipart={"file": ("rules.txt", TEXT.encode()), "title": "区补卡规定"},
        ),
        "sbk_assistant_api_document_status": lambda c, s: Call(
            c.w.city_admin,
            path={"document_id": _doc(c).pk},
            json={"status": "superseded", "reason": "新规定施行"},
        ),
        "sbk_assistant_api_get_synonyms": lambda c, s: Call(c.w.auditor),
        "sbk_assistant_api_save_synonyms": lambda c, s: Call(
            c.w.city_admin, json={"text": "补卡 = 补换卡"}
        ),
        "sbk_assistant_api_unanswered": lambda c, s: (_asked(c), Call(c.w.admin_a))[1],
        "sbk_assistant_api_report_wrong": lambda c, s: Call(
            c.w.operator_a, path={"question_id": asked(c.w.outlet_a).pk}
        ),
        "sbk_assistant_api_list_taught": lambda c, s: (_taught(c), Call(c.w.auditor))[1],
        "sbk_assistant_api_teach": lambda c, s: Call(
            c.w.city_admin,
            json={
                "question": "卡丢了要带什么去补",
                "passage_id": _doc(c).passages.order_by("seq").last().pk,
            },
        ),
        "sbk_assistant_api_forget": lambda c, s: Call(
            c.w.city_admin, path={"taught_id": _taught(c).pk}
        ),
        "sbk_assistant_api_list_declined": lambda c, s: (_declined(c), Call(c.w.auditor))[1],
        "sbk_assistant_api_decline": lambda c, s: Call(
            c.w.city_admin, json={"question": "结婚登记要什么材料", "note": "请咨询民政局"}
        ),
        "sbk_assistant_api_undecline": lambda c, s: Call(
            c.w.city_admin, path={"declined_id": _declined(c).pk}
        ),
        # the applicant's side (/api/portal/assistant)
        "sbk_assistant_portal_api_ask": lambda c, s: (
            _public_doc(c),
            Call(c.applicant(), json={"question": "补卡要带什么材料"}),
        )[1],
        "sbk_assistant_portal_api_report_wrong": lambda c, s: _portal_report(c, Call),
        "sbk_assistant_portal_api_get_document": lambda c, s: Call(
            c.applicant(), path={"document_id": _public_doc(c).pk}
        ),
    }
