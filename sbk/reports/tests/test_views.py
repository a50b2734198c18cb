"""Console pages: due list, a table as the form shows it, downloads, entering, storing."""

import io

import pytest
from openpyxl import load_workbook

from sbk.reports.models import Entry, Report
from sbk.testing import login

pytestmark = pytest.mark.django_db


def test_index_shows_provisional_deadline_and_late_reports(client, world):
    from sbk.cards.tests.helpers import issued_card

    issued_card(world)
    login(client, world.city_admin)
    r = client.get("/reports/?from=2026-12-10")
    text = r.content.decode()
    assert r.status_code == 200 and "暂定" in text and "2027-01-04" in text and "逾期未报" in text


def test_table_page_enter_store_and_download(client, world):
    login(client, world.city_admin)
    r = client.get("/reports/table/?table=1&period=2026Q1")
    assert r.status_code == 200 and "社会保障卡工作情况季调度表（一）" in r.content.decode()
    r = client.post(
        "/reports/table/enter/",
        {"table": 1, "period": "2026Q1", "row": "", "column": "filler", "value": "王五"},
    )
    assert r.status_code == 302 and Entry.objects.get(column="filler").value == "王五"
    r = client.post("/reports/table/generate/", {"table": 1, "period": "2026Q1"})
    assert r.status_code == 302 and Report.objects.get(table=1).filler == "王五"
    r = client.get("/reports/table/download/?table=1&period=2026Q1&fmt=xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["A1"].value == "社会保障卡工作情况季调度表（一）"
    assert "C3:F3" in {str(m) for m in ws.merged_cells.ranges}  # 累计持卡人数 over four columns
    r = client.get("/reports/table/download/?table=0&period=2026-01&fmt=csv")
    assert r.content.decode("utf-8-sig").startswith("序号,行政区划代码,地区,累计持卡人数（万人）")


def test_other_roles_cannot_read_the_tables(client, world):
    login(client, world.operator_a)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/table/?table=0&period=2026-01").status_code == 403


def test_holiday_page_warns_about_an_unknown_year(client, world):
    login(client, world.city_admin)
    r = client.get("/holidays/?year=2027")
    assert r.status_code == 200 and 'data-testid="unknown-year"' in r.content.decode()
    r = client.get("/holidays/?year=2026")
    assert "国庆节" in r.content.decode()
