"""The tables, the scripts' contract, the checks and the stored versions."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from sbk.core.actors import IMPORTER
from sbk.core.errors import ServiceError
from sbk.reports import queries, services
from sbk.reports.models import Report
from sbk.testing import resident_number

pytestmark = pytest.mark.django_db


def _import(tmp_path, rows):
    from sbk.cards.importer import import_cards

    header = "id_number,name,category,division_code,card_no,bank,issued_on,activated_on,cancelled_on,replaces_card_no\n"
    path = tmp_path / "cards.csv"
    path.write_text(header + "\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    result = import_cards(path, acting_user=IMPORTER)
    assert not result.errors, result.errors


@pytest.fixture
def history(world, tmp_path):
    n = [resident_number("310112") for _ in range(5)]
    _import(
        tmp_path,
        [
            [
                n[0],
                "甲一",
                "employee",
                "310000",
                "C001",
                "测试银行",
                "2025-12-20",
                "2026-01-05",
                "",
                "",
            ],
            [n[1], "甲二", "resident", "310112", "C002", "测试银行", "2026-01-10", "", "", ""],
            [n[2], "甲三", "other", "310112", "C003", "", "2026-01-31", "", "", ""],
            [n[3], "甲四", "employee", "310115", "C004", "测试银行", "2026-02-01", "", "", ""],
            [
                n[4],
                "甲五",
                "employee",
                "310115",
                "C005",
                "测试银行",
                "2026-03-15",
                "",
                "2026-03-20",
                "",
            ],
        ],
    )
    return n


def test_monthly_json_contract_from_the_command(history):
    out = io.StringIO()
    call_command(
        "report", "monthly", "--period", "2026-01", "--json", stdout=out, stderr=io.StringIO()
    )
    data = json.loads(out.getvalue())
    assert list(data) == ["period", "rows", "total", "new_cities", "remark"]
    assert data["period"] == "2026-01"
    assert data["rows"] == [
        {"code": "310000", "region": "省本级", "holders": 1, "holders_wan": "0.00"},
        {"code": "310112", "region": "闵行区", "holders": 2, "holders_wan": "0.00"},
    ]
    assert data["total"] == {"holders": 3, "holders_wan": "0.00"}
    assert data["new_cities"] == [{"code": "310112", "name": "闵行区"}]
    assert data["remark"] == "新增发卡城市1个，即闵行区"
    # stored as a submitted version, by the system
    assert Report.objects.get(table=0, period="2026-01").version == 1


def test_monthly_rows_in_division_order_and_a_new_city_per_month(history):
    feb = queries.compute(0, "2026-02", province="310000").figures
    assert [r["code"] for r in feb["rows"]] == ["310000", "310112", "310115"]
    assert feb["remark"] == "新增发卡城市1个，即浦东新区"
    march = queries.compute(0, "2026-03", province="310000").figures
    assert march["new_cities"] == [] and march["remark"] == ""
    assert march["total"]["holders"] == 4  # the March card was cancelled within the month


def test_quarterly_one_categories_items_and_hand_entered_cells(history, world):
    services.enter(
        "2026Q1",
        1,
        {
            ("310112", "terminals"): "12",
            ("310112", "progress"): "召开培训会",
            ("", "filler"): "王五",
        },
        acting_user=world.city_admin,
    )
    f = queries.compute(1, "2026Q1", province="310000").figures
    row = {r["code"]: r for r in f["rows"]}["310112"]
    assert row["holders"] == {"total": 2, "employee": 0, "resident": 1, "other": 1}
    assert row["terminals"] == 12 and set(row["manual"]) == {"terminals", "progress"}
    assert row["items"] == "①"  # the migrated issues are journalled as item ①
    assert f["total"]["holders"]["total"] == 4 and f["filler"] == "王五"
    assert not queries.compute(1, "2026Q1", province="310000").findings


def test_quarterly_four_per_bank(history, world):
    f = queries.compute(4, "2026Q1", province="310000").figures
    (bank,) = f["rows"]
    assert bank["bank_name"] == "测试银行" and bank["holders"] == 3 and bank["activated"] == 1
    assert bank["cities"] == "省本级、闵行区、浦东新区" and bank["cities_count"] == 3
    assert f["total"]["holders"] == 3


def test_quarterly_two_and_three_from_entries(history, world):
    services.enter(
        "2026Q1",
        2,
        {("310112", "catalogue"): "1,2,3", ("310112", "payers"): "1", ("310112", "area"): "①"},
        acting_user=world.city_admin,
    )
    services.enter("2026Q1", 3, {("", "stage"): "④"}, acting_user=world.city_admin)
    f2 = queries.compute(2, "2026Q1", province="310000").figures
    row = {r["code"]: r for r in f2["rows"]}["310112"]
    assert row["open_rate"] == "2.94"  # 3 / 102
    assert row["payer_coverage"] == "50.00" and row["area"] == "①"
    f3 = queries.compute(3, "2026Q1", province="310000").figures
    assert f3["rows"][0]["stage"] == "④" and f3["rows"][0]["stage_names"] == "数据准备及初始化"


def test_a_coverage_over_100_percent_blocks_storing(history, world):
    services.enter("2026Q1", 2, {("310112", "payers"): "5"}, acting_user=world.city_admin)
    result = queries.compute(2, "2026Q1", province="310000")
    assert [(f.code, f.row) for f in result.findings] == [
        ("over_100", "310112"),
        ("over_100", "310000"),
    ]
    with pytest.raises(ServiceError) as exc:
        services.generate(2, "2026Q1", acting_user=world.city_admin, province="310000")
    assert exc.value.code == "report_checks" and not Report.objects.exists()


def test_a_drop_below_last_period_needs_an_explanation(history, world):
    findings = queries.compute(0, "2026-04", province="310000").findings
    assert findings == []
    # cancel a holder in April: April is below March
    from sbk.cards import services as cards
    from sbk.registry.models import Person

    person = Person.objects.get(name="甲四")
    cards.cancel_person(
        person.pk, acting_user=world.city_admin, reason="死亡", cancelled_on=dt.date(2026, 4, 2)
    )
    (finding,) = queries.compute(0, "2026-04", province="310000").findings
    assert finding.code == "below_last_period" and finding.blocking and finding.row == "310115"
    services.enter(
        "2026-04", 0, {("310115", "explanation"): "持卡人死亡注销"}, acting_user=world.city_admin
    )
    (finding,) = queries.compute(0, "2026-04", province="310000").findings
    assert not finding.blocking and "死亡" in finding.message


def test_resubmission_shows_what_changed(history, world):
    first = services.generate(0, "2026-02", acting_user=world.city_admin, province="310000")
    services.enter("2026-02", 0, {("", "phone"): "021-12345678"}, acting_user=world.city_admin)
    second = services.generate(0, "2026-02", acting_user=world.city_admin, province="310000")
    assert (first.version, second.version) == (1, 2)
    assert second.changes == [{"path": "phone", "old": "", "new": "021-12345678"}]
    assert second.generated_by == world.city_admin and second.phone == "021-12345678"


def test_bad_input_names_the_field(world):
    for table, period, field in (
        (0, "2026Q1", "period"),
        (1, "2026-01", "period"),
        (7, "2026-01", "table"),
        (0, "2999-01", "period"),
    ):
        with pytest.raises(ServiceError) as exc:
            queries.compute(table, period, province="310000")
        assert exc.value.field == field
    with pytest.raises(ServiceError) as exc:
        services.enter("2026Q1", 1, {("310112", "terminals"): "十二"}, acting_user=world.city_admin)
    assert exc.value.field == "terminals"
    with pytest.raises(ServiceError):
        services.enter("2026Q1", 1, {("310112", "salary"): "1"}, acting_user=world.city_admin)


def test_due_command_shows_provisional_deadline_in_unknown_year(history):
    out, err = io.StringIO(), io.StringIO()
    call_command("report", "due", "--from", "2026-12-10", "--json", stdout=out, stderr=err)
    data = json.loads(out.getvalue())
    monthly, quarterly = data["next"]
    assert (monthly["period"], monthly["due"], monthly["provisional"]) == (
        "2026-12",
        "2027-01-04",
        True,
    )
    assert (quarterly["period"], quarterly["due"], quarterly["provisional"]) == (
        "2026Q4",
        "2027-01-04",
        True,
    )
    assert "暂定" in monthly["warning"]
    late = {row["period"] for row in data["late"]}
    assert "2026-11" in late and "2026Q3" in late  # nothing stored: overdue
    assert "2025-11" not in late  # before the first card: nothing to report
    call_command("report", "due", "--from", "2027-01-01", stdout=out, stderr=err)
    assert "暂定" in err.getvalue() and "2027" in err.getvalue()


def test_rebuild_counts_command(history):
    out = io.StringIO()
    call_command("report", "rebuild-counts", stdout=out)
    assert "已重建" in out.getvalue()
    assert queries.compute(0, "2026-02", province="310000").figures["total"]["holders"] == 4


def test_quarterly_one_and_two_list_every_district_of_the_province(history, world):
    """ "本表填报省内全部地市情况": a region with no card yet is a row with zeros; the monthly
    table lists only regions that have issued cards."""
    for table in (1, 2):
        rows = queries.compute(table, "2026Q1", province="310000").figures["rows"]
        codes = [r["code"] for r in rows]
        assert codes[0] == "310000" and codes[1:] == sorted(codes[1:])
        assert {"310112", "310115", "310101", "310151"} <= set(codes)  # 黄浦, 崇明: no cards
        empty = next(r for r in rows if r["code"] == "310101")
        assert empty["holders"] == (
            {"total": 0, "employee": 0, "resident": 0, "other": 0} if table == 1 else 0
        )
    monthly = queries.compute(0, "2026-03", province="310000").figures["rows"]
    assert "310101" not in {r["code"] for r in monthly}
