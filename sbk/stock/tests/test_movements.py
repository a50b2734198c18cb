"""The stock books through the services: production consumes, every movement kind, the
database invariants, corrections."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from sbk.cards import services as cards
from sbk.cards.models import Card
from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.core.models import AuditEntry
from sbk.stock import queries, services
from sbk.stock.models import Balance, Entry, Serial
from sbk.testing import person

from .helpers import inbound, produce, qty, stock_at

pytestmark = pytest.mark.django_db


def test_production_consumes_the_lowest_blank_and_the_card_names_it(world):
    before = qty(world.bank_outlet_a)
    lowest = (
        Serial.objects.filter(org=world.bank_outlet_a, state="stock").order_by("serial").first()
    )
    card = produce(world, world.person_b, world.bank_outlet_a, world.bank_operator_a)
    card.refresh_from_db()
    assert card.blank_serial == lowest.serial
    assert qty(world.bank_outlet_a) == before - 1
    entry = Entry.objects.get(serial=lowest.serial, kind="consume")
    assert (entry.src_org_id, entry.dst_state) == (world.bank_outlet_a.pk, "card")
    assert card.card_no in entry.note
    assert Serial.objects.get(serial=lowest.serial).state == "card"


def test_a_community_outlet_card_takes_its_bank_from_the_blank(world):
    card = produce(world, world.person_a, world.outlet_a, world.operator_a)
    assert card.bank_id == world.bank.pk and card.blank_serial.startswith("BANK1-OA1-")


def test_production_without_a_blank_of_the_bank_is_refused_and_nothing_is_written(world):
    other_bank = world.bank.__class__.objects.create(
        code="BANK2",
        name="另一银行",
        kind="bank",
        division_code="310000",
        parent=world.centre,
        path="/CENTRE/BANK2/",
    )
    stock_at(world, world.outlet_b, 2, bank=other_bank)  # the wrong bank is no help
    for s in Serial.objects.filter(org=world.bank_outlet_a, state="stock"):
        services.transfer(
            acting_user=SYSTEM,
            source=world.bank_outlet_a,
            target=world.outlet_b,
            serials=[s.serial],
        )
    app = __import__("sbk.cards.tests.helpers", fromlist=["x"]).submitted(
        world, world.person_b, user=world.operator_b, outlet=world.bank_outlet_a
    )
    audits = AuditEntry.objects.count()
    with pytest.raises(ServiceError) as err:
        cards.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    assert err.value.code == "no_blank" and "卡基" in err.value.message
    assert AuditEntry.objects.count() == audits
    assert not Card.objects.filter(person=world.person_b).exists()


def test_spoil_return_receive_and_write_off(world):
    serial = Serial.objects.filter(org=world.outlet_a, state="stock").first().serial
    services.spoil_blanks(acting_user=world.operator_a, outlet=world.outlet_a, serials=[serial])
    assert qty(world.outlet_a, "waste") == 1
    services.return_upward(acting_user=world.operator_a, source=world.outlet_a, serials=[serial])
    assert qty(world.outlet_a, "waste") == 0
    s = Serial.objects.get(serial=serial)
    assert (s.state, s.org_id, s.sender_id) == ("transit", world.district_a.pk, world.outlet_a.pk)
    services.receive(acting_user=world.admin_a, target=world.district_a, serials=[serial])
    services.return_upward(acting_user=world.admin_a, source=world.district_a, serials=[serial])
    services.receive(acting_user=world.city_admin, target=world.centre, serials=[serial])
    services.write_off(acting_user=world.city_admin, centre=world.centre, serials=[serial])
    assert Serial.objects.get(serial=serial).state == "gone"
    kinds = [e.kind for e in queries.trace(serial)[1]]
    assert kinds == [
        "allocate",
        "allocate",
        "receive",
        "spoil",
        "return",
        "receive",
        "return",
        "receive",
        "write_off",
    ]


def test_a_late_or_irregular_return_is_marked(world, settings):
    old = timezone.localdate() - dt.timedelta(days=settings.SBK_STOCK_RETURN_DAYS + 5)
    serial = stock_at(world, world.outlet_a, 1, day=old)[0]
    services.spoil_blanks(
        acting_user=world.operator_a, outlet=world.outlet_a, serials=[serial], day=old
    )
    (entry,) = services.return_upward(
        acting_user=SYSTEM, source=world.outlet_a, target=world.centre, serials=[serial]
    )
    assert entry.overdue and entry.irregular
    figures = queries.evaluation_figures(world.district_a, old, timezone.localdate())
    assert figures["late_returns"] == 1 and figures["irregular_returns"] == 1


def test_blanks_cannot_be_returned_nor_written_off(world):
    serial = Serial.objects.filter(org=world.outlet_a, state="stock").first().serial
    with pytest.raises(ServiceError) as err:
        services.return_upward(
            acting_user=world.operator_a, source=world.outlet_a, serials=[serial]
        )
    assert err.value.code == "bad_item"


def test_an_unclaimed_card_is_stock_and_once_returned_can_never_be_issued(world):
    card = produce(world, world.person_b, world.bank_outlet_a, world.bank_operator_a)
    cards.mark_unclaimed(timezone.now() + dt.timedelta(days=400), acting_user=SYSTEM)
    assert qty(world.bank_outlet_a, "unclaimed") == 1
    services.return_upward(
        acting_user=world.bank_operator_a, source=world.bank_outlet_a, serials=[card.blank_serial]
    )
    card.refresh_from_db()
    assert card.status == "returned" and card.status_label == "滞发卡已上缴"
    with pytest.raises(ServiceError) as err:
        cards.issue_card(card.pk, acting_user=world.bank_operator_a)
    assert err.value.code == "bad_transition"


def test_an_unclaimed_card_handed_over_leaves_the_stock(world):
    card = produce(world, world.person_b, world.bank_outlet_a, world.bank_operator_a)
    cards.mark_unclaimed(timezone.now() + dt.timedelta(days=400), acting_user=SYSTEM)
    cards.issue_card(card.pk, acting_user=world.bank_operator_a)
    assert qty(world.bank_outlet_a, "unclaimed") == 0
    assert Serial.objects.get(serial=card.blank_serial).state == "card"


def test_transfer_between_outlets_waits_for_the_receipt(world):
    got = stock_at(world, world.outlet_a, 3)
    services.transfer(
        acting_user=world.admin_a, source=world.outlet_a, target=world.bank_outlet_a, serials=got
    )
    before = qty(world.bank_outlet_a)
    services.receive(acting_user=world.bank_operator_a, target=world.bank_outlet_a, serials=got)
    assert qty(world.bank_outlet_a) == before + 3


def test_a_refused_movement_leaves_nothing(world):
    good = Serial.objects.filter(org=world.outlet_a, state="stock").first().serial
    entries = Entry.objects.count()
    with pytest.raises(ServiceError) as err:
        services.spoil_blanks(
            acting_user=world.operator_a, outlet=world.outlet_a, serials=[good, "NOPE"]
        )
    assert err.value.code == "unknown_serial" and "NOPE" in err.value.message
    assert Entry.objects.count() == entries


def test_out_of_scope_organisation_is_forbidden(world):
    serial = Serial.objects.filter(org=world.outlet_b, state="stock").first().serial
    with pytest.raises(ServiceError) as err:
        services.spoil_blanks(acting_user=world.operator_a, outlet=world.outlet_b, serials=[serial])
    assert err.value.code == "forbidden"


def test_a_correction_is_a_new_entry_naming_the_corrected_one(world):
    got = inbound(world, 2)
    sent = services.allocate_blanks(
        acting_user=world.city_admin,
        source=world.centre,
        target=world.outlet_a,
        bank=world.bank,
        serials=got,
    )
    with pytest.raises(ServiceError):
        services.correct_movement(sent[0].batch, acting_user=world.city_admin, reason="")
    fixes = services.correct_movement(
        sent[0].batch, acting_user=world.city_admin, reason="发错网点"
    )
    assert {f.corrects_id for f in fixes} == {e.pk for e in sent}
    assert all(f.reason == "发错网点" and f.day == timezone.localdate() for f in fixes)
    assert qty(world.centre) == 2
    assert Serial.objects.get(serial=got[0]).state == "stock"


def test_the_ledger_refuses_update_and_delete(world):
    entry = Entry.objects.first()
    for statement in (
        lambda: Entry.objects.filter(pk=entry.pk).update(note="改"),
        lambda: Entry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            statement()


def test_database_refuses_negative_balance_and_a_second_place(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(org=world.outlet_a).update(qty=-1)
    s = Serial.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Serial.objects.create(
            serial=s.serial, bank=world.bank, item="blank", state="stock", org=world.outlet_b
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(
            batch=Entry.objects.first().batch,
            kind="correct",
            serial="X",
            bank=world.bank,
            dst_state="stock",
            day=timezone.localdate(),
            requested_day=timezone.localdate(),
            at=timezone.now(),
            corrects=Entry.objects.first(),
        )


def test_every_card_takes_a_different_blank(world):
    made = [
        produce(world, person(world.outlet_a), world.bank_outlet_a, world.bank_operator_a)
        for _ in range(3)
    ]
    assert len({c.blank_serial for c in made}) == 3
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_returned_unclaimed_card_cannot_be_corrected_back(world):
    card = produce(world, world.person_b, world.bank_outlet_a, world.bank_operator_a)
    cards.mark_unclaimed(timezone.now() + dt.timedelta(days=400), acting_user=SYSTEM)
    (entry,) = services.return_upward(
        acting_user=SYSTEM, source=world.bank_outlet_a, serials=[card.blank_serial]
    )
    with pytest.raises(ServiceError) as err:
        services.correct_movement(entry.batch, acting_user=world.city_admin, reason="误操作")
    assert err.value.code == "not_correctable"
