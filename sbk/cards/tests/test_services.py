import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from sbk.cards import rules, services
from sbk.cards.models import Application, Card, ServiceItem, ServiceTransaction
from sbk.cards.queries import overdue_by_outlet, valid_cards_at
from sbk.cards.tests.conftest import BAD, GOOD
from sbk.cards.tests.helpers import issued_card, submitted
from sbk.core.errors import Forbidden, NotFound, ServiceError
from sbk.core.models import AuditEntry
from sbk.notify.models import Notification
from sbk.registry.models import Person
from sbk.registry.services import change_person
from sbk.testing import person

pytestmark = pytest.mark.django_db


def code_of(excinfo):
    return excinfo.value.code


def test_counter_application_to_issue_records_everything(world):
    audits = AuditEntry.objects.count()
    app = submitted(world)
    assert app.status == rules.SUBMITTED and app.deadline == timezone.localdate() + dt.timedelta(7)
    card = services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    assert card.status == rules.PRODUCED and card.electronic and card.bank == world.bank
    assert rules.card_no_valid(card.card_no) and len(card.card_code) == 32
    card = services.issue_card(card.pk, acting_user=world.bank_operator_a)
    assert card.status == rules.ISSUED and card.issued_on == timezone.localdate()
    app.refresh_from_db()
    assert app.status == rules.APP_ISSUED and app.card == card
    # start, photo, submit, produce, issue: one audit row each, without the full number
    rows = AuditEntry.objects.order_by("seq")[audits:]
    assert [r.action for r in rows] == [
        "application.start",
        "application.photo",
        "application.submit",
        "card.produce",
        "card.issue",
    ]
    assert world.person_a.id_number not in str([(r.before, r.after) for r in rows])
    txns = ServiceTransaction.objects.filter(person=world.person_a).order_by("id")
    assert [t.action for t in txns] == ["application.submit", "card.produce", "card.issue"]
    assert {t.item for t in txns} == {ServiceItem.APPLICATION}
    assert txns[0].outlet == world.outlet_a and txns[1].outlet == world.bank_outlet_a
    kinds = list(Notification.objects.filter(person=world.person_a).values_list("kind", flat=True))
    assert kinds == ["cards.can_produce", "cards.ready"]


def test_first_application_refused_when_a_card_is_held(world):
    issued_card(world)
    with pytest.raises(ServiceError) as exc:
        services.start_application(
            world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
        )
    assert code_of(exc) == "has_valid_card"


def test_one_open_application_per_person(world):
    submitted(world)
    with pytest.raises(ServiceError) as exc:
        services.start_application(
            world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
        )
    assert code_of(exc) == "open_application"


