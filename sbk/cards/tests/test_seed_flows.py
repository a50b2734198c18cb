"""The seed's card flows (issue 14 §1, seed 002 附件1 and §二), each end to end."""

import pytest

from sbk.cards import rules, services
from sbk.cards.models import ServiceTransaction
from sbk.cards.tests.helpers import issued_card
from sbk.cards.tests.test_api import post, token_for
from sbk.core.catalogue import ServiceItem
from sbk.core.errors import Forbidden, ServiceError
from sbk.core.models import AuditEntry

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------ 社保功能密码修改 (step 6)
def test_pin_change_is_a_recorded_service_that_leaves_the_card_as_it_was(world):
    card = issued_card(world)
    after = services.change_pin(card.pk, acting_user=world.bank_operator_a, reason="持卡人自行修改")
    assert after.status == rules.ISSUED
    txn = ServiceTransaction.objects.get(action="card.change_pin")
    assert (txn.item, txn.card, txn.outlet) == (ServiceItem.OTHER, card, world.bank_outlet_a)
    entry = AuditEntry.objects.get(action="card.change_pin")
    assert entry.reason == "持卡人自行修改" and "pin" not in str(entry.after).lower().replace(
        "change_pin", ""
    )


def test_pin_change_needs_a_card_in_use_and_a_counter(world):
    card = issued_card(world)
    services.report_loss(card.pk, acting_user=world.operator_a, kind="formal")
    with pytest.raises(ServiceError) as exc:
        services.change_pin(card.pk, acting_user=world.bank_operator_a)
    assert exc.value.code == "bad_transition" and "修改社保功能密码" in exc.value.message
    with pytest.raises(Forbidden):  # the district office has no PIN pad
        services.change_pin(card.pk, acting_user=world.admin_a)
    assert not ServiceTransaction.objects.filter(action="card.change_pin").exists()


def test_pin_change_through_the_api_and_the_console(client, world):
    card = issued_card(world)
    r = post(client, f"/cards/{card.pk}/change-pin", {}, token_for(world.bank_operator_a), key="k1")
    assert r.status_code == 200 and r.json()["status"] == "issued"
    client.force_login(world.bank_operator_a)
    page = client.get(f"/cards/cards/{card.pk}/").content.decode()
    assert "修改社保功能密码" in page
    form = client.get(f"/cards/cards/{card.pk}/change_pin/").content.decode()
    assert "密码键盘" in form
    r = client.post(f"/cards/cards/{card.pk}/change_pin/", {"confirm": "1", "reason": ""})
    assert r.status_code == 302
    assert ServiceTransaction.objects.filter(action="card.change_pin").count() == 2


# ------------------------------------------------------------ 现场制卡 at a counter
def test_on_the_spot_production_ends_with_the_card_in_hand_and_no_collect_sms(world):
    from sbk.cards.tests.helpers import submitted
    from sbk.notify.models import Notification

    app = submitted(world, world.person_a, user=world.operator_a, outlet=world.bank_outlet_a)
    sms_before = set(Notification.objects.values_list("kind", flat=True))
    card = services.produce_on_the_spot(app.pk, acting_user=world.bank_operator_a, verified=True)
    card.refresh_from_db()
    app.refresh_from_db()
    assert card.status == rules.ISSUED and card.issued_on is not None
    assert app.status == rules.APP_ISSUED and app.card == card
    assert "ready" not in set(Notification.objects.values_list("kind", flat=True)) - sms_before
    # One service, one journal row and one audit row (not produce + issue).
    txns = ServiceTransaction.objects.filter(application=app, action__startswith="card.")
    assert [t.action for t in txns] == ["card.produce_on_the_spot"]
    assert AuditEntry.objects.filter(action="card.produce_on_the_spot").count() == 1


def test_on_the_spot_production_refuses_like_production(world):
    from sbk.cards.tests.helpers import submitted

    app = submitted(world, world.person_a, user=world.operator_a, outlet=world.bank_outlet_a)
    with pytest.raises(ServiceError) as exc:
        services.produce_on_the_spot(app.pk, acting_user=world.bank_operator_a, verified=False)
    assert exc.value.code == "identity_not_verified"
    app.refresh_from_db()
    assert app.status == rules.SUBMITTED and app.card is None


def test_on_the_spot_production_in_the_console(client, world):
    from sbk.cards.tests.helpers import submitted

    app = submitted(world, world.person_a, user=world.operator_a, outlet=world.bank_outlet_a)
    client.force_login(world.bank_operator_a)
    page = client.get(f"/cards/applications/{app.pk}/").content.decode()
    assert "现场制卡并当场发卡" in page
    client.post(f"/cards/applications/{app.pk}/produce/", {"verified": "1", "on_the_spot": "1"})
    app.refresh_from_db()
    assert app.status == rules.APP_ISSUED and app.card.status == rules.ISSUED


