import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sbk.cards import rules
from sbk.cards.importer import import_cards
from sbk.cards.models import Card
from sbk.cards.queries import valid_cards_at
from sbk.core.actors import IMPORTER
from sbk.idcard import make_resident15, make_resident18
from sbk.orgs.models import Organisation, OrgKind
from sbk.registry.models import Person
from sbk.testing import resident_number

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
    # Issued after any birth date the test numbers can carry (up to 2014).
    body = f"{world.person_b.id_number},乙某,employee,310115,L001,测试银行,2020-01-01,,,\n"
    result = import_cards(write(tmp_path, body), acting_user=IMPORTER)
    assert not result.errors and result.people_created == 0
    card = Card.objects.get(card_no="L001")
    assert (
        card.person == world.person_b and card.bank == world.bank and card.org == world.district_b
    )


# --- issue 23: impossible histories are row errors, and nothing is written -------------------
def _counts():
    return (Card.objects.count(), Person.objects.count(), Organisation.objects.count())


def _refused(path, before, *expected):
    """Import ``path``; each (row, field, code) in ``expected`` is an error in the result and
    in FILE.errors.csv, and the database is as it was."""
    result = import_cards(path, acting_user=IMPORTER)
    got = {(e.row, e.field, e.code) for e in result.errors}
    assert set(expected) <= got, result.errors
    assert result.cards_written == 0 and _counts() == before
    report = path.with_name(path.name + ".errors.csv").read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(report)))
    assert lines[0] == ["row", "field", "code", "message"]
    in_file = {(int(r), f, c): m for r, f, c, m in lines[1:]}
    for key in expected:
        assert in_file[key], key  # a message for every finding
    return result, in_file


@pytest.mark.parametrize("column", ["issued_on", "activated_on", "cancelled_on"])
def test_date_in_the_future_refused(db, tmp_path, column):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    dates = {"issued_on": "2015-01-10", "activated_on": "", "cancelled_on": ""}
    dates[column] = tomorrow.isoformat()
    body = f"{P2},李四,resident,320102,F001,建设银行,{','.join(dates.values())},\n"
    body += f"{P1},张三,employee,310112,F002,工商银行,2030-01-01,,,\n"  # the issue's 2030
    _, report = _refused(
        write(tmp_path, GOOD + body),
        _counts(),
        (6, column, "date_future"),
        (7, "issued_on", "date_future"),
    )
    assert column in report[(6, column, "date_future")]


def test_date_today_accepted(db, tmp_path):
    today = timezone.localdate()
    body = f"{P2},李四,resident,320102,F001,建设银行,{today},{today},,\n"
    result = import_cards(write(tmp_path, body), acting_user=IMPORTER)
    assert not result.errors and result.cards_written == 1


def test_date_before_birth_refused(db, tmp_path):
    young = resident_number("310112", dt.date(2005, 6, 1))
    body = (
        f"{P1},张三,employee,310112,A001,工商银行,1900-01-01,,,\n"  # the issue: 1900, born 1970
        f"{young},赵六,resident,310112,Y001,,2005-05-31,,,\n"  # after the scheme, before birth
        f"{young},赵六,resident,310112,Y002,,2010-01-01,2005-01-01,,Y001\n"
    )
    _, report = _refused(
        write(tmp_path, body),
        _counts(),
        (2, "issued_on", "date_before_birth"),
        (3, "issued_on", "date_before_birth"),
        (4, "activated_on", "date_before_birth"),
    )
    assert "出生" in report[(3, "issued_on", "date_before_birth")]


def test_issued_on_birth_day_accepted(db, tmp_path):
    baby = resident_number("310112", dt.date(2020, 2, 29))
    body = f"{baby},小七,resident,310112,Y001,,2020-02-29,,,\n"
    assert not import_cards(write(tmp_path, body), acting_user=IMPORTER).errors


