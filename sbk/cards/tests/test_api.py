import base64

import pytest

from sbk.accounts.models import ApiToken
from sbk.cards.models import Application, Card, ServiceTransaction
from sbk.cards.tests.conftest import GOOD
from sbk.cards.tests.helpers import issued_card, submitted
from sbk.core.models import AuditEntry

pytestmark = pytest.mark.django_db
PHOTO = base64.b64encode(GOOD).decode()


def token_for(user) -> dict:
    raw = f"tok-{user.username}"
    ApiToken.objects.create(user=user, name="t", digest=ApiToken.digest_of(raw))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client, url, body, headers=None, key=None):
    extra = dict(headers or {})
    if key:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(f"/api/cards{url}", body, content_type="application/json", **extra)


def test_online_application_through_issue_and_loss_replacement(client, world):
    op, bank = token_for(world.operator_a), token_for(world.bank_operator_a)
    r = post(
        client,
        "/applications",
        {
            "person_id": world.person_a.pk,
            "channel": 7,
            "outlet_code": "BOA",
            "photo_base64": PHOTO,
            "submit": True,
        },
        op,
    )
    assert r.status_code == 201, r.content
    app = r.json()
    assert app["status"] == "submitted" and app["channel"] == 7 and app["deadline"]
    queue = client.get("/api/cards/queue", **bank).json()
    assert [a["id"] for a in queue] == [app["id"]]
    r = post(client, f"/applications/{app['id']}/produce", {"verified": True}, bank)
    assert r.status_code == 201, r.content
    card = r.json()
    assert card["status"] == "produced" and card["electronic"]
    r = post(client, f"/cards/{card['id']}/issue", {}, bank)
    assert r.json()["status"] == "issued"
    r = post(client, f"/cards/{card['id']}/activate", {"account_no": "6222021234567890128"}, bank)
    assert r.json()["account_masked"] == "6222***********0128"
    r = post(client, f"/cards/{card['id']}/loss", {"kind": "formal", "channel": 6}, op)
    assert r.json()["status"] == "lost"
    r = post(
        client,
        "/applications",
        {
            "person_id": world.person_a.pk,
            "kind": "replacement",
            "replace_reason": "lost",
            "outlet_code": "BOA",
            "use_photo_on_file": True,
            "submit": True,
        },
        op,
    )
    assert r.status_code == 201, r.content
    new = post(client, f"/applications/{r.json()['id']}/produce", {"verified": True}, bank).json()
    assert new["replaces_card_no"] == card["card_no"]
    post(client, f"/cards/{new['id']}/issue", {}, bank)
    history = client.get(f"/api/cards/persons/{world.person_a.pk}/history", **op).json()
    assert {c["status"] for c in history["cards"]} == {"issued", "replaced"}
    assert len(history["transactions"]) >= 7


def test_refusals_carry_codes(client, world):
    op, bank = token_for(world.operator_a), token_for(world.bank_operator_a)
    card = issued_card(world)
    r = post(client, f"/cards/{card.pk}/issue", {}, bank)
    assert r.status_code == 409 and r.json()["code"] == "bad_transition"
    r = post(client, "/applications", {"person_id": world.person_a.pk, "outlet_code": "BOA"}, op)
    assert r.status_code == 409 and r.json()["code"] == "has_valid_card"
    r = post(client, f"/cards/{card.pk}/loss", {"kind": "x"}, op)
    assert r.status_code == 400 and r.json()["code"] == "loss_kind"
    r = post(client, f"/cards/{card.pk}/unlock-pin", {}, token_for(world.auditor))
    assert r.status_code == 403