# ------------------------------------------------------------ 补换卡 at the card's own bank
def _other_bank_outlet(world):
    from sbk.orgs.models import OrgKind
    from sbk.testing import org, user

    bank2 = org("BANK2", OrgKind.BANK, "310000", world.centre, name="另一银行")
    outlet = org("B2A", OrgKind.BANK_OUTLET, "310112", world.district_a, bank=bank2, name="另行A")
    from sbk.accounts.models import Role

    return outlet, user("b2_op", Role.BANK_OPERATOR, outlet)


def _lost_card(world, account="6222021234567890128"):
    from sbk.cards.tests.helpers import submitted

    app = submitted(world, world.person_a, user=world.operator_a, outlet=world.bank_outlet_a)
    card = services.produce_card(
        app.pk, acting_user=world.bank_operator_a, verified=True, account_no=account
    )
    services.issue_card(card.pk, acting_user=world.bank_operator_a)
    services.report_loss(card.pk, acting_user=world.operator_a, kind="formal")
    return card


def test_replacement_keeps_the_bank_and_the_account(world):
    from sbk.cards.tests.helpers import submitted

    old = _lost_card(world)
    app = submitted(  # the same bank, another district: allowed
        world, world.person_a, outlet=world.bank_outlet_b, kind="replacement", replace_reason="lost"
    )
    new = services.produce_card(app.pk, acting_user=world.bank_user, verified=True)
    new.refresh_from_db()
    assert new.bank_id == old.bank_id and new.account_no == "6222021234567890128"
    assert new.replaces == old


def test_replacement_at_another_banks_outlet_is_refused(world):
    _lost_card(world)
    other, _ = _other_bank_outlet(world)
    with pytest.raises(ServiceError) as exc:
        services.start_application(
            world.person_a.pk,
            acting_user=world.operator_a,
            kind="replacement",
            replace_reason="lost",
            outlet=other,
        )
    assert (exc.value.code, exc.value.field) == ("replacement_other_bank", "outlet")
    assert "测试银行" in exc.value.message


# ------------------------------------------------------------ 卡面信息差错拦截
def test_a_stated_difference_warns_at_start_blocks_production_and_is_recorded(world):
    from sbk.cards.tests.helpers import GOOD

    p = world.person_a
    app = services.start_application(
        p.pk,
        acting_user=world.operator_a,
        outlet=world.bank_outlet_a,
        stated={"name": p.name + "某", "id_number": p.id_number},
    )
    warnings = app.interception["warnings"]
    assert [w["code"] for w in warnings] == ["name_mismatch"] and warnings[0]["field"] == "name"
    services.attach_photo(app.pk, acting_user=world.operator_a, data=GOOD, source="counter")
    services.submit_application(app.pk, acting_user=world.operator_a)
    with pytest.raises(ServiceError) as exc:
        services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    assert exc.value.code == "card_face_intercepted"
    app.refresh_from_db()
    assert app.status == rules.SUBMITTED and app.card is None  # the production is undone
    entry = AuditEntry.objects.get(action="card.intercept")  # ... its refusal is not
    assert entry.object_id == str(app.pk) and entry.after["outlet"] == "BOA"
    assert [p["code"] for p in entry.after["problems"]] == ["name_mismatch"]
    assert not ServiceTransaction.objects.filter(action="card.intercept").exists()


def test_the_statement_is_typed_in_and_checked(world):
    p = world.person_a
    with pytest.raises(ServiceError) as exc:
        services.start_application(
            p.pk, acting_user=world.operator_a, stated={"name": "", "id_number": p.id_number}
        )
    assert exc.value.field == "stated.name"
    with pytest.raises(ServiceError) as exc:
        services.start_application(
            p.pk, acting_user=world.operator_a, stated={"name": p.name, "id_number": "123"}
        )
    assert exc.value.field == "stated.id_number"
    app = services.start_application(
        p.pk, acting_user=world.operator_a, stated={"name": p.name, "id_number": p.id_number}
    )
    assert app.interception["warnings"] == []


def test_the_console_says_the_warning_at_once(client, world):
    p = world.person_a
    client.force_login(world.operator_a)
    page = client.get(f"/cards/apply/{p.pk}/").content.decode()
    assert "不要从持卡库复制" in page
    r = client.post(
        f"/cards/apply/{p.pk}/",
        {"kind": "first", "outlet": "BOA", "stated_name": "别人", "stated_id_number": p.id_number},
        follow=True,
    )
    assert "卡面信息提示" in r.content.decode()


def test_a_replacement_at_an_outlet_of_no_bank_keeps_the_cards_bank(world):
    from sbk.cards.tests.helpers import submitted

    old = _lost_card(world)
    app = submitted(  # a community outlet's own counter (no bank of its own)
        world, world.person_a, outlet=world.outlet_a, kind="replacement", replace_reason="lost"
    )
    new = services.produce_card(app.pk, acting_user=world.operator_a, verified=True)
    assert new.bank_id == old.bank_id


