"""GB/T 2260 table parsed from python-stdnum's loc.dat (pure, no Django)."""

from __future__ import annotations

import pytest

from sbk.divisions.table import DivisionRecord, DivisionTable, load_table, parse_table


@pytest.fixture(scope="module")
def table() -> DivisionTable:
    return load_table()


def test_load_table_is_cached(table):
    assert load_table() is table
    assert len(table) > 6000


def test_abolished_county_612501(table):
    assert table.exists("612501")
    assert table.records("612501") == [
        DivisionRecord("612501", "商州市", "county", "612500", 1988, 2001)
    ]
    assert table.records("612500") == [
        DivisionRecord("612500", "商洛地区", "prefecture", "610000", None, 2001)
    ]
    assert table.records("610000") == [
        DivisionRecord("610000", "陕西省", "province", None, None, None)
    ]
    assert table.full_name("612501") == "陕西省商洛地区商州市"
    assert table.chain("612501") == ["610000", "612500", "612501"]


def test_successor_611000(table):
    (record,) = table.records("611000")
    assert (record.name, record.level, record.valid_from, record.valid_to) == (
        "商洛市",
        "prefecture",
        2001,
        None,
    )
    assert table.is_current(record)
    assert not table.is_current(table.records("612501")[0])
    assert table.full_name("611002") == "陕西省商洛市商州区"


def test_name_by_year(table):
    assert table.name("612501") == "商州市"
    assert table.name("612501", 1990) == "商州市"
    assert table.name("612501", 1985) is None
    assert table.name("612501", 2001) == "商州市"  # both ends inclusive
    assert table.name("612501", 2002) is None
    assert table.name("999999") is None


def test_reused_code_keeps_every_period_newest_first(table):
    records = table.records("120110")
    assert [(r.name, r.valid_from, r.valid_to) for r in records] == [
        ("东丽区", 1992, None),
        ("东郊区", None, 1991),
    ]
    assert table.name("120110", 1990) == "东郊区"
    assert table.name("120110") == "东丽区"
    assert table.full_name("120110", 1990) == "天津市东郊区"
    assert table.full_name("120110") == "天津市东丽区"


def test_full_name_falls_back_to_the_nearest_period(table):
    # 612501 ended in 2001; asked for 2010 it still gets its last name.
    assert table.full_name("612501", 2010) == "陕西省商洛地区商州市"


def test_province_is_not_duplicated_by_its_0000_line(table):
    assert len(table.records("110000")) == 1
    assert len([r for r in table.all() if r.code == "610000"]) == 1
    hong_kong = table.records("810000")
    assert [(r.name, r.valid_from) for r in hong_kong] == [("香港特别行政区", 1997)]
    assert table.records("500000")[0].valid_from == 1997  # 重庆市 [1997-]


def test_grouping_entries(table):
    (record,) = table.records("110100")
    assert (record.name, record.level, record.parent) == ("市辖区", "prefecture", "110000")
    assert table.records("110105")[0].parent == "110100"
    assert table.full_name("110105") == "北京市朝阳区"  # "市辖区" left out
    assert table.full_name("110100") == "北京市市辖区"  # but kept for the code itself


def test_county_directly_under_a_province(table):
    # Hainan's early county-level cities were coded 4600xx, directly under the province.
    records = table.records("460001")
    assert records and all(r.parent == "460000" and r.level == "county" for r in records)
    assert table.chain("460001") == ["460000", "460001"]


def test_exists_and_unknown_codes(table):
    assert table.exists("110105")
    assert not table.exists("999999")
    assert table.records("999999") == []
    assert table.full_name("999999") is None
    assert table.chain("999999") == []


def test_all_is_ordered_and_levels_are_consistent(table):
    records = table.all()
    assert [r.code for r in records] == sorted(r.code for r in records)
    for record in records:
        assert len(record.code) == 6 and record.code.isdigit()
        if record.code.endswith("0000"):
            assert record.level == "province" and record.parent is None
        elif record.code.endswith("00"):
            assert record.level == "prefecture" and record.parent == record.code[:2] + "0000"
        else:
            assert record.level == "county" and record.parent in table


SAMPLE = """\
# comment
61 province="陕西省"
  0000 county="陕西省"
  0100 county="西安市"
  0101 county="[1983-]市辖区"
  2500 county="[-2001]商洛地区"
  2501 county="[1988-2001]商州市"
  9001 county="[1990-1995]甲县,[1996-]乙市"
50 province="[1997-]重庆市"
  0101 county="[1997-]万州区"
"""


def test_parse_synthetic_table():
    table = parse_table(SAMPLE.splitlines())
    assert table.codes() == [
        "500000",
        "500101",
        "610000",
        "610100",
        "610101",
        "612500",
        "612501",
        "619001",
    ]
    # A province without a "0000" line takes its period from the province line.
    assert table.records("500000") == [
        DivisionRecord("500000", "重庆市", "province", None, 1997, None)
    ]
    # Its county has no prefecture entry, so hangs under the province.
    assert table.records("500101")[0].parent == "500000"
    assert table.records("619001")[0].parent == "610000"
    assert [r.name for r in table.records("619001")] == ["乙市", "甲县"]
    assert table.name("619001", 1993) == "甲县"
    assert table.full_name("612501") == "陕西省商洛地区商州市"
    assert len(table.all()) == 9


def test_parse_rejects_garbage():
    with pytest.raises(ValueError, match="line 2"):
        parse_table(['11 province="北京市"', "nonsense"])
