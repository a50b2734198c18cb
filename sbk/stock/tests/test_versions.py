"""Card blanks per bank AND card version (卡版本, issue 15): the books, the contract and
production all keep the versions apart."""

import json

import pytest
from django.core.management.base import CommandError

from sbk.cards import services as cards
from sbk.cards.models import Card
from sbk.cards.tests.helpers import submitted
from sbk.core.errors import ServiceError
from sbk.core.models import AuditEntry
from sbk.stock import queries, services
from sbk.stock.models import Balance, DaySnapshot, Entry, Serial
from sbk.stock.verify import verify

from .helpers import produce
from .test_contract import run, write

pytestmark = pytest.mark.django_db

OLD = ["A2-0001", "A2-0002"]  # sort before the world's "BANK1-…" blanks


def _old_blanks_at(code: str, tmp_path) -> None:
    """Two 2.00 blanks into the centre, down to ``code`` and received there (the contract)."""
    base = {"item": "blank", "bank": "BANK1", "serials": OLD, "version": "2.00"}
    moves = [
        {**base, "kind": "allocate", "from": None, "to": "CENTRE"},
        {**base, "kind": "allocate", "from": "CENTRE", "to": code},
        {**base, "kind": "receive", "from": "CENTRE", "to": code},
    ]
    assert "已登记 6 条" in run("apply", write(tmp_path, moves))


def test_apply_books_the_version_and_balance_json_adds_by_version(world, tmp_path):
    _old_blanks_at("OA1", tmp_path)
    assert set(Serial.objects.filter(serial__in=OLD).values_list("version", flat=True)) == {"2.00"}
    assert set(Entry.objects.filter(serial__in=OLD).values_list("version", flat=True)) == {"2.00"}
    report = json.loads(run("balance", "OA1", "--json"))
    # The contract's keys are unchanged; by_version splits the same figures.
    assert report["items"] == {"blank": 12, "waste": 0, "unclaimed": 0}
    assert report["by_bank"] == {"BANK1": {"blank": 12, "waste": 0, "unclaimed": 0}}
    assert report["by_version"] == {
        "2.00": {"blank": 2, "waste": 0, "unclaimed": 0},
        "3.00": {"blank": 10, "waste": 0, "unclaimed": 0},
    }
    assert Balance.objects.get(org=world.outlet_a, version="2.00").qty == 2
    assert verify() == []


def test_an_unknown_version_or_serials_of_another_version_are_refused(world, tmp_path):
    entries = Entry.objects.count()
    bad = {"kind": "allocate", "item": "blank", "bank": "BANK1", "from": None, "to": "CENTRE"}
    with pytest.raises(CommandError, match=r"\[bad_version\].*第 0 项.*9\.99"):
        run("apply", write(tmp_path, [{**bad, "serials": ["X1"], "version": "9.99"}]))
    # The world's 3.00 blanks sent on as if they were 2.00 ones: refused, naming the serial.
    held = list(
        Serial.objects.filter(org=world.outlet_a, state="stock").values_list("serial", flat=True)
    )
    back = {"kind": "transfer", "item": "blank", "from": "OA1", "to": "OB1", "serials": held[:1]}
    with pytest.raises(CommandError, match=rf"\[bad_version\].*{held[0]}.*3\.00"):
        run("apply", write(tmp_path, [{**back, "version": "2.00"}]))
    assert Entry.objects.count() == entries and not Serial.objects.filter(serial="X1").exists()
    with pytest.raises(ServiceError) as err:  # the service itself, not only the contract
        services.allocate_blanks(
            acting_user=world.city_admin,
            source=None,
            target=world.centre,
            bank=world.bank,
            serials=["X2"],
            version="4.00",
        )
    assert err.value.code == "bad_version" and err.value.field == "version"


def test_a_card_consumes_a_blank_of_its_own_version(world, tmp_path):
    _old_blanks_at("OA1", tmp_path)
    card = produce(world, world.person_a, world.outlet_a, world.operator_a)
    card.refresh_from_db()
    assert card.version == "3.00" and card.blank_serial.startswith("BANK1-OA1-")
    assert Serial.objects.get(serial=OLD[0]).state == "stock"  # lower, but of 2.00
    entry = Entry.objects.get(serial=card.blank_serial, kind="consume")
    assert entry.version == "3.00"
    assert Balance.objects.get(org=world.outlet_a, item="blank", version="3.00").qty == 9
    assert Balance.objects.get(org=world.outlet_a, item="blank", version="2.00").qty == 2
    close = services.close_day(world.outlet_a, acting_user=world.operator_a)
    snaps = {s.version: s.closing for s in DaySnapshot.objects.filter(day=close.day)}
    assert snaps == {"2.00": 2, "3.00": 9}
    day = close.day
    assert queries.balances_at([world.outlet_a.pk], day) == queries.balances_scan(
        [world.outlet_a.pk], day
    )
    assert verify() == []


def test_production_with_no_blank_of_the_cards_version_is_refused(world, settings):
    settings.SBK_CARD_VERSION = "2.00"  # the outlet holds only the world's 3.00 blanks
    app = submitted(world, world.person_b, user=world.operator_b, outlet=world.bank_outlet_a)
    audits, entries = AuditEntry.objects.count(), Entry.objects.count()
    with pytest.raises(ServiceError) as err:
        cards.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    assert err.value.code == "no_blank_of_version"
    assert "2.00" in err.value.message and "3.00" in err.value.message
    assert AuditEntry.objects.count() == audits and Entry.objects.count() == entries
    assert not Card.objects.filter(person=world.person_b).exists()


def test_the_rebuilt_tables_keep_their_append_only_triggers(world):
    """Migration 0003 adds the version columns; on SQLite that rebuilds the tables, and
    their triggers must come back (on PostgreSQL they are never dropped)."""
    from django.db import transaction

    from sbk.core.appendonly import installed_triggers

    names = installed_triggers()
    for table in ("stock_entry", "stock_daysnapshot", "stock_monthsnapshot", "stock_stocktake"):
        assert any(n.startswith(f"{table}_append_only") for n in names), (table, names)
    services.close_day(world.outlet_a, acting_user=world.operator_a)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        DaySnapshot.objects.update(version="2.00")


def test_a_count_of_one_version_compares_with_that_versions_books(world, tmp_path):
    _old_blanks_at("OA1", tmp_path)
    out = run("count", "OA1", "--item", "blank", "--qty", "2", "--version", "2.00")
    assert "账面 2，实盘 2" in out
    out = run("count", "OA1", "--item", "blank", "--qty", "9", "--version", "3.00")
    assert "账面 10，实盘 9" in out and "[discrepancy]" in out
    with pytest.raises(CommandError, match="bad_version"):
        run("count", "OA1", "--item", "blank", "--qty", "1", "--version", "0.1")
