"""The XLSX forms rendered by LibreOffice read like the ministry's forms (seed 003).

Each table is converted to PDF (``libreoffice --headless --convert-to pdf``) and its page to
PNG (``pdftoppm``); the PDF's text must carry the form's parts in order. The PNGs land in
``SBK_REPORT_RENDER_DIR`` when set (to look at them), else in the test's temporary directory.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from sbk.reports import exports, queries, services
from sbk.reports.tests.test_tables import history  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("libreoffice") is None or shutil.which("pdftoppm") is None,
        reason="LibreOffice or poppler-utils is not installed (scripts/test-services installs both)",
    ),
]


def _render(xlsx: bytes, name: str, out: Path) -> tuple[str, Path]:
    src = out / f"{name}.xlsx"
    src.write_bytes(xlsx)
    profile = out / "lo-profile"  # a profile of the test's own: runs never share a lock
    subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pdf = out / f"{name}.pdf"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf), str(out / name)],
        check=True,
        timeout=60,
    )
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    return "".join(text.split()), next(out.glob(f"{name}-*1.png"))


def test_monthly_and_quarterly_forms_render_like_the_seed(history, world, tmp_path):  # noqa: F811
    out = Path(os.environ.get("SBK_REPORT_RENDER_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    services.enter(
        "2026-01",
        0,
        {("", "filler"): "王五", ("", "phone"): "021-12345678", ("", "responsible"): "赵六"},
        acting_user=world.city_admin,
    )
    services.enter("2026Q1", 1, {("310112", "terminals"): "12"}, acting_user=world.city_admin)
    monthly = queries.compute(0, "2026-01", province="310000").figures
    text, png = _render(exports.xlsx(monthly), "monthly", out)
    assert "2026年1月" in text
    order = [
        "社会保障卡发行情况月调度表",
        "填报单位：市卡中心",
        "序号",
        "行政区划代码",
        "累计持卡人数（万人）",
        "省本级",
        "闵行区",
        "合计",
        "备注：新增发卡城市1个，即闵行区",
        "填报人：王五",
        "联系电话：021-12345678",
        "负责人签名：赵六",
    ]
    positions = [text.find(part) for part in order]
    assert all(p >= 0 for p in positions), [
        o for o, p in zip(order, positions, strict=True) if p < 0
    ]
    assert positions == sorted(positions), "the form's parts are out of order"
    assert png.stat().st_size > 5000
    q1 = queries.compute(1, "2026Q1", province="310000").figures
    text, png = _render(exports.xlsx(q1), "quarterly1", out)
    for part in (
        "社会保障卡工作情况季调度表（一）",
        "累计持卡人数（万人）",
        "城镇职工",
        "城乡居民",
        "可受理社保卡读写终端累计数量",
        "服务事项",
        "服务渠道",
        "工作进展",
        "全省",
        "底纹单元格为人工填报",
    ):
        assert part in text, part
    q4 = queries.compute(4, "2026Q1", province="310000").figures
    text, _ = _render(exports.xlsx(q4), "quarterly4", out)
    for part in ("具有金融功能的社会保障卡发行情况", "合作地市名称", "测试银行", "合计"):
        assert part in text, part