def test_idempotent_retry_does_not_act_twice(client, world):
    op = token_for(world.operator_a)
    card = issued_card(world)
    first = post(client, f"/cards/{card.pk}/loss", {"kind": "formal"}, op, key="k-1")
    again = post(client, f"/cards/{card.pk}/loss", {"kind": "formal"}, op, key="k-1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert (
        ServiceTransaction.objects.filter(card=card, action="card.report_loss_formal").count() == 1
    )
    assert AuditEntry.objects.filter(action="card.report_loss_formal").count() == 1
    other = post(client, f"/cards/{card.pk}/loss", {"kind": "temporary"}, op, key="k-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_mismatch"
    # the same key on application creation: one application
    body = {"person_id": world.person_b.pk, "outlet_code": "OB1"}
    opb = token_for(world.operator_b)
    a = post(client, "/applications", body, opb, key="k-2")
    b = post(client, "/applications", body, opb, key="k-2")
    assert a.json()["id"] == b.json()["id"]
    assert Application.objects.filter(person=world.person_b).count() == 1


def test_district_admin_gets_404_for_other_districts_cards_and_applications(client, world):
    card = issued_card(world)
    app = submitted(world, world.person_b, user=world.operator_b, outlet=world.bank_outlet_b)
    admin_a, admin_b = token_for(world.admin_a), token_for(world.admin_b)
    assert client.get(f"/api/cards/cards/{card.pk}", **admin_a).status_code == 200
    assert client.get(f"/api/cards/cards/{card.pk}", **admin_b).status_code == 404
    assert client.get(f"/api/cards/applications/{app.pk}", **admin_a).status_code == 404
    assert client.get(f"/api/cards/applications/{app.pk}", **admin_b).status_code == 200
    for url, body in [
        (f"/cards/{card.pk}/loss", {"kind": "formal"}),
        (f"/cards/{card.pk}/unlock-loss", {}),
        # PIN unlock, activation and issue are not a district admin's work anywhere (403 by role,
        # whatever the card: sbk/accounts/tests/test_policy.py)
        (f"/persons/{world.person_a.pk}/cancel", {"reason": "x"}),
        (f"/persons/{world.person_a.pk}/change", {"changes": {}, "reason": "x"}),
    ]:
        r = post(client, url, body, admin_b)
        assert r.status_code == 404, (url, r.content)
    for url, body in [
        (f"/applications/{app.pk}/photo", {"photo_base64": PHOTO}),
        (f"/applications/{app.pk}/submit", {}),
    ]:
        assert post(client, url, body, admin_a).status_code == 404, url
    for url, body in [  # production and its review are counter work: refused by role
        (f"/applications/{app.pk}/produce", {"verified": True}),
        (f"/applications/{app.pk}/reject", {"reason": "x"}),
    ]:
        assert post(client, url, body, admin_a).status_code == 403, url
    assert client.get("/api/cards/cards", **admin_b).json() == []
    assert (
        client.get(f"/api/cards/persons/{world.person_a.pk}/history", **admin_b).status_code == 404
    )
    assert app.pk not in [a["id"] for a in client.get("/api/cards/applications", **admin_a).json()]
    assert Card.objects.get(pk=card.pk).status == "issued"


def test_session_login_and_person_endpoints(client, world):
    client.force_login(world.admin_a)
    r = client.post(
        "/api/cards/enquiries",
        {"topic": "补卡需要什么材料", "channel": 6},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["item"] == 7
    r = client.post(
        f"/api/cards/persons/{world.person_a.pk}/transfer",
        {"kind": "in_province", "target_org": "OA1"},
        content_type="application/json",
    )
    assert r.json()["code"] == "transfer_target"
    r = client.post(
        f"/api/cards/persons/{world.person_a.pk}/cancel",
        {"reason": "死亡"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


def test_kiosk_endpoint(client, world):
    from sbk.orgs.models import OrgKind
    from sbk.testing import org, stock_outlets, user

    kiosk = org("K9", OrgKind.KIOSK, "310112", world.district_a)
    stock_outlets(world.centre, [kiosk], world.bank)
    k = token_for(user("kiosk9", "outlet_operator", kiosk))
    r = post(
        client, "/kiosk/issue", {"id_number": world.person_a.id_number, "photo_base64": PHOTO}, k
    )
    assert r.status_code == 201 and r.json()["status"] == "issued"
    r = post(
        client, "/kiosk/issue", {"id_number": world.person_a.id_number, "photo_base64": "@@"}, k
    )
    assert r.status_code == 400 and r.json()["code"] == "photo_encoding"
