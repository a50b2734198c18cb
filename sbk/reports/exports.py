"""The tables as files: XLSX laid out like the ministry's forms (title, 填报单位, period,
header rows with merged cells as in seed 003, the 填报人/联系电话/负责人签名 footer), CSV, JSON.

Cells the centre entered by hand are shaded and listed under the table (人工填报).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from sbk.exports.writers import neutralise as safe_cell  # formula-safe cells (issue 23)

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MANUAL_FILL = PatternFill("solid", fgColor="FFF2CC")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def _num(text):
    return float(Decimal(text)) if text not in (None, "") else None


# Each layout: column widths, header cells (row, col, text, rows, cols) on a 1-based grid
# of header rows, and a function from a figures row to its cells (value, manual column).
def _monthly(f):
    head = [
        (1, 1, "序号", 1, 1),
        (1, 2, "行政区划代码", 1, 1),
        (1, 3, "地区", 1, 1),
        (1, 4, "累计持卡人数（万人）", 1, 1),
    ]
    rows = [
        [(i, None), (r["code"], None), (r["region"], None), (_num(r["holders_wan"]), None)]
        for i, r in enumerate(f["rows"], start=1)
    ]
    total = [("合计", None), ("", None), ("", None), (_num(f["total"]["holders_wan"]), None)]
    return [8, 16, 20, 24], head, rows, total, 3


def _q1(f):
    other = "其他" + (f"（{f['other_categories']}）" if f.get("other_categories") else "")
    head = [
        (1, 1, "行政区划代码", 2, 1),
        (1, 2, "地区", 2, 1),
        (1, 3, "累计持卡人数（万人）", 1, 4),
        (2, 3, "总数", 1, 1),
        (2, 4, "城镇职工", 1, 1),
        (2, 5, "城乡居民", 1, 1),
        (2, 6, other, 1, 1),
        (1, 7, "可受理社保卡读写终端累计数量", 2, 1),
        (1, 8, "服务情况", 1, 2),
        (2, 8, "服务事项", 1, 1),
        (2, 9, "服务渠道", 1, 1),
        (1, 10, "工作进展", 2, 1),
    ]

    def cells(r):
        w = r["holders_wan"]
        return [
            (r["code"], None),
            (r["region"], None),
            (_num(w["total"]), None),
            (_num(w["employee"]), None),
            (_num(w["resident"]), None),
            (_num(w["other"]), None),
            (r["terminals"], "terminals"),
            (r["items"], "items"),
            (r["channels"], "channels"),
            (r["progress"], "progress"),
        ]

    return (
        [14, 14, 10, 10, 10, 14, 14, 22, 24, 30],
        head,
        [cells(r) for r in f["rows"]],
        cells(f["total"]),
        0,
    )


def _q2(f):
    head = [
        (1, 1, "行政区划代码", 2, 1),
        (1, 2, "地区", 2, 1),
        (1, 3, "应用目录开通率（%）", 2, 1),
        (1, 4, "持卡缴费人群覆盖率（%）", 2, 1),
        (1, 5, "持卡领取待遇人群覆盖率（%）", 2, 1),
        (1, 6, "本地应用情况", 1, 1),
        (1, 7, "跨地区应用情况", 1, 2),
        (2, 6, "业务领域", 1, 1),
        (2, 7, "使用地域", 1, 1),
        (2, 8, "业务领域", 1, 1),
    ]

    def cells(r):
        return [
            (r["code"], None),
            (r["region"], None),
            (_num(r["open_rate"]), "catalogue"),
            (_num(r["payer_coverage"]), "payers"),
            (_num(r["benefit_coverage"]), "beneficiaries"),
            (r["local_fields"], "local_fields"),
            (r["area"], "area"),
            (r["cross_fields"], "cross_fields"),
        ]

    return (
        [14, 14, 14, 16, 18, 26, 16, 26],
        head,
        [cells(r) for r in f["rows"]],
        cells(f["total"]),
        0,
    )


def _q3(f):
    head = [
        (1, 1, "行政区划代码", 1, 1),
        (1, 2, "地区", 1, 1),
        (1, 3, "省级持卡库建设总体进度", 1, 1),
        (1, 4, "数据准备及初始化情况", 1, 1),
        (1, 5, "业务系统接入情况", 1, 1),
        (1, 6, "下一季度工作安排", 1, 1),
    ]
    rows = [
        [
            (r["code"], None),
            (r["region"], None),
            (r["stage"], "stage"),
            (r["data_prep"], "data_prep"),
            (r["integration"], "integration"),
            (r["next_plan"], "next_plan"),
        ]
        for r in f["rows"]
    ]
    return [14, 10, 20, 36, 36, 30], head, rows, None, 0


def _q4(f):
    head = [
        (1, 1, "序号", 2, 1),
        (1, 2, "银行名称", 2, 1),
        (1, 3, "具有金融功能的社会保障卡发行情况", 1, 4),
        (2, 3, "累计持卡人数（万人）", 1, 1),
        (2, 4, "已激活金融功能的社会保障卡持卡人数（万人）", 1, 1),
        (2, 5, "合作地市数量", 1, 1),
        (2, 6, "合作地市名称", 1, 1),
        (1, 7, "其他方式加载金融功能的社会保障卡持卡人数（万人）", 2, 1),
        (1, 8, "备注", 2, 1),
    ]
    rows = [
        [
            (r["no"], None),
            (r["bank_name"], None),
            (_num(r["holders_wan"]), None),
            (_num(r["activated_wan"]), None),
            (r["cities_count"], None),
            (r["cities"], None),
            (_num(r["other_wan"]), "other_holders"),
            (r["remark"], "remark"),
        ]
        for r in f["rows"]
    ]
    t = f["total"]
    total = [
        ("合计", None),
        ("", None),
        (_num(t["holders_wan"]), None),
        (_num(t["activated_wan"]), None),
        (t["cities_count"], None),
        ("", None),
        (_num(t["other_wan"]), None),
        ("", None),
    ]
    return [6, 24, 14, 18, 10, 30, 18, 14], head, rows, total, 2


LAYOUTS = {0: _monthly, 1: _q1, 2: _q2, 3: _q3, 4: _q4}


def _period_text(f) -> str:
    return f["period_label"]


def xlsx(figures: dict) -> bytes:
    table = figures["table"]
    widths, head, rows, total, total_merge = LAYOUTS[table](figures)
    manual_rows = [r.get("manual", []) for r in figures["rows"]]
    n = len(widths)
    last = get_column_letter(n)
    wb = Workbook()
    ws = wb.active
    ws.title = figures["title"][-4:] if table else "月调度表"
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = figures["title"]
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = CENTRE
    ws.row_dimensions[1].height = 30
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n - 1)
    unit = ws.cell(2, 1, safe_cell(f"填报单位：{figures['unit']}"))
    unit.alignment = Alignment(horizontal="left", vertical="center")
    ws.cell(2, n, _period_text(figures)).alignment = Alignment(horizontal="right")
    ws.row_dimensions[2].height = 20
    top = 3
    depth = max(r + rs - 1 for r, _, _, rs, _ in head)
    for r, c, text, rs, cs in head:
        row = top + r - 1
        if rs > 1 or cs > 1:
            ws.merge_cells(
                start_row=row, start_column=c, end_row=row + rs - 1, end_column=c + cs - 1
            )
        cell = ws.cell(row, c, text)
        cell.font = Font(bold=True)
        cell.alignment = CENTRE
    for row in range(top, top + depth):
        for col in range(1, n + 1):
            ws.cell(row, col).border = BOX
    # Wrapped header text needs room: lines ≈ characters × 2 / the merged width (a CJK
    # character is about two width units), spread over the rows the cell spans.
    lines = [1] * depth
    for r, c, text, rs, cs in head:
        width = sum(widths[c - 1 : c - 1 + cs])
        need = -(-len(text) * 2 // max(width - 1, 1))
        per_row = -(-need // rs)
        for k in range(r - 1, r - 1 + rs):
            lines[k] = max(lines[k], per_row)
    for k, count in enumerate(lines):
        ws.row_dimensions[top + k].height = 16 * count + 4
    row = top + depth
    for cells, manual in zip(rows, manual_rows, strict=False):
        for col, (value, key) in enumerate(cells, start=1):
            cell = ws.cell(row, col, safe_cell(value) if isinstance(value, str) else value)
            cell.border = BOX
            cell.alignment = CENTRE if not isinstance(value, str) or len(value) < 12 else LEFT
            if isinstance(value, float):
                cell.number_format = "0.00"
            if key is not None and key in manual:
                cell.fill = MANUAL_FILL
                cell.comment = Comment("人工填报", "sbk")
        row += 1
    if total is not None:
        for col, (value, _) in enumerate(total, start=1):
            cell = ws.cell(row, col, value)
            cell.border = BOX
            cell.font = Font(bold=True)
            cell.alignment = CENTRE
            if isinstance(value, float):
                cell.number_format = "0.00"
        if total_merge > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=total_merge)
        row += 1
    if table == 0:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=n)
        cell = ws.cell(row, 1, safe_cell(f"备注：{figures['remark']}"))
        cell.alignment = LEFT
        for col in range(1, n + 1):
            ws.cell(row, col).border = BOX
        row += 1
    if any(manual_rows):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=n)
        ws.cell(row, 1, "注：底纹单元格为人工填报（sbk 未记录的数据，由卡中心按期录入）")
        ws.cell(row, 1).font = Font(size=9, italic=True)
        row += 1
    row += 1
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=n)
    footer = (
        f"填报人：{figures.get('filler') or '________'}　　"
        f"联系电话：{figures.get('phone') or '________'}　　"
        f"负责人签名：{figures.get('responsible') or '________'}"
    )
    ws.cell(row, 1, safe_cell(footer)).alignment = LEFT
    ws.page_setup.orientation = "landscape" if n > 4 else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(figures: dict) -> bytes:
    """One header row (the form's columns, flattened), the rows, the total row; UTF-8 BOM."""
    _, head, rows, total, _ = LAYOUTS[figures["table"]](figures)
    depth = max(r + rs - 1 for r, _, _, rs, _ in head)
    names: dict[int, list[str]] = {}
    for r, c, text, rs, cs in sorted(head):
        for col in range(c, c + cs):
            if r + rs - 1 == depth or cs == 1:
                names.setdefault(col, []).append(text)
            else:
                names.setdefault(col, []).append(text)
    header = ["/".join(dict.fromkeys(names[c])) for c in sorted(names)]
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    for cells in rows + ([total] if total else []):
        w.writerow(
            [safe_cell(v) if isinstance(v, str) else ("" if v is None else v) for v, _ in cells]
        )
    if figures["table"] == 0:
        w.writerow([safe_cell(f"备注：{figures['remark']}")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def json_bytes(figures: dict) -> bytes:
    return json.dumps(figures, ensure_ascii=False, indent=2).encode("utf-8")
