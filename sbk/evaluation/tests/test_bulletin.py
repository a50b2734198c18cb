"""The quarterly bulletin: ranking, change from last quarter, charts, PDF and XLSX, the
console page and who may see it."""

import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.evaluation import bulletin, queries, services
from sbk.testing import login


@pytest.fixture
def two_quarters(small):
    services.enter_figure(small.pudong, "2026Q1", "featured_work", 2, acting_user=SYSTEM)
    services.run_period("2026Q1", acting_user=SYSTEM)
    services.enter_figure(small.pudong, "2026Q2", "featured_work", 5, acting_user=SYSTEM)
    services.enter_figure(small.minhang, "2026Q2", "liable_complaints", 1, acting_user=SYSTEM)
    services.run_period("2026Q2", acting_user=SYSTEM)
    return small


def test_ranking_and_change_from_last_quarter(two_quarters):
    data = queries.bulletin("2026Q2")
    (districts_label, districts), (banks_label, banks) = data["sections"]
    assert (districts_label, banks_label) == ("区", "服务银行")
    assert [r["org"].code for r in districts] == ["DB", "DA"]
    assert [r["rank"] for r in districts] == [1, 2]
    pudong, minhang = districts
    assert pudong["change"] == 3 and pudong["hand"]
    featured = next(i for i in pudong["items"] if i["item"] == "featured")
    assert (featured["points"], featured["change"]) == (5, 3)
    complaints = next(i for i in minhang["items"] if i["item"] == "complaints")
    assert (complaints["points"], complaints["change"]) == (0, -5)
    assert banks[0]["org"].code == "BANK1"
    assert data["quarters"] == ["2026Q1", "2026Q2"]
    assert data["trend"]["featured"] == [round(2 / 3, 2), round(5 / 3, 2)]


def test_no_scorecards_no_bulletin(small):
    with pytest.raises(ServiceError) as refused:
        queries.bulletin("2026Q3")
    assert refused.value.code == "no_scorecards"


def test_the_files_are_valid_pdf_and_xlsx_with_charts(two_quarters, tmp_path):
    data = queries.bulletin("2026Q2")
    pngs = bulletin.charts(data)
    assert all(png.startswith(b"\x89PNG") for png in pngs.values())
    pdf = PdfReader(io.BytesIO(bulletin.pdf(data)))
    assert len(pdf.pages) >= 3 and pdf.metadata.title == data["title"]
    book = load_workbook(io.BytesIO(bulletin.xlsx(data)))
    assert book.sheetnames == ["排名", "明细", "图表"]
    assert len(book["图表"]._images) == 2
    names = [row[3] for row in book["排名"].iter_rows(values_only=True) if row[1] == 1]
    assert names == ["浦东新区", "测试银行"]
    out = tmp_path / "b.xlsx"
    call_command(
        "evaluate", "bulletin", "--period", "2026Q2", "--output", str(out), stdout=io.StringIO()
    )
    assert load_workbook(out).sheetnames[0] == "排名"


def test_the_chinese_font_is_used_when_installed():
    if bulletin.chinese_font() is None:
        assert "fonts-wqy-microhei" in bulletin.font_note()
    else:
        assert bulletin.font_note() == ""


def test_console_page_and_downloads(client, two_quarters):
    login(client, two_quarters.city)
    page = client.get("/evaluation/?period=2026Q2")
    assert page.status_code == 200
    text = page.content.decode()
    assert "2026年第2季度社会保障卡工作评估通报" in text and "data:image/png;base64," in text
    assert "人工录入" in text and "评估通报" in text  # the nav link too
    got = client.get("/evaluation/?period=2026Q2&format=pdf")
    assert got["Content-Type"] == "application/pdf" and got.content.startswith(b"%PDF")
    assert queries.latest_period() == "2026Q2"  # what /evaluation/ shows without ?period=


def test_districts_do_not_see_the_bulletin(client, two_quarters):
    login(client, two_quarters.admin_a)
    assert client.get("/evaluation/?period=2026Q2").status_code == 403
    assert client.get("/evaluation/figures/").status_code == 403


def test_the_auditor_reads_but_does_not_enter(client, small):
    login(client, small.auditor)
    assert client.get("/evaluation/figures/").status_code == 200
    form = {"org": "DA", "period": "2026Q1", "key": "featured_work", "value": "3"}
    assert client.post("/evaluation/figures/enter/", form).status_code == 403


def test_hand_entry_form(client, small):
    login(client, small.city)
    bad = client.post(
        "/evaluation/figures/enter/",
        {"org": "DA", "period": "2026Q1", "key": "photos_collected", "value": "很多"},
    )
    assert bad.status_code == 400 and "应为非负整数" in bad.content.decode()
    ok = client.post(
        "/evaluation/figures/enter/",
        {
            "org": "DA",
            "period": "2026Q1",
            "key": "questionnaire_score",
            "value": "95",
            "note": "现场",
        },
    )
    assert ok.status_code == 302
    assert (
        "questionnaire_score" in client.get("/evaluation/figures/?period=2026Q1").content.decode()
    )