# ------------------------------------------------------------ 照相馆 (seed 002 附件1 step 3)
def _awaiting(world, studio=None):
    app = services.start_application(
        world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    return services.submit_application(
        app.pk, acting_user=world.operator_a, studio=studio or world.bank_outlet_a
    )


def test_submitted_without_a_photo_it_waits_for_the_studio_and_the_clock_waits(world):
    from sbk.cards.queries import production_queue

    app = _awaiting(world)
    assert app.status == rules.AWAITING_PHOTO and app.get_status_display() == "待照相馆上传照片"
    assert (
        app.deadline is None
        and app.submitted_at is None
        and app.photo_studio == world.bank_outlet_a
    )
    assert not production_queue(world.bank_operator_a).filter(pk=app.pk).exists()
    with pytest.raises(ServiceError):  # still one open application per person
        services.start_application(world.person_a.pk, acting_user=world.operator_a)


def test_the_studios_photo_completes_it_and_starts_the_clock(world):
    from sbk.cards.tests.conftest import GOOD

    app = _awaiting(world)
    app = services.attach_photo(
        app.pk, acting_user=world.bank_operator_a, data=GOOD, source="studio"
    )
    assert app.status == rules.SUBMITTED and app.submitted_at is not None
    assert app.deadline is not None and app.photo_source == "studio"
    entry = AuditEntry.objects.filter(action="application.photo").latest("seq")
    assert entry.after["completed_submission"] is True


def test_a_failing_studio_photo_leaves_it_waiting(world):
    app = _awaiting(world)
    app = services.attach_photo(
        app.pk, acting_user=world.bank_operator_a, data=b"BAD-PHOTO", source="studio"
    )
    assert app.status == rules.AWAITING_PHOTO and app.photo_ok is False and app.deadline is None


def test_a_studio_must_be_a_bank_and_the_waiting_can_be_withdrawn(world):
    app = services.start_application(
        world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    with pytest.raises(ServiceError) as exc:
        services.submit_application(app.pk, acting_user=world.operator_a, studio=world.outlet_a)
    assert exc.value.field == "photo_studio"
    app = services.submit_application(
        app.pk, acting_user=world.operator_a, studio=world.bank_outlet_b
    )
    assert app.status == rules.AWAITING_PHOTO
    assert services.withdraw_application(app.pk, acting_user=world.operator_a).status == "withdrawn"


def test_studio_branch_through_the_api_and_the_console(client, world):
    import base64

    from sbk.cards.tests.conftest import GOOD

    app = services.start_application(
        world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    r = post(
        client,
        f"/applications/{app.pk}/submit",
        {"studio_code": "BOA"},
        token_for(world.operator_a),
        key="s1",
    )
    assert r.status_code == 200 and r.json()["status"] == "awaiting_photo", r.content
    client.force_login(world.bank_operator_a)
    page = client.get(f"/cards/applications/{app.pk}/").content.decode()
    assert "待照相馆上传照片" in page and "照相馆上传照片" in page
    r = post(
        client,
        f"/applications/{app.pk}/photo",
        {"photo_base64": base64.b64encode(GOOD).decode(), "photo_source": "studio"},
        token_for(world.bank_operator_a),
        key="s2",
    )
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.content
    other = services.start_application(
        world.person_b.pk, acting_user=world.operator_b, outlet=world.bank_outlet_b
    )
    client.force_login(world.operator_b)
    client.post(f"/cards/applications/{other.pk}/submit/", {"await_studio": "1", "studio": "BOB"})
    other.refresh_from_db()
    assert other.status == rules.AWAITING_PHOTO and other.photo_studio == world.bank_outlet_b


def test_after_a_recorded_bank_change_the_other_bank_replaces_with_a_new_account(world):
    from sbk.cards.tests.helpers import submitted
    from sbk.testing import stock_outlets

    old = _lost_card(world)
    other, operator = _other_bank_outlet(world)
    stock_outlets(world.centre, [other], other.bank)
    with pytest.raises(ServiceError) as exc:
        services.change_bank(old.pk, acting_user=world.operator_a, bank=other.bank, reason="")
    assert (exc.value.code, exc.value.field) == ("bank_change", "reason")
    services.change_bank(old.pk, acting_user=world.operator_a, bank=other.bank, reason="持卡人申请")
    txn = ServiceTransaction.objects.get(action="card.change_bank")
    assert txn.item == ServiceItem.OTHER and txn.details["to_bank"] == "BANK2"
    app = submitted(world, world.person_a, outlet=other, kind="replacement", replace_reason="lost")
    new = services.produce_card(
        app.pk, acting_user=operator, verified=True, account_no="6217001234567890122"
    )
    new.refresh_from_db()
    assert new.bank == other.bank and new.account_no == "6217001234567890122"
