"""The quarterly tables (二) and (四) read card usage (sbk.usage); an entered cell still wins."""

import pytest

from sbk.reports import tables
from sbk.reports.models import Entry
from sbk.reports.periods import Period
from sbk.usage.tests.helpers import Place, cards, load

pytestmark = pytest.mark.django_db
Q1 = Period.parse("2026Q1")


@pytest.fixture
def used(db, tmp_path):
    place = Place()
    cards(
        tmp_path,
        [
            ("SC0000001", "310112", "测试银行", "2026-01-05"),
            ("SC0000002", "310115", "测试银行", "2026-02-01"),
            ("SC0000003", "310112", "", "2026-01-10"),
        ],
    )
    load(
        [
            ("SC0000001", "2026-03-01 10:00", "pay_medical", "120", "", "310112", "r1"),
            ("SC0000001", "2026-03-02 10:00", "transport", "2", "", "440300", "r2"),
            ("SC0000002", "2026-03-03 10:00", "benefit", "900", "", "310112", "r3"),
            ("SC0000003", "2026-03-04 10:00", "pay_pension", "300", "", "310115", "r4"),
            ("SC0000003", "2026-04-04 10:00", "benefit", "50", "", "310112", "later"),
        ]
    )
    return place


def _row(table, code):
    return next(r for r in table["rows"] if r["code"] == code)


def test_table_2_reads_payers_beneficiaries_and_areas_from_usage(used):
    t = tables.quarterly_2(Q1, "310000")
    a, b = _row(t, "310112"), _row(t, "310115")
    assert (a["holders"], a["payers"], a["beneficiaries"]) == (2, 2, 0)
    assert a["payer_coverage"] == "100.00"
    assert (b["payers"], b["beneficiaries"]) == (0, 1)
    assert a["area"] == "①，②" and "交通出行" in a["cross_fields"] and a["manual"] == []
    assert (t["total"]["payers"], t["total"]["beneficiaries"]) == (2, 1)


def test_an_entered_cell_overrides_the_usage_figure(used):
    Entry.objects.create(period="2026Q1", table=2, row="310112", column="payers", value="7")
    Entry.objects.create(period="2026Q1", table=2, row="310112", column="area", value="3")
    a = _row(tables.quarterly_2(Q1, "310000"), "310112")
    assert a["payers"] == 7 and a["area"] == "③" and {"payers", "area"} <= set(a["manual"])


def test_table_4_reads_the_bank_record_and_its_payers(used):
    t = tables.quarterly_4(Q1, "310000")
    row = next(r for r in t["rows"] if r["bank"] == used.bank.pk)
    assert row["bank_name"] == "测试银行股份有限公司"
    assert row["cities"].startswith("省本级") and row["cities_count"] == 3  # record + holders
    assert (row["payers"], row["beneficiaries"]) == (1, 1)