def test_date_before_scheme_start_refused(db, tmp_path, settings):
    body = f"{P3},王五,other,310115,C001,,1998-12-31,,,\n"
    _, report = _refused(write(tmp_path, body), _counts(), (2, "issued_on", "date_before_scheme"))
    assert "1999-01-01" in report[(2, "issued_on", "date_before_scheme")]
    settings.SBK_CARD_SCHEME_START = dt.date(2005, 1, 1)  # the setting, not a constant
    body = f"{P3},王五,other,310115,C001,,2008-01-01,,2004-12-31,\n"
    _refused(write(tmp_path, body, "b.csv"), _counts(), (2, "cancelled_on", "date_before_scheme"))


def test_scheme_start_day_accepted(db, tmp_path):
    body = f"{P3},王五,other,310115,C001,,1999-01-01,,,\n"
    assert not import_cards(write(tmp_path, body), acting_user=IMPORTER).errors


def test_activation_or_cancellation_before_issue_refused(db, tmp_path):
    body = (
        f"{P1},张三,employee,310112,A001,工商银行,2015-01-10,2015-01-09,,\n"
        f"{P2},李四,resident,320102,B001,,2016-05-05,,2016-05-04,\n"
    )
    _refused(
        write(tmp_path, body),
        _counts(),
        (2, "activated_on", "date_order"),
        (3, "cancelled_on", "date_order"),
    )


def test_card_replacing_itself_refused(db, tmp_path):
    body = f"{P1},张三,employee,310112,A001,工商银行,2015-01-10,,,A001\n"
    result, _ = _refused(
        write(tmp_path, body), _counts(), (2, "replaces_card_no", "replaces_cycle")
    )
    assert [e.code for e in result.errors] == ["replaces_cycle"]


def test_replacement_two_cycle_refused(db, tmp_path):
    body = GOOD + (
        f"{P2},李四,resident,320102,B002,,2017-01-01,,,B003\n"
        f"{P2},李四,resident,320102,B003,,2018-01-01,,,B002\n"
    )
    result, report = _refused(
        write(tmp_path, body),
        _counts(),
        (6, "replaces_card_no", "replaces_cycle"),
        (7, "replaces_card_no", "replaces_cycle"),
    )
    assert {e.code for e in result.errors} == {"replaces_cycle"}
    assert "B002 → B003 → B002" in report[(6, "replaces_card_no", "replaces_cycle")]


def test_replacement_three_cycle_refused(db, tmp_path):
    body = GOOD + (
        f"{P3},王五,other,310115,C002,,2011-01-01,,,C004\n"
        f"{P3},王五,other,310115,C003,,2012-01-01,,,C002\n"
        f"{P3},王五,other,310115,C004,,2013-01-01,,,C003\n"
    )
    result, _ = _refused(
        write(tmp_path, body),
        _counts(),
        (6, "replaces_card_no", "replaces_cycle"),
        (7, "replaces_card_no", "replaces_cycle"),
        (8, "replaces_card_no", "replaces_cycle"),
    )
    assert {e.code for e in result.errors} == {"replaces_cycle"}


def test_long_replacement_cycle_refused_with_short_message(db, tmp_path):
    n = 8
    body = "".join(
        f"{P3},王五,other,310115,L{i:03d},,{2001 + i}-01-01,,,L{(i + 1) % n:03d}\n"
        for i in range(n)
    )
    expected = [(2 + i, "replaces_card_no", "replaces_cycle") for i in range(n)]
    _, report = _refused(write(tmp_path, body), _counts(), *expected)
    message = report[(4, "replaces_card_no", "replaces_cycle")]
    assert "L002 → L003 → L004 → L005 → L006 → …（环上共 8 张卡） → L002" in message


def test_card_replaced_by_two_cards_refused(db, tmp_path):
    body = GOOD + f"{P1},张三,employee,310112,A003,,2021-01-01,,,A001\n"
    _refused(write(tmp_path, body), _counts(), (6, "replaces_card_no", "replaced_twice"))


