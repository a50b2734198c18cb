"""Export files with a watermark: who, which organisation, when, which filter. No Django.

XLSX: core properties (creator, description, keywords), custom properties and the page
header of every printed page. CSV: a first line beginning with ``#``. JSON: a
``watermark`` object beside the rows.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


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
        buf.write("# " + mark.text().replace("\n", " ") + "\n")
        w = csv.writer(buf)
        w.writerow([title for _, title in columns])
        for r in rows:
            w.writerow([r.get(k, "") for k, _ in columns])
        return buf.getvalue().encode("utf-8-sig")
    if fmt == "json":
        body = {"watermark": mark.as_dict(), "columns": [k for k, _ in columns], "rows": rows}
        return json.dumps(body, ensure_ascii=False, indent=1, default=str).encode()
    if fmt == "xlsx":
        return _xlsx(columns, rows, mark)
    raise ValueError(f"unknown export format {fmt}")


def _xlsx(columns, rows, mark: Watermark) -> bytes:
    from openpyxl import Workbook
    from openpyxl.packaging.custom import BoolProperty, IntProperty, StringProperty

    wb = Workbook()
    ws = wb.active
    ws.title = "导出"
    ws.append([title for _, title in columns])
    for r in rows:
        ws.append([r.get(k, "") for k, _ in columns])
    text = mark.text()
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
