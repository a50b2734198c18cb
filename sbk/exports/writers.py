"""Export files with a watermark: who, which organisation, when, which filter. No Django.

XLSX: core properties (creator, description, keywords), custom properties and the page
header of every printed page. CSV: a first line beginning with ``#``. JSON: a
``watermark`` object beside the rows.

Spreadsheet cells are data, never formulas (issue 23; OWASP's CSV injection rule): a text
cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
with a single quote in the CSV and the XLSX, and every text cell of the XLSX is written as
an explicit string cell, which a spreadsheet never evaluates. JSON is not opened by a
spreadsheet: its values are left as they are.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


# The characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def neutralise(value):
    """A cell's value as inert text: ``'=1+1`` for ``=1+1``; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class Watermark:
    user: str
    name: str
    org: str
    time: str
    filter: str
    rows: int
    full: bool

    def text(self) -> str:
        masked = "含完整号码" if self.full else "已脱敏"
        return (
            f"导出人 {self.user}（{self.name}） 机构 {self.org} 时间 {self.time} "
            f"条件「{self.filter or '全部'}」 {self.rows} 行 {masked}"
        )

    def as_dict(self) -> dict:
        return {
            "user": self.user,
            "name": self.name,
            "org": self.org,
            "time": self.time,
            "filter": self.filter,
            "rows": self.rows,
            "full": self.full,
        }


def render(fmt: str, columns: list[tuple[str, str]], rows: list[dict], mark: Watermark) -> bytes:
    """columns: (key, Chinese header). Returns the file's bytes."""
    if fmt == "csv":
        buf = io.StringIO()
        # One line whatever the filter held: a line break would start a row of its own.
        buf.write("# " + _LINE_BREAKS.sub(" ", mark.text()) + "\n")
        w = csv.writer(buf)
        w.writerow([neutralise(title) for _, title in columns])
        for r in rows:
            w.writerow([neutralise(r.get(k, "")) for k, _ in columns])
        return buf.getvalue().encode("utf-8-sig")
    if fmt == "json":
        body = {"watermark": mark.as_dict(), "columns": [k for k, _ in columns], "rows": rows}
        return json.dumps(body, ensure_ascii=False, indent=1, default=str).encode()
    if fmt == "xlsx":
        return _xlsx(columns, rows, mark)
    raise ValueError(f"unknown export format {fmt}")


def _text_cells(ws, values: list) -> list:
    """One row of cells; every text cell an explicit string cell (data type "s"), which
    openpyxl writes as text however it begins, never as a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

    cells = []
    for value in values:
        value = neutralise(value)
        if isinstance(value, str):
            # Control characters have no place in an XLSX file (openpyxl refuses them).
            cell = Cell(ws, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
            cell.data_type = "s"
        else:
            cell = Cell(ws, value=value)
        cells.append(cell)
    return cells


def _xlsx(columns, rows, mark: Watermark) -> bytes:
    from openpyxl import Workbook
    from openpyxl.packaging.custom import BoolProperty, IntProperty, StringProperty

    wb = Workbook()
    ws = wb.active
    ws.title = "导出"
    ws.append(_text_cells(ws, [title for _, title in columns]))
    for r in rows:
        ws.append(_text_cells(ws, [r.get(k, "") for k, _ in columns]))
    text = _LINE_BREAKS.sub(" ", mark.text())
    ws.oddHeader.center.text = text
    ws.oddHeader.center.size = 8
    ws.evenHeader.center.text = text
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页 · 个人信息，严禁外传"
    props = wb.properties
    props.creator = mark.user
    props.lastModifiedBy = mark.user
    props.title = "sbk 个人信息导出"
    props.description = text
    props.keywords = f"sbk-watermark; {mark.user}; {mark.org}; {mark.time}"
    for key, value in mark.as_dict().items():
        name = f"sbk-{key}"
        if isinstance(value, bool):
            wb.custom_doc_props.append(BoolProperty(name=name, value=value))
        elif isinstance(value, int):
            wb.custom_doc_props.append(IntProperty(name=name, value=value))
        else:
            wb.custom_doc_props.append(StringProperty(name=name, value=value or "-"))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