def test_submit_needs_a_passing_photo(world):
    app = services.start_application(
        world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    with pytest.raises(ServiceError) as exc:
        services.submit_application(app.pk, acting_user=world.operator_a)
    assert code_of(exc) == "photo_required"
    services.attach_photo(app.pk, acting_user=world.operator_a, data=BAD, source="upload")
    with pytest.raises(ServiceError) as exc:
        services.submit_application(app.pk, acting_user=world.operator_a)
    assert code_of(exc) == "photo_failed" and "尺寸" in exc.value.message


def test_studio_upload_is_recorded_and_photo_on_file_reused(world):
    app = services.start_application(
        world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a, channel=7
    )
    app = services.attach_photo(
        app.pk, acting_user=world.operator_a, data=GOOD, source="studio", studio=world.bank
    )
    assert app.photo_source == "studio" and app.photo_studio == world.bank and app.photo_ok
    services.submit_application(app.pk, acting_user=world.operator_a)
    card = services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    services.issue_card(card.pk, acting_user=world.bank_operator_a)
    services.report_loss(card.pk, acting_user=world.operator_a, kind="formal")
    repl = services.start_application(
        world.person_a.pk,
        acting_user=world.operator_a,
        outlet=world.bank_outlet_a,
        kind="replacement",
        replace_reason="lost",
    )
    repl = services.attach_photo(repl.pk, acting_user=world.operator_a, use_on_file=True)
    assert repl.photo.name == app.photo.name and repl.photo_source == "on_file"


def test_photo_not_on_file(world):
    app = services.start_application(
        world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    with pytest.raises(ServiceError) as exc:
        services.attach_photo(app.pk, acting_user=world.operator_a, use_on_file=True)
    assert code_of(exc) == "photo_not_on_file"


def test_produce_requires_verification_and_refuses_twice(world):
    app = submitted(world)
    with pytest.raises(ServiceError) as exc:
        services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=False)
    assert code_of(exc) == "identity_not_verified"
    services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    with pytest.raises(ServiceError) as exc:
        services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    assert code_of(exc) == "bad_transition" and exc.value.status == 409


def test_issued_card_cannot_be_issued_again(world):
    card = issued_card(world)
    with pytest.raises(ServiceError) as exc:
        services.issue_card(card.pk, acting_user=world.bank_operator_a)
    assert code_of(exc) == "bad_transition"


def test_interception_blocks_registry_mismatch(world):
    app = submitted(world)
    change_person(
        world.person_a.pk, acting_user=world.operator_a, changes={"name": "甲某某"}, reason="更名"
    )
    with pytest.raises(ServiceError) as exc:
        services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    assert code_of(exc) == "card_face_intercepted"
    assert ("name", "name_mismatch") in {(p.field, p.code) for p in exc.value.problems}
    assert not Card.objects.exists()


def test_interception_blocks_unprintable_name_until_confirmed(world):
    p = person(world.outlet_a, name="王𠮷")
    app = submitted(world, p)
    with pytest.raises(ServiceError) as exc:
        services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    assert "name_rare_chars" in {p.code for p in exc.value.problems}
    card = services.produce_card(
        app.pk, acting_user=world.bank_operator_a, verified=True, face_confirmed=True
    )
    app.refresh_from_db()
    assert card.status == rules.PRODUCED and "人工" in app.interception["notes"][0]


def test_unchecked_photo_is_recorded_in_the_note(world, monkeypatch):
    from sbk.cards import photo as photo_module

    monkeypatch.setattr(
        photo_module,
        "check",
        lambda data, **kw: photo_module.PhotoCheck(False, None, [], photo_module.NOT_CHECKED),
    )
    app = submitted(world)
    assert not app.photo_checked and "未经机器检测" in app.photo_note
    services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    app.refresh_from_db()
    assert any("未经机器检测" in n for n in app.interception["notes"])


def test_reject_tells_the_applicant(world):
    app = submitted(world)
    with pytest.raises(ServiceError) as exc:
        services.reject_application(app.pk, acting_user=world.bank_operator_a, reason=" ")
    assert code_of(exc) == "reason_required"
    app = services.reject_application(
        app.pk, acting_user=world.bank_operator_a, reason="照片背景不是白色"
    )
    assert app.status == rules.REJECTED
    sms = Notification.objects.get(kind="cards.rejected")
    assert "照片背景不是白色" in sms.text and sms.phone == world.person_a.phone
    # a new application may follow
    submitted(world)


def test_scope_other_district_sees_nothing(world):
    app = submitted(world)
    with pytest.raises(NotFound):
        services.produce_card(app.pk, acting_user=world.operator_b, verified=True)
    with pytest.raises(NotFound):
        services.start_application(world.person_a.pk, acting_user=world.operator_b)
    card = services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    with pytest.raises(NotFound):
        services.issue_card(card.pk, acting_user=world.operator_b)
    with pytest.raises(Forbidden):  # a district admin does not produce cards, anywhere
        services.produce_card(app.pk, acting_user=world.admin_a, verified=True)
    with pytest.raises(Forbidden):
        services.issue_card(card.pk, acting_user=world.auditor)


def test_loss_unlock_and_refusals(world):
    card = issued_card(world)
    with pytest.raises(ServiceError) as exc:
        services.unlock_loss(card.pk, acting_user=world.operator_a)
    assert code_of(exc) == "bad_transition"
    card = services.report_loss(card.pk, acting_user=world.operator_a, kind="temporary", channel=6)
    assert card.status == rules.TEMP_LOST and card.temp_loss_until > timezone.now()
    with pytest.raises(ServiceError) as exc:
        services.report_loss(card.pk, acting_user=world.operator_a, kind="temporary")
    assert code_of(exc) == "bad_transition"
    card = services.report_loss(card.pk, acting_user=world.operator_a, kind="formal")
    assert card.status == rules.LOST and card.temp_loss_until is None
    with pytest.raises(ServiceError) as exc:
        services.unlock_pin(card.pk, acting_user=world.operator_a)
    assert code_of(exc) == "bad_transition"
    card = services.unlock_loss(card.pk, acting_user=world.operator_a)
    assert card.status == rules.ISSUED
    txns = ServiceTransaction.objects.filter(card=card, item=ServiceItem.LOSS)
    assert txns.count() == 3 and txns.filter(channel=6).count() == 1
    with pytest.raises(ServiceError) as exc:
        services.report_loss(card.pk, acting_user=world.operator_a, kind="maybe")
    assert code_of(exc) == "loss_kind"


def test_temporary_loss_lapses(world, settings):
    card = issued_card(world)
    services.report_loss(card.pk, acting_user=world.operator_a, kind="temporary")
    later = timezone.now() + dt.timedelta(days=settings.SBK_TEMP_LOSS_DAYS, seconds=1)
    # acting on a lapsed temporary loss treats it as in use
    assert services.lapse_temporary_losses(later) == 1
    card.refresh_from_db()
    assert card.status == rules.ISSUED and card.temp_loss_until is None


def test_replacement_only_after_formal_loss_then_old_card_invalid_at_issue(world):
    old = issued_card(world)
    for kind, reason in [("replacement", "lost"), ("replacement", "")]:
        with pytest.raises(ServiceError) as exc:
            services.start_application(
                world.person_a.pk,
                acting_user=world.operator_a,
                outlet=world.bank_outlet_a,
                kind=kind,
                replace_reason=reason,
            )
        assert code_of(exc) == "replacement_not_allowed"
    services.report_loss(old.pk, acting_user=world.operator_a, kind="temporary")
    with pytest.raises(ServiceError):
        submitted(world, kind="replacement", replace_reason="lost")
    services.report_loss(old.pk, acting_user=world.operator_a, kind="formal")
    app = submitted(world, kind="replacement", replace_reason="lost")
    new = services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    old.refresh_from_db()
    assert old.status == rules.LOST and new.replaces == old  # both exist until the issue
    services.issue_card(new.pk, acting_user=world.bank_operator_a)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (rules.REPLACED, rules.ISSUED)
    assert old.invalid_on == timezone.localdate()
    assert list(valid_cards_at(timezone.localdate())) == [new]


def test_damaged_card_replacement_without_loss(world):
    old = issued_card(world)
    app = submitted(world, kind="replacement", replace_reason="damaged")
    new = services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    services.issue_card(new.pk, acting_user=world.bank_operator_a)
    old.refresh_from_db()
    assert old.status == rules.REPLACED


def test_database_holds_one_held_card_per_person(world):
    card = issued_card(world)
    dup = Card(
        person=world.person_a,
        card_no="X1",
        division_code="310112",
        org=world.outlet_a,
        status=rules.ISSUED,
        issued_on=card.issued_on,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        dup.save()


def test_financial_activation_once(world):
    card = issued_card(world)
    with pytest.raises(ServiceError) as exc:
        services.activate_financial(card.pk, acting_user=world.bank_operator_a, account_no="123")
    assert code_of(exc) == "account_invalid"
    card = services.activate_financial(
        card.pk, acting_user=world.bank_operator_a, account_no="6222021234567890128"
    )
    assert card.financial_activated_on == timezone.localdate()
    assert card.account_masked == "6222***********0128"
    assert Card.objects.get(pk=card.pk).account_no == "6222021234567890128"
    with pytest.raises(ServiceError) as exc:
        services.activate_financial(card.pk, acting_user=world.bank_operator_a)
    assert code_of(exc) == "already_activated"
    assert "6222021234567890128" not in str(
        AuditEntry.objects.filter(object_id=str(card.pk)).values_list("after", flat=True)
    )


def test_pin_unlock_is_journalled(world):
    card = issued_card(world)
    services.unlock_pin(card.pk, acting_user=world.operator_a)
    assert ServiceTransaction.objects.filter(card=card, item=ServiceItem.PIN_UNLOCK).count() == 1


def test_cancel_person_blocks_everything(world):
    card = issued_card(world)
    p = services.cancel_person(world.person_a.pk, acting_user=world.admin_a, reason="死亡")
    assert p.status == "cancelled"
    card.refresh_from_db()
    assert card.status == rules.CANCELLED and card.invalid_on == timezone.localdate()
    for call in (
        lambda: services.start_application(
            p.pk,
            acting_user=world.operator_a,
            outlet=world.bank_outlet_a,
            kind="replacement",
            replace_reason="damaged",
        ),
        lambda: services.report_loss(card.pk, acting_user=world.operator_a),
        lambda: services.cancel_person(p.pk, acting_user=world.admin_a, reason="重复"),
        lambda: services.transfer(
            p.pk, acting_user=world.admin_a, kind="in_province", target_org="OB1"
        ),
    ):
        with pytest.raises(ServiceError) as exc:
            call()
        assert code_of(exc) in {"person_cancelled", "bad_transition"}
    assert not valid_cards_at(timezone.localdate()).exists()


def test_cancel_withdraws_open_application(world):
    app = submitted(world)
    services.cancel_person(world.person_a.pk, acting_user=world.admin_a, reason="死亡")
    app.refresh_from_db()
    assert app.status == rules.WITHDRAWN


def test_change_info_and_transfers_and_enquiry(world):
    p = services.change_info(
        world.person_a.pk,
        acting_user=world.operator_a,
        changes={"phone": "13900001111"},
        reason="本人申请",
    )
    assert p.phone == "13900001111"
    again = services.change_info(
        world.person_a.pk,
        acting_user=world.operator_a,
        changes={"phone": "13900001111"},
        reason="本人申请",
    )
    assert again.version == p.version
    assert ServiceTransaction.objects.filter(item=ServiceItem.INFO_CHANGE).count() == 1
    p = services.transfer(
        p.pk, acting_user=world.admin_a, kind="in_province", target_org="OB1", reason="迁居"
    )
    assert Person.objects.get(pk=p.pk).org == world.outlet_b
    with pytest.raises(ServiceError) as exc:
        services.transfer(
            p.pk, acting_user=world.city_admin, kind="cross_province", destination="310104"
        )
    assert code_of(exc) == "transfer_target"
    services.transfer(
        p.pk, acting_user=world.city_admin, kind="cross_province", destination="110101"
    )
    services.record_enquiry(acting_user=world.operator_a, topic="如何启用金融功能", channel=6)
    items = set(ServiceTransaction.objects.values_list("item", flat=True))
    assert {2, 5, 6, 7} <= items


def test_kiosk_instant_issue_with_proxy(world):
    from sbk.idcard import make_resident18
    from sbk.orgs.models import OrgKind
    from sbk.testing import org, stock_outlets, user

    kiosk = org("K1", OrgKind.KIOSK, "310112", world.district_a, name="自助机1")
    stock_outlets(world.centre, [kiosk], world.bank)
    kiosk_user = user("kiosk1", "outlet_operator", kiosk)
    p = person(world.outlet_a, name="丙某")
    with pytest.raises(ServiceError) as exc:
        services.kiosk_issue(
            p.id_number, acting_user=kiosk_user, photo=GOOD, proxy={"agent_name": "丁某"}
        )
    assert code_of(exc) == "proxy_incomplete"
    agent = make_resident18("310112", dt.date(1980, 5, 5), 11)
    card = services.kiosk_issue(
        p.id_number,
        acting_user=kiosk_user,
        photo=GOOD,
        proxy={"agent_name": "丁某", "agent_id_number": agent, "authorisation": "委托书2026-001"},
    )
    assert card.status == rules.ISSUED and card.org == kiosk
    app = Application.objects.get(card=card)
    assert app.proxy and app.agent_id_number == agent and app.agent_id_masked != agent
    assert app.photo_source == "kiosk" and app.channel == 9 and app.status == rules.APP_ISSUED
    assert ServiceTransaction.objects.filter(action="card.kiosk_issue", channel=9).count() == 1
    assert agent not in str(
        AuditEntry.objects.filter(action="card.kiosk_issue").values_list("after", flat=True)
    )


def test_unclaimed_after_configured_days(world, settings):
    app = submitted(world)
    card = services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    later = timezone.now() + dt.timedelta(days=settings.SBK_UNCLAIMED_AFTER_DAYS + 1)
    assert services.mark_unclaimed(later) == 1
    card.refresh_from_db()
    assert card.status == rules.UNCLAIMED
    services.issue_card(card.pk, acting_user=world.bank_operator_a)  # collected late


def test_overdue_per_outlet(world):
    app = submitted(world)
    Application.objects.filter(pk=app.pk).update(deadline=timezone.localdate() - dt.timedelta(1))
    groups = overdue_by_outlet(world.admin_a)
    assert groups[0]["outlet"] == world.bank_outlet_a and groups[0]["applications"][0].pk == app.pk
    assert overdue_by_outlet(world.admin_b) == []


def test_working_day_deadline_by_setting(world, settings):
    settings.SBK_DEADLINE_WORKING_DAYS = True
    app = submitted(world)
    assert app.deadline > timezone.localdate() + dt.timedelta(days=6)


def test_kiosk_issue_only_from_a_kiosk_account(world):
    """A counter clerk cannot issue for anyone in the province by typing a number."""
    with pytest.raises(ServiceError) as exc:
        services.kiosk_issue(world.person_b.id_number, acting_user=world.operator_a, photo=GOOD)
    assert exc.value.field == "outlet"
    assert not Card.objects.filter(person=world.person_b).exists()
