"""Seed 002's flows end to end through the API (issue 14 §1): the card-face interception, the
replacement at the card's own bank and after a bank change, the photo on file and the kiosk's
photo sources — each a sequence of requests, as a counter's or a kiosk's software makes them."""

import base64

import pytest

from sbk.accounts.models import Role
from sbk.cards.models import Application, Card
from sbk.cards.tests.test_api import post, token_for
from sbk.core.models import AuditEntry
from sbk.orgs.models import OrgKind
from sbk.photos.models import PhotoCheck
from sbk.testing import org, stock_outlets, user

pytestmark = [pytest.mark.django_db, pytest.mark.real_photo_check]

ACCOUNT = "6222021234567890128"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def heads(world):
    return {"op": token_for(world.operator_a), "bank": token_for(world.bank_operator_a)}


def _first_card(client, world, heads, photo) -> int:
    p = world.person_a
    r = post(
        client,
        "/applications",
        {
            "person_id": p.pk,
            "outlet_code": "BOA",
            "stated": {"name": p.name, "id_number": p.id_number},
            "photo_base64": _b64(photo),
            "photo_source": "counter",
            "submit": True,
        },
        heads["op"],
        key="a1",
    )
    assert r.status_code == 201 and r.json()["status"] == "submitted", r.content
    r = post(
        client,
        f"/applications/{r.json()['id']}/produce",
        {"verified": True, "account_no": ACCOUNT},
        heads["bank"],
        key="p1",
    )
    card_id = r.json()["id"]
    assert post(client, f"/cards/{card_id}/issue", {}, heads["bank"], key="i1").status_code == 200
    r = post(client, f"/cards/{card_id}/loss", {"kind": "formal"}, heads["op"], key="l1")
    assert r.json()["status"] == "lost"
    return card_id


def test_interception_warns_at_start_blocks_production_and_keeps_the_attempt(
    client, world, heads, compliant_photo
):
    p = world.person_a
    r = post(
        client,
        "/applications",
        {
            "person_id": p.pk,
            "outlet_code": "BOA",
            "stated": {"name": "别人", "id_number": p.id_number},
            "photo_base64": _b64(compliant_photo),
            "photo_source": "counter",
            "submit": True,
        },
        heads["op"],
        key="a1",
    )
    assert r.status_code == 201, r.content
    warnings = r.json()["interception"]["warnings"]
    assert [w["code"] for w in warnings] == ["name_mismatch"]
    app_id = r.json()["id"]
    r = post(client, f"/applications/{app_id}/produce", {"verified": True}, heads["bank"], key="p")
    assert r.status_code == 400 and r.json()["code"] == "card_face_intercepted", r.content
    assert not Card.objects.exists()
    entry = AuditEntry.objects.get(action="card.intercept")
    assert entry.object_id == str(app_id) and entry.actor_username == "bank_a"


def test_replacement_keeps_the_bank_and_another_bank_needs_the_recorded_change(
    client, world, heads, compliant_photo
):
    old_id = _first_card(client, world, heads, compliant_photo)
    bank2 = org("BANK2", OrgKind.BANK, "310000", world.centre, name="另一银行")
    other = org("B2A", OrgKind.BANK_OUTLET, "310112", world.district_a, bank=bank2, name="另行A")
    stock_outlets(world.centre, [other], bank2)
    other_head = token_for(user("b2_op", Role.BANK_OPERATOR, other))
    body = {
        "person_id": world.person_a.pk,
        "kind": "replacement",
        "replace_reason": "lost",
        "outlet_code": "B2A",
        "use_photo_on_file": True,
        "submit": True,
    }
    r = post(client, "/applications", body, heads["op"], key="r1")
    assert r.status_code == 409 and r.json()["code"] == "replacement_other_bank", r.content
    r = post(
        client,
        f"/cards/{old_id}/change-bank",
        {"bank_code": "BANK2", "reason": "持卡人申请"},
        heads["op"],
        key="cb",
    )
    assert r.status_code == 200, r.content
    r = post(client, "/applications", body, heads["op"], key="r2")
    assert r.status_code == 201 and r.json()["photo_source"] == "on_file", r.content
    assert "复检" in r.json()["photo_note"]  # the photo on file, re-checked now
    r = post(
        client,
        f"/applications/{r.json()['id']}/produce",
        {"verified": True, "account_no": "6217001234567890122"},
        other_head,
        key="p2",
    )
    assert r.status_code == 201, r.content
    assert Card.objects.get(pk=r.json()["id"]).bank == bank2


def test_the_kiosk_uses_the_photo_on_file_through_the_api(client, world, heads, compliant_photo):
    old_id = _first_card(client, world, heads, compliant_photo)
    machine = org("K1", OrgKind.KIOSK, "310112", world.district_a, name="自助机1")
    stock_outlets(world.centre, [machine], world.bank)
    kiosk = token_for(user("kiosk1", Role.OUTLET_OPERATOR, machine))
    body = {
        "id_number": world.person_a.id_number,
        "photo_source": "on_file",
        "kind": "replacement",
        "replace_reason": "lost",
    }
    r = post(client, "/kiosk/issue", body, kiosk, key="k1")
    assert r.status_code == 201 and r.json()["status"] == "issued", r.content
    app = Application.objects.get(card_id=r.json()["id"])
    assert app.photo_source == "on_file" and app.replaces_id == old_id
    assert not PhotoCheck.objects.filter(channel="kiosk").exists()  # nothing retaken
