"""Happy paths of the operations API for ``sbk/tests/test_contract_happy_paths.py``
(``cases(Call)`` is merged into its ``CASES``; ``Call`` is passed in to keep the imports
one-way)."""

from __future__ import annotations

import base64
import datetime as dt

from django.utils import timezone

from sbk.operations.models import Device, DeviceFault, Exam, InfoReport, MaterialSample, SampleDraw

from .helpers import application, transaction
from .scenarios import _order

P = "sbk_operations_api_"


def _with_document(c):
    """A document image of an application of outlet A."""
    from sbk.operations import services

    app = application(c.w.outlet_a, c.w.person_a, timezone.now())
    return services.attach_document(
        app.pk, acting_user=c.w.operator_a, kind="id_document", data=b"\xff\xd8\xffscan"
    )


def _device(c):
    return Device.objects.create(
        org=c.w.outlet_a, kind="printer", model="M1", purchase_date=dt.date(2019, 1, 1)
    )


def _fault(c):
    d = _device(c)
    return DeviceFault.objects.create(
        device=d, org=d.org, source="self", reported_on=timezone.localdate(), description="卡纸"
    )


def _sample(c):
    app = application(c.w.outlet_a, c.w.person_a, timezone.now())
    draw = SampleDraw.objects.create(
        org=c.w.district_a,
        quarter="2020Q1",
        seed="s",
        size=1,
        population=1,
        drawn_at=timezone.now(),
    )
    return MaterialSample.objects.create(draw=draw, application=app, org=c.w.outlet_a, position=1)


def cases(Call) -> dict:
    today = timezone.localdate().isoformat()
    w = lambda c: c.w  # noqa: E731
    return {
        P + "orders_create_order": lambda c, s: Call(
            w(c).admin_a, json={"source": "counter", "org": "OA1", "subject": "等候时间长"}
        ),
        P + "orders_orders": lambda c, s: Call(w(c).admin_a, query={"state": "received"}),
        P + "orders_import_orders": lambda c, s: Call(
            w(c).city_admin,
            json={
                "orders": [
                    {
                        "order_id": "HCP-C1",
                        "received_at": timezone.now().isoformat(),
                        "org": "OA1",
                        "subject": "差评",
                    }
                ]
            },
        ),
        P + "orders_transition": lambda c, s: Call(
            w(c).admin_a, json={"order": _order(c, 0).pk, "step": "dispatch", "outlet": "OA1"}
        ),
        P + "orders_history": lambda c, s: Call(w(c).admin_a, query={"order": _order(c, 2).pk}),
        P + "records_record_training": lambda c, s: Call(
            w(c).admin_a,
            json={
                "org": "DA",
                "held_on": today,
                "topic": "永居证受理",
                "reported_on": today,
                "outlets": ["OA1"],
            },
        ),
        P + "records_trainings": lambda c, s: Call(w(c).admin_a),
        P + "records_set_tutors": lambda c, s: Call(
            w(c).admin_a, json={"org": "DA", "year": 2026, "names": ["张三", "李四"]}
        ),
        P + "records_record_questionnaire": lambda c, s: Call(
            w(c).city_admin,
            json={"org": "OA1", "held_on": today, "respondent": "甲", "score": 95},
        ),
        P + "records_create_exam": lambda c, s: Call(
            w(c).city_admin, json={"code": "E2026A", "title": "上半年线上考核", "held_on": today}
        ),
        P + "records_import_exam_results": lambda c, s: Call(
            w(c).city_admin,
            json={
                "exam": Exam.objects.create(
                    code="E2026B", title="考核", held_on=timezone.localdate(), org=c.w.centre
                ).code,
                "csv": "账号,姓名,机构代码,成绩\nop_a,甲,OA1,92\n",
            },
        ),
        P + "records_register_device": lambda c, s: Call(
            w(c).operator_a,
            json={"org": "OA1", "kind": "terminal", "model": "R1", "purchase_date": today},
        ),
        P + "records_devices": lambda c, s: Call(w(c).admin_a),
        P + "records_change_device": lambda c, s: Call(
            w(c).operator_a, json={"device": _device(c).pk, "standby": True}
        ),
        P + "records_renewals": lambda c, s: (
            _device(c),
            Call(w(c).admin_a, query={"org_code": "DA"}),
        )[1],
        P + "records_report_fault": lambda c, s: Call(
            w(c).operator_a,
            json={"device": _device(c).pk, "reported_on": today, "description": "不出卡"},
        ),
        P + "records_repair_fault": lambda c, s: Call(
            w(c).operator_a,
            json={"fault": _fault(c).pk, "repaired_on": today, "repair_note": "更换色带"},
        ),
        P + "records_review_fault": lambda c, s: Call(
            w(c).admin_a, json={"fault": _fault(c).pk, "complete": False, "note": "缺维修单"}
        ),
        P + "records_set_maintenance": lambda c, s: Call(
            w(c).admin_a, json={"org": "DA", "effective_from": today, "mode": "partial"}
        ),
        P + "records_submit_info": lambda c, s: Call(
            w(c).admin_a,
            json={
                "org": "DA",
                "kind": "briefing",
                "title": "专题简报",
                "text": "字" * 800,
                "submitted_on": today,
            },
        ),
        P + "records_info": lambda c, s: Call(w(c).admin_a),
        P + "records_adopt_info": lambda c, s: Call(
            w(c).city_admin,
            json={
                "report": InfoReport.objects.create(
                    org=c.w.district_a,
                    kind="flash",
                    title="快讯",
                    text="x",
                    length=1,
                    submitted_on=timezone.localdate(),
                ).pk,
                "adopted_on": today,
            },
        ),
        P + "sampling_attach_document": lambda c, s: Call(
            w(c).operator_a,
            json={
                "application": application(c.w.outlet_a, c.w.person_a, timezone.now()).pk,
                "kind": "id_document",
                "data_base64": base64.b64encode(b"\xff\xd8\xffscan").decode(),
            },
        ),
        P + "sampling_application_documents": lambda c, s: Call(
            w(c).operator_a, query={"application": _with_document(c).application_id}
        ),
        P + "sampling_view_document": lambda c, s: Call(
            w(c).operator_a, json={"document": _with_document(c).pk, "purpose": "核对证件"}
        ),
        P + "sampling_draw_sample": lambda c, s: Call(
            w(c).city_admin, json={"district": "DA", "quarter": "2025Q4", "seed": "s1", "size": 5}
        ),
        P + "sampling_inspect_sample": lambda c, s: Call(
            w(c).city_admin,
            json={"sample": _sample(c).pk, "verdict": "fail", "reason": "缺代办授权书"},
        ),
        P + "sampling_samples": lambda c, s: (_sample(c), Call(w(c).city_admin))[1],
        P + "sampling_record_business_error": lambda c, s: Call(
            w(c).admin_a,
            json={
                "transaction": transaction(c.w.outlet_a, timezone.now()).pk,
                "found_on": today,
                "description": "证件类型录错",
            },
        ),
        P + "sampling_record_assessment": lambda c, s: Call(
            w(c).city_admin,
            json={
                "org": "DA",
                "kind": "featured",
                "start": "2026-01-01",
                "end": "2026-03-31",
                "score": 2.5,
                "declaration": "长者服务专窗",
            },
        ),
        P + "sampling_indicators": lambda c, s: Call(
            w(c).admin_a, query={"org_code": "DA", "start": "2026-01-01", "end": "2026-03-31"}
        ),
    }