@pytest.mark.parametrize(
    "bank",
    [
        "<script>x</script>",
        "ICBC",
        "工商银行1",
        "工商 银行",
        '"工商银行"',
        "张三",  # no banking institution named
        "银",
        "工商银行（）",
        "工商银行（中国",
        "银行" * 21,
    ],
)
def test_bank_name_outside_register_and_pattern_refused(db, tmp_path, bank):
    text = bank.replace('"', '""')
    body = GOOD + f'{P3},王五,other,310115,C002,"{text}",2011-01-01,,,C001\n'
    result, report = _refused(write(tmp_path, body), _counts(), (6, "bank", "bank_name"))
    assert [(e.row, e.code) for e in result.errors] == [(6, "bank_name")]
    assert "银行" in report[(6, "bank", "bank_name")]
    assert not Organisation.objects.exists()


def test_good_new_bank_names_created_and_register_names_or_codes_matched(world, tmp_path):
    # Born before the cards' issue date (2012): a number's birth date otherwise follows a
    # counter shared by every test, which may place it after 2012 (date_before_birth).
    a, b, c = (resident_number("310112", dt.date(1985, 3, 1)) for _ in range(3))
    body = (
        f"{a},甲,resident,310112,N001,上海农村商业银行股份有限公司,2012-01-01,,,\n"
        f"{b},乙,resident,310112,N002,汇丰银行（中国）有限公司,2012-01-01,,,\n"
        f"{c},丙,resident,310112,N003,BANK1,2012-01-01,,,\n"  # the register's code
    )
    result = import_cards(write(tmp_path, body), acting_user=IMPORTER)
    assert not result.errors, result.errors
    assert sorted(result.banks_created) == [
        "上海农村商业银行股份有限公司",
        "汇丰银行（中国）有限公司",
    ]
    assert Card.objects.get(card_no="N002").bank.name == "汇丰银行（中国）有限公司"
    assert Card.objects.get(card_no="N003").bank == world.bank


def test_a_name_no_printer_prints_is_refused(world, tmp_path):
    from sbk.testing import resident_number

    head = (
        "id_number,name,category,division_code,card_no,bank,issued_on,activated_on,"
        "cancelled_on,replaces_card_no"
    )
    body = f'{resident_number()},"=HYPERLINK(""http://x"",""x"")",resident,310112,N0000001,,2020-01-01,,,'
    path = tmp_path / "names.csv"
    path.write_text(f"{head}\n{body}\n", encoding="utf-8")
    before = Card.objects.count()
    result = import_cards(path, acting_user=IMPORTER)
    assert [(e.field, e.code) for e in result.errors] == [("name", "name_chars")]
    assert Card.objects.count() == before


def test_an_optional_expiry_column_is_kept_and_checked(db, tmp_path):
    """``expires_on`` (有效期至) may come with the file: kept on the card, in the future as a
    validity is; not on or before the issue date. Files without the column import as before
    (``GOOD`` above: no expiry date)."""
    header = HEADER.rstrip("\n") + ",expires_on\n"
    good = tmp_path / "with-expiry.csv"
    good.write_text(
        header
        + f"{P1},张三,employee,310112,A001,工商银行,2020-01-10,,,,2030-01-10\n"
        + f"{P2},李四,resident,320102,B001,,2016-05-05,,,,\n",
        encoding="utf-8",
    )
    assert not import_cards(good, acting_user=IMPORTER).errors
    assert Card.objects.get(card_no="A001").expires_on == dt.date(2030, 1, 10)
    assert Card.objects.get(card_no="B001").expires_on is None
    bad = tmp_path / "bad-expiry.csv"
    bad.write_text(
        header
        + f"{P3},王五,other,310115,C001,,2010-03-03,,,,2010-03-03\n"
        + f"{P3},王五,other,310115,C002,,2012-03-03,,,C001,2022-13-01\n",
        encoding="utf-8",
    )
    _refused(bad, _counts(), (2, "expires_on", "date_order"), (3, "expires_on", "date_format"))
