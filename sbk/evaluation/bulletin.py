"""The quarterly bulletin (每季度通报) as files: charts (PNG), PDF and XLSX.

Charts are drawn by matplotlib with the Agg backend (no display) in Debian's
``fonts-wqy-microhei`` for the Chinese text; where that font is missing the charts still
render (in DejaVu, the Chinese as boxes) and ``font_note()`` says so on the page. The PDF is
matplotlib's ``PdfPages`` (text pages drawn as figures: no other PDF library, no network);
the XLSX is openpyxl with the charts as pictures.
"""

from __future__ import annotations

import io
import textwrap
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib import pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
)
FONT_NAME = "WenQuanYi Micro Hei"


@cache
def chinese_font() -> str | None:
    """Register the WenQuanYi font once; its family name, or None when it is not there."""
    for name in FONT_FILES:
        if Path(name).is_file():
            font_manager.fontManager.addfont(name)
            return FONT_NAME
    return None


def font_note() -> str:
    return "" if chinese_font() else "未安装中文字体 fonts-wqy-microhei：图表中的中文可能无法显示。"


def _style():
    family = chinese_font()
    return {
        "font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
        "axes.unicode_minus": False,
        "pdf.fonttype": 42,
    }


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def bar_figure(data: dict):
    rows = [r for _, section in data["sections"] for r in section]
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(rows) + 2), 3.6))
        names = [r["org"].name for r in rows]
        ax.bar(range(len(rows)), [r["total"] for r in rows], color="#3b6ea5")
        ax.set_xticks(range(len(rows)), names, rotation=45, ha="right", fontsize=8)
        ax.set_ylabel("总分")
        ax.set_title(f"{data['period'].label} 各区、服务银行总分")
        for n, r in enumerate(rows):
            ax.text(n, r["total"], f"{r['total']:g}", ha="center", va="bottom", fontsize=7)
    return fig


def trend_figure(data: dict):
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7, 3.6))
        # As a share of each item's maximum, so that a 5-point item and a 40-point one
        # share an axis.
        for code, label, top in data["items"]:
            shares = [None if p is None or not top else 100 * p / top for p in data["trend"][code]]
            ax.plot(data["quarters"], shares, marker="o", label=label)
        ax.set_ylabel("平均得分率（%）")
        ax.set_ylim(0, 105)
        ax.set_title("各评估项目平均得分率走势")
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1, 0.5))
    return fig


def charts(data: dict) -> dict[str, bytes]:
    """``{"bars": png, "trend": png}``."""
    return {"bars": _png(bar_figure(data)), "trend": _png(trend_figure(data))}


def _signed(x) -> str:
    return "—" if x is None else f"{x:+g}"


def _text_page(pdf, title: str, lines: list[str]):
    with plt.rc_context(_style()):
        fig = plt.figure(figsize=(8.27, 11.69))  # A4
        fig.text(0.06, 0.96, title, fontsize=13, va="top")
        y = 0.93
        for line in lines:
            for piece in textwrap.wrap(line, 58) or [""]:
                if y < 0.04:
                    pdf.savefig(fig)
                    plt.close(fig)
                    fig = plt.figure(figsize=(8.27, 11.69))
                    y = 0.96
                fig.text(0.06, y, piece, fontsize=8.5, va="top")
                y -= 0.018
        pdf.savefig(fig)
        plt.close(fig)


def pdf(data: dict) -> bytes:
    buf = io.BytesIO()
    with PdfPages(buf) as out:
        ranking = [f"评估规则：{data['rules'].version}（{data['rules'].sha256[:12]}）"]
        ranking += [f"提示：{w}" for w in data["warnings"]]
        if note := font_note():
            ranking.append(note)
        for label, rows in data["sections"]:
            ranking.append("")
            ranking.append(f"【{label}排名】")
            for r in rows:
                hand = "（含人工录入）" if r["hand"] else ""
                ranking.append(
                    f"{r['rank']}. {r['org'].name}  {r['total']:g} 分  "
                    f"较上期 {_signed(r['change'])}{hand}"
                )
        _text_page(out, data["title"], ranking)
        for make in (bar_figure, trend_figure):
            fig = make(data)
            out.savefig(fig, bbox_inches="tight")
            plt.close(fig)
        for _, rows in data["sections"]:
            for r in rows:
                lines = [f"总分 {r['total']:g}（较上期 {_signed(r['change'])}）", ""]
                for i in r["items"]:
                    lines.append(
                        f"{i['label']}：{i['points']:g}/{i['max']:g} 分"
                        f"（较上期 {_signed(i['change'])}）"
                    )
                    lines.append(f"    {i['explain']}")
                _text_page(out, f"{r['rank']}. {r['org'].name}", lines)
        info = out.infodict()
        info["Title"] = data["title"]
        info["Creator"] = "sbk"
    return buf.getvalue()


def _row(ws, values: list) -> None:
    """Append a row whose text cells are explicit strings: openpyxl then never writes one
    as a formula, however an organisation's name begins."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

    cells = []
    for value in values:
        cell = Cell(
            ws,
            value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value,
        )
        if isinstance(value, str):
            cell.data_type = "s"
        cells.append(cell)
    ws.append(cells)


def xlsx(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "排名"
    _row(ws, [data["title"]])
    ws["A1"].font = Font(bold=True, size=13)
    _row(ws, [f"评估规则：{data['rules'].version}（{data['rules'].sha256[:12]}）"])
    for w in data["warnings"]:
        _row(ws, [f"提示：{w}"])
    head = ["类别", "名次", "机构代码", "名称", "总分", "较上期"]
    head += [f"{label}（{top:g}）" for _, label, top in data["items"]]
    _row(ws, head)
    for label, rows in data["sections"]:
        for r in rows:
            _row(
                ws,
                [label, r["rank"], r["org"].code, r["org"].name, r["total"], r["change"]]
                + [i["points"] for i in r["items"]],
            )
    detail = wb.create_sheet("明细")
    detail.append(["名称", "项目", "满分", "得分", "较上期", "人工录入", "计分依据"])
    for _, rows in data["sections"]:
        for r in rows:
            for i in r["items"]:
                _row(
                    detail,
                    [
                        r["org"].name,
                        i["label"],
                        i["max"],
                        i["points"],
                        i["change"],
                        "、".join(i["hand_entered"]) or "",
                        i["explain"],
                    ],
                )
    detail.column_dimensions["G"].width = 100
    for cell in detail["G"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    pictures = wb.create_sheet("图表")
    for anchor, png in zip(("A1", "A24"), charts(data).values(), strict=True):
        pictures.add_image(Image(io.BytesIO(png)), anchor)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
