"""The API keeps its published contract (issue 23, "The API's contract").

Every operation of ``/api/openapi.json`` has a happy-path case here: a call with valid data
by a user allowed to make it, which must answer 2xx with a body that validates against the
response schema the document publishes for that status (binary answers: the documented
content type). An operation added to the API without a case here fails
``test_every_operation_has_a_happy_path``.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jsonschema
import pytest
from django.test import Client

from sbk.accounts.models import ApiToken
from sbk.cards import services as cards
from sbk.orgs.models import OrgKind
from sbk.testing import PASSWORD, org, resident_number, stock_outlets, user

pytestmark = pytest.mark.django_db

ACCOUNT_NO = "6222021234567890128"


@dataclass
class Call:
    """One request: who makes it (a bearer token of ``user``; None: anonymous), the path's
    parameters, and a query, a JSON body or a multipart body."""

    user: Any
    path: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    json: Any = None
    multipart: dict | None = None


class Ctx:
    """The world of ``sbk.testing`` plus what the cases build on it."""

    def __init__(self, world, photo: bytes):
        self.w = world
        self.photo = photo
        self.photo64 = base64.b64encode(photo).decode()

    # ------------------------------------------------------------------ applications
    def draft(self, person=None):
        return cards.start_application(
            (person or self.w.person_a).pk,
            acting_user=self.w.operator_a,
            outlet=self.w.bank_outlet_a,
        )

    def with_photo(self, person=None):
        app = self.draft(person)
        cards.attach_photo(app.pk, acting_user=self.w.operator_a, data=self.photo)
        return app

    def submitted(self, person=None):
        app = self.with_photo(person)
        return cards.submit_application(app.pk, acting_user=self.w.operator_a)

    def produced(self, person=None):
        app = self.submitted(person)
        return cards.produce_card(app.pk, acting_user=self.w.bank_operator_a, verified=True)

    def issued(self, person=None):
        card = self.produced(person)
        return cards.issue_card(card.pk, acting_user=self.w.bank_operator_a)

    # ------------------------------------------------------------------------ others
    def photo_check(self):
        from sbk.photos.services import record_check

        return record_check(
            acting_user=self.w.operator_a,
            data=self.photo,
            person=self.w.person_a,
            channel="counter",
        )

    def export_request(self, settings):
        from sbk.exports.services import export_people

        settings.SBK_EXPORT_APPROVAL_ROWS = 0  # any export needs approval
        return export_people(acting_user=self.w.admin_a, query="", fmt="csv", full=False)

    def applicant(self):
        from sbk.portal.services import register_applicant

        number = resident_number("310112")
        return register_applicant(
            name="网上某",
            id_number=number,
            phone="13812345678",
            password=PASSWORD,
            outlet_code=self.w.bank_outlet_a.code,
        )


def _bank_change_call(c) -> Call:
    org("BANK2", OrgKind.BANK, "310000", c.w.centre, name="另一银行")
    body = {"bank_code": "BANK2", "reason": "持卡人申请"}
    return Call(c.w.bank_operator_a, path={"card_id": c.issued().pk}, json=body)


def _ecard_call(c) -> Call:
    from sbk.ecard.models import ElectronicCard
    from sbk.ecard.services import qr_token

    card = c.issued()
    return Call(c.w.operator_a, json={"token": qr_token(ElectronicCard.objects.get(card=card))})


def _confirm_register() -> Call:
    from sbk.portal.registration import start_registration
    from sbk.portal.tests.test_register_code import code_sent_to

    challenge = start_registration(
        name="验证某", id_number=resident_number("310112"), phone="13812340001", password=PASSWORD
    )
    return Call(None, json={"challenge": challenge.token, "code": code_sent_to("13812340001")})


def _person_body():
    return {
        "name": "新登记",
        "id_number": resident_number("310112"),
        "category": "employee",
        "phone": "13900001111",
        "org_code": "OA1",
    }


def _kiosk(c: Ctx) -> Call:
    kiosk = org("K9", OrgKind.KIOSK, "310112", c.w.district_a)
    stock_outlets(c.w.centre, [kiosk], c.w.bank)
    return Call(
        user("kiosk9", "outlet_operator", kiosk),
        json={"id_number": c.w.person_a.id_number, "photo_base64": c.photo64},
    )


def _decision(c: Ctx, settings) -> Call:
    req = c.export_request(settings)
    return Call(c.w.city_admin, path={"request_id": req.pk}, json={"approve": True})


def _download(c: Ctx, settings) -> Call:
    from sbk.exports.services import decide_request

    req = c.export_request(settings)
    decide_request(req.pk, acting_user=c.w.city_admin, approve=True)
    return Call(c.w.admin_a, path={"request_id": req.pk})


def _applicant_call(c: Ctx, **kw) -> Call:
    return Call(c.applicant(), **kw)


def _portal_application(c: Ctx) -> Call:
    from sbk.portal.services import apply_online

    applicant = c.applicant()
    app = apply_online(acting_user=applicant, outlet_code="BOA", photo=c.photo)
    return Call(applicant, path={"app_id": app.pk})


# operationId → the happy path: (ctx, settings) → Call
CASES: dict[str, Callable[[Ctx, Any], Call]] = {
    "sbk_api_ping": lambda c, s: Call(None),
    # organisations
    "sbk_orgs_api_list_orgs": lambda c, s: Call(c.w.city_admin, query={"kind": "district"}),
    "sbk_orgs_api_get_org": lambda c, s: Call(c.w.admin_a, path={"code": "OA1"}),
    # registry
    "sbk_registry_api_list_persons": lambda c, s: Call(
        c.w.admin_a, query={"q": "甲", "limit": 10, "offset": 0}
    ),
    "sbk_registry_api_search_persons": lambda c, s: Call(
        c.w.admin_a, json={"q": c.w.person_a.id_number}
    ),
    "sbk_registry_api_create_person": lambda c, s: Call(c.w.operator_a, json=_person_body()),
    "sbk_registry_api_get_person": lambda c, s: Call(
        c.w.operator_a, path={"person_id": c.w.person_a.pk}
    ),
    "sbk_registry_api_change_person": lambda c, s: Call(
        c.w.operator_a,
        path={"person_id": c.w.person_a.pk},
        json={"changes": {"phone": "13900002222"}, "reason": "本人申请更正"},
    ),
    "sbk_registry_api_reveal_person": lambda c, s: Call(
        c.w.operator_a, path={"person_id": c.w.person_a.pk}, json={"purpose": "核对身份"}
    ),
    "sbk_registry_api_person_changes": lambda c, s: Call(
        c.w.operator_a, path={"person_id": c.w.person_a.pk}
    ),
    # cards: applications
    "sbk_cards_api_list_applications": lambda c, s: (
        c.submitted(),
        Call(c.w.operator_a, query={"person_id": c.w.person_a.pk, "limit": 10, "offset": 0}),
    )[1],
    "sbk_cards_api_create_application": lambda c, s: Call(
        c.w.operator_a,
        json={
            "person_id": c.w.person_a.pk,
            "channel": 1,
            "outlet_code": "BOA",
            "photo_base64": c.photo64,
            "submit": True,
        },
    ),
    "sbk_cards_api_get_application": lambda c, s: Call(
        c.w.operator_a, path={"app_id": c.submitted().pk}
    ),
    "sbk_cards_api_application_photo": lambda c, s: Call(
        c.w.operator_a, path={"app_id": c.draft().pk}, json={"photo_base64": c.photo64}
    ),
    "sbk_cards_api_submit_application": lambda c, s: Call(
        c.w.operator_a, path={"app_id": c.with_photo().pk}, json={}
    ),
    "sbk_cards_api_reject_application": lambda c, s: Call(
        c.w.bank_operator_a, path={"app_id": c.submitted().pk}, json={"reason": "照片不清晰"}
    ),
    "sbk_cards_api_produce_card": lambda c, s: Call(
        c.w.bank_operator_a, path={"app_id": c.submitted().pk}, json={"verified": True}
    ),
    "sbk_cards_api_produce_on_the_spot": lambda c, s: Call(
        c.w.bank_operator_a, path={"app_id": c.submitted().pk}, json={"verified": True}
    ),
    "sbk_ecard_api_verify": lambda c, s: _ecard_call(c),
    "sbk_cards_api_queue": lambda c, s: (c.submitted(), Call(c.w.bank_operator_a))[1],
    "sbk_cards_api_overdue": lambda c, s: Call(c.w.admin_a),
    # cards: cards
    "sbk_cards_api_list_cards": lambda c, s: (
        c.issued(),
        Call(c.w.operator_a, query={"status": "issued", "limit": 10}),
    )[1],
    "sbk_cards_api_get_card": lambda c, s: Call(c.w.operator_a, path={"card_id": c.issued().pk}),
    "sbk_cards_api_issue_card": lambda c, s: Call(
        c.w.bank_operator_a, path={"card_id": c.produced().pk}, json={}
    ),
    "sbk_cards_api_report_loss": lambda c, s: Call(
        c.w.operator_a, path={"card_id": c.issued().pk}, json={"kind": "temporary"}
    ),
    "sbk_cards_api_unlock_loss": lambda c, s: _unlock_loss(c),
    "sbk_cards_api_activate_financial": lambda c, s: Call(
        c.w.bank_operator_a, path={"card_id": c.issued().pk}, json={"account_no": ACCOUNT_NO}
    ),
    "sbk_cards_api_unlock_pin": lambda c, s: Call(
        c.w.bank_operator_a, path={"card_id": c.issued().pk}, json={}
    ),
    "sbk_cards_api_change_bank": lambda c, s: _bank_change_call(c),
    "sbk_cards_api_change_pin": lambda c, s: Call(
        c.w.bank_operator_a, path={"card_id": c.issued().pk}, json={}
    ),
    "sbk_cards_api_kiosk_issue": lambda c, s: _kiosk(c),
    # cards: persons
    "sbk_cards_api_change_info": lambda c, s: Call(
        c.w.operator_a,
        path={"person_id": c.w.person_a.pk},
        json={"changes": {"address": "新地址路2号"}, "reason": "本人申请", "channel": 1},
    ),
    "sbk_cards_api_cancel_person": lambda c, s: Call(
        c.w.admin_a,
        path={"person_id": c.w.person_a.pk},
        json={"reason": "死亡", "cancelled_on": dt.date.today().isoformat()},
    ),
    "sbk_cards_api_transfer": lambda c, s: Call(
        c.w.operator_a,
        path={"person_id": c.w.person_a.pk},
        json={"kind": "in_province", "target_org": "OB1", "reason": "迁居"},
    ),
    "sbk_cards_api_person_history": lambda c, s: (
        c.issued(),
        Call(c.w.operator_a, path={"person_id": c.w.person_a.pk}),
    )[1],
    "sbk_cards_api_record_enquiry": lambda c, s: Call(
        c.w.operator_a, json={"topic": "补卡需要什么材料", "person_id": c.w.person_a.pk}
    ),
    # photos
    "sbk_photos_api_check": lambda c, s: Call(
        c.w.operator_a,
        multipart={"file": ("photo.jpg", c.photo), "person_id": str(c.w.person_a.pk)},
    ),
    "sbk_photos_api_check_detail": lambda c, s: Call(
        c.w.operator_a, path={"check_id": c.photo_check().pk}
    ),
    "sbk_photos_api_preview": lambda c, s: Call(
        c.w.operator_a, path={"check_id": c.photo_check().pk}
    ),
    "sbk_photos_api_fix": lambda c, s: Call(
        c.w.operator_a, multipart={"file": ("photo.jpg", c.photo)}
    ),
    "sbk_photos_api_stats": lambda c, s: (
        c.photo_check(),
        Call(c.w.admin_a, query={"start": "2020-01-01", "end": dt.date.today().isoformat()}),
    )[1],
    # exports
    "sbk_exports_api_export_people": lambda c, s: Call(c.w.admin_a, json={"format": "csv"}),
    "sbk_exports_api_decide": _decision,
    "sbk_exports_api_download": _download,
    # statutory reports and the holiday table (issue 16)
    "sbk_reports_api_monthly": lambda c, s: Call(c.w.city_admin, query={"period": "2026-01"}),
    "sbk_reports_api_quarterly": lambda c, s: Call(
        c.w.auditor, query={"period": "2026Q1", "table": 1}
    ),
    "sbk_reports_api_due": lambda c, s: Call(c.w.city_admin, query={"start": "2026-12-10"}),
    "sbk_reports_api_stored": lambda c, s: Call(c.w.city_admin, query={"table": 0}),
    "sbk_reports_api_generate": lambda c, s: Call(
        c.w.city_admin, json={"table": 0, "period": "2026-01"}
    ),
    "sbk_reports_api_entries": lambda c, s: Call(
        c.w.city_admin,
        json={
            "period": "2026Q1",
            "table": 1,
            "cells": [{"row": "310112", "column": "terminals", "value": "3"}],
        },
    ),
    "sbk_holidays_api_year": lambda c, s: Call(c.w.operator_a, query={"year": 2026}),
    "sbk_holidays_api_set_day": lambda c, s: Call(
        c.w.city_admin, json={"day": "2026-12-01", "kind": "holiday", "name": "测试"}
    ),
    # the applicant's portal
    "sbk_portal_api_register": lambda c, s: Call(
        None,
        json={
            "name": "新申请人",
            "id_number": resident_number("310112"),
            "phone": "13812340000",
            "password": PASSWORD,
            "outlet_code": "BOA",
        },
    ),
    "sbk_portal_api_confirm_register": lambda c, s: _confirm_register(),
    "sbk_portal_api_me": lambda c, s: _applicant_call(c),
    "sbk_portal_api_applications": lambda c, s: Call(_portal_application_user(c)),
    "sbk_portal_api_apply": lambda c, s: _applicant_call(
        c, json={"outlet_code": "BOA", "photo_base64": c.photo64}
    ),
    "sbk_portal_api_application": lambda c, s: _portal_application(c),
    "sbk_portal_api_cards": lambda c, s: _applicant_call(c),
    "sbk_portal_api_notifications": lambda c, s: Call(_portal_application_user(c)),
}
CASES.update(__import__("sbk.assistant.tests.contract_cases", fromlist=["cases"]).cases(Call))
CASES.update(__import__("sbk.stock.tests.contract_cases", fromlist=["cases"]).cases(Call))
CASES.update(__import__("sbk.operations.tests.contract_cases", fromlist=["cases"]).cases(Call))
CASES.update(__import__("sbk.usage.tests.contract_cases", fromlist=["cases"]).cases(Call))
CASES.update(__import__("sbk.photos.tests.contract_cases", fromlist=["cases"]).cases(Call))


def _portal_application_user(c: Ctx):
    """An applicant with a submitted online application (so lists and SMS are not empty)."""
    from sbk.portal.services import apply_online

    applicant = c.applicant()
    apply_online(acting_user=applicant, outlet_code="BOA", photo=c.photo)
    return applicant


def _unlock_loss(c: Ctx) -> Call:
    card = c.issued()
    cards.report_loss(card.pk, acting_user=c.w.operator_a, kind="temporary")
    return Call(c.w.operator_a, path={"card_id": card.pk}, json={})


# ---------------------------------------------------------------------------- the test
_DOCUMENT: dict = {}


def published() -> dict:
    if not _DOCUMENT:
        response = Client().get("/api/openapi.json")
        assert response.status_code == 200
        _DOCUMENT.update(response.json())
    return _DOCUMENT


def operations(doc: dict) -> dict[str, tuple[str, str, dict]]:
    """operationId → (method, path template, operation)."""
    found = {}
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            found[op["operationId"]] = (method, path, op)
    return found


def validate(doc: dict, schema: dict, instance) -> None:
    """``instance`` against ``schema``, whose references point into the document."""
    root = {**schema, "components": doc.get("components", {})}
    validator = jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def call(client: Client, method: str, template: str, c: Call):
    url = template
    for name, value in c.path.items():
        url = url.replace("{" + name + "}", str(value))
    assert "{" not in url, f"path parameter missing in {url}"
    headers = {}
    if c.user is not None:
        raw = f"contract-{c.user.pk}-{c.user.username}"
        if not ApiToken.objects.filter(digest=ApiToken.digest_of(raw)).exists():
            ApiToken.objects.create(user=c.user, name="contract", digest=ApiToken.digest_of(raw))
        headers["Authorization"] = f"Bearer {raw}"
    if c.query:
        url += "?" + urlencode(c.query)
    if c.multipart is not None:
        data = {}
        for key, value in c.multipart.items():
            if isinstance(value, tuple):
                upload = io.BytesIO(value[1])
                upload.name = value[0]
                data[key] = upload
            else:
                data[key] = value
        return client.post(url, data, headers=headers)
    if method == "get":
        return client.get(url, headers=headers)
    body = c.json if c.json is not None else {}
    return getattr(client, method)(url, body, content_type="application/json", headers=headers)


def check_answer(doc: dict, op: dict, response) -> None:
    status = response.status_code
    assert 200 <= status < 300, (status, response.content[:1000])
    documented = op["responses"].get(str(status))
    assert documented is not None, f"status {status} is not documented: {list(op['responses'])}"
    content = documented.get("content", {})
    media = response.headers.get("Content-Type", "").split(";")[0].strip()
    assert media in content, f"{media} is not documented for {status}: {list(content)}"
    schema = content[media].get("schema")
    assert schema is not None, f"no schema for {status} {media}"
    if media == "application/json":
        validate(doc, schema, response.json())
    else:
        assert schema.get("format") == "binary" and response.content


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_every_operation_has_a_happy_path(db):
    ops = set(operations(published()))
    assert ops - set(CASES) == set(), "operations without a happy-path case in CASES"
    assert set(CASES) - ops == set(), "cases of operations the API no longer publishes"


def test_every_operation_documents_its_refusals(db):
    doc = published()
    assert "ErrorOut" in doc["components"]["schemas"]
    for op_id, (method, _path, op) in operations(doc).items():
        statuses = {int(s) for s in op["responses"]}
        assert 400 in statuses, op_id
        if op.get("security"):
            assert {401, 403} <= statuses, op_id
        if method != "get":
            assert {404, 409} <= statuses, op_id
        for status in statuses - {200, 201, 202}:
            schema = op["responses"][str(status)]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (op_id, status)


@pytest.mark.parametrize("op_id", sorted(CASES))
def test_happy_path_matches_the_published_schema(op_id, client, world, compliant_photo, settings):
    doc = published()
    ops = operations(doc)
    if op_id not in ops:
        pytest.fail(f"{op_id} is not published (see test_every_operation_has_a_happy_path)")
    method, template, op = ops[op_id]
    c = CASES[op_id](Ctx(world, compliant_photo), settings)
    response = call(client, method, template, c)
    check_answer(doc, op, response)
