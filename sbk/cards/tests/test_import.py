import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from sbk.cards import rules
from sbk.cards.importer import import_cards
from sbk.cards.models import Card
from sbk.cards.queries import valid_cards_at
from sbk.core.actors import IMPORTER
from sbk.idcard import make_resident15, make_resident18
from sbk.orgs.models import Organisation, OrgKind
from sbk.registry.models import Person

pytestmark = pytest.mark.django_db
HEADER = "id_number,name,category,division_code,card_no,bank,issued_on,activated_on,cancelled_on,replaces_card_no\n"
P1 = make_resident18("310112", dt.date(1970, 1, 2), 13)
P2 = make_resident18("320102", dt.date(1985, 3, 4), 22)
P3 = make_resident15("310115", dt.date(1950, 7, 8), 31)


def write(tmp_path, body, name="cards.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


GOOD = (
    f"{P1},张三,employee,310112,A001,工商银行,2015-01-10,2015-02-01,,\n"
    f"{P1},张三,employee,310112,A002,工商银行,2020-06-01,,,A001\n"
    f"{P2},李四,resident,320102,B001,建设银行,2016-05-05,,2021-01-01,\n"
    f"{P3},王五,other,310115,C001,,2010-03-03,,,\n"
)


def test_import_from_empty_database_creates_people_banks_regions(db, tmp_path):
    result = import_cards(write(tmp_path, GOOD), acting_user=IMPORTER)
    assert not result.errors and result.cards_written == 4 and result.people_created == 3
    assert Organisation.objects.filter(kind=OrgKind.CENTRE).count() == 1
    assert set(
        Organisation.objects.filter(kind=OrgKind.DISTRICT).values_list("division_code", flat=True)
    ) == {"310112", "320102", "310115"}
    assert set(Organisation.objects.filter(kind=OrgKind.BANK).values_list("name", flat=True)) == {
        "工商银行",
        "建设银行",
    }
    a1, a2 = Card.objects.get(card_no="A001"), Card.objects.get(card_no="A002")
    assert (a1.status, a1.invalid_on, a2.replaces) == (rules.REPLACED, dt.date(2020, 6, 1), a1)
    assert a1.financial_activated_on == dt.date(2015, 2, 1)
    assert Card.objects.get(card_no="B001").status == rules.CANCELLED
    p3 = Person.objects.get(name="王五")
    assert p3.id_number == P3[:6] + "19" + P3[6:] + p3.id_number[-1]  # 15 → 18
    assert p3.org.division_code == "310115"


def test_valid_cards_at_a_date(db, tmp_path):
    import_cards(write(tmp_path, GOOD), acting_user=IMPORTER)

    def at(day):
        return sorted(valid_cards_at(dt.date.fromisoformat(day)).values_list("card_no", flat=True))

    assert at("2009-12-31") == []
    assert at("2015-01-10") == ["A001", "C001"]
    assert at("2020-05-31") == ["A001", "B001", "C001"]
    assert at("2020-06-01") == ["A002", "B001", "C001"]  # replaced by a card issued that day
    assert at("2021-01-01") == ["A002", "C001"]  # cancelled that day


def test_errors_reported_per_row_and_nothing_written(db, tmp_path):
    body = GOOD + (
        f"{P1[:-1]}0,坏号,employee,310112,D001,,2015-01-01,,,\n"
        f"{P2},李四,worker,999999,D002,,2015-13-01,,,\n"
        f"{P1},张三,employee,310112,A001,,2016-01-01,,,\n"
        f"{P2},李四,resident,320102,D003,,2017-01-01,,,Z999\n"
        f"{P3},王五,other,310115,D004,,2019-01-01,,,\n"
    )
    path = write(tmp_path, body)
    result = import_cards(path, acting_user=IMPORTER)
    codes = {(e.row, e.field, e.code) for e in result.errors}
    assert (6, "id_number", "check_digit") in codes or any(r == 6 for r, _, _ in codes)
    assert {
        (7, "category", "category"),
        (7, "division_code", "division"),
        (7, "issued_on", "date_format"),
    } <= codes
    assert (8, "card_no", "duplicate_in_file") in codes
    assert (9, "replaces_card_no", "unknown_card") in codes
    assert any(c == "multiple_valid_cards" for _, _, c in codes)
    assert not Card.objects.exists() and not Person.objects.exists()
    report = path.with_name("cards.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert report.splitlines()[0] == "row,field,code,message"


def test_dry_run_and_command(db, tmp_path):
    path = write(tmp_path, GOOD)
    out = io.StringIO()
    call_command("cards", "import", str(path), "--dry-run", stdout=out)
    assert "试运行" in out.getvalue() and not Card.objects.exists()
    call_command("cards", "import", str(path), stdout=out)
    assert Card.objects.count() == 4
    with pytest.raises(CommandError):  # the same cards again: duplicates
        call_command("cards", "import", str(path), stdout=out)
    assert Card.objects.count() == 4


def test_import_into_existing_world_reuses_people(world, tmp_path):
    body = f"{world.person_b.id_number},乙某,employee,310115,L001,测试银行,2012-01-01,,,\n"
    result = import_cards(write(tmp_path, body), acting_user=IMPORTER)
    assert not result.errors and result.people_created == 0
    card = Card.objects.get(card_no="L001")
    assert (
        card.person == world.person_b and card.bank == world.bank and card.org == world.district_b
    )
