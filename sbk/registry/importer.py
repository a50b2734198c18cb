"""Bulk import into the registry: ``sbk registry import FILE [--dry-run] [--valid-only]``.

Every row is validated with the same rules as the counter (``rules.clean_person``); the
problems go to an error report beside the input (``FILE.errors.csv``: row, field, code,
message). By default the file is imported whole or not at all; ``valid_only`` imports the
valid rows. The write is one transaction, so a crash halfway leaves nothing behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.orgs.models import Organisation
from sbk.orgs.scope import visible_orgs

from . import lookup
from .models import Person
from .rules import clean_person
from .services import apply_values, registered_elsewhere

COLUMNS = (
    "name",
    "doc_type",
    "id_number",
    "gender",
    "birth_date",
    "nationality",
    "phone",
    "address",
    "residence_division",
    "category",
    "category_note",
    "org_code",
)
REQUIRED = ("name", "id_number", "category")
CHINESE_HEADERS = {
    "姓名": "name",
    "证件类型": "doc_type",
    "证件号码": "id_number",
    "公民身份号码": "id_number",
    "性别": "gender",
    "出生日期": "birth_date",
    "国籍": "nationality",
    "联系电话": "phone",
    "手机号码": "phone",
    "地址": "address",
    "户籍地区划": "residence_division",
    "人员类别": "category",
    "类别说明": "category_note",
    "经办机构代码": "org_code",
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, header)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class RowError:
    row: int
    field: str
    code: str
    message: str


@dataclass
class ImportResult:
    total: int = 0
    valid: int = 0
    written: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    report_path: Path | None = None
    dry_run: bool = False

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})


def _canon_header(name) -> str:
    text = str(name or "").strip().lstrip("\ufeff")
    return CHINESE_HEADERS.get(text, text.lower())


def read_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield (row number as shown in a spreadsheet, {column: value})."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise ImportFileError("encoding", "文件编码无法识别（应为 UTF-8 或 GB18030）")
        reader = csv.reader(io.StringIO(text, newline=""))
        rows: Iterator[list] = iter(reader)
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise ImportFileError("format", f"无法读取 Excel 文件：{exc}") from exc
        rows = (list(r) for r in wb.worksheets[0].iter_rows(values_only=True))
    else:
        raise ImportFileError("format", f"不支持的文件类型 {suffix}：应为 .csv 或 .xlsx")
    try:
        header = [_canon_header(h) for h in next(rows)]
    except StopIteration:
        raise ImportFileError("empty", "文件为空，没有表头") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError("header", f"缺少必需的列：{', '.join(missing)}")
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise ImportFileError("header", f"无法识别的列：{', '.join(unknown)}")
    for number, values in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in values):
            continue
        row = {}
        for key, value in zip(header, values, strict=False):
            if key:
                row[key] = value.strip() if isinstance(value, str) else value
        if isinstance(row.get("birth_date"), dt.datetime):
            row["birth_date"] = row["birth_date"].date()
        yield number, row


def write_report(path: Path, result: ImportResult) -> Path | None:
    report = path.with_name(path.name + ".errors.csv")
    if not result.errors and not result.warnings:
        report.unlink(missing_ok=True)
        return None
    with report.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["row", "field", "code", "message", "severity"])
        for e in sorted(result.errors, key=lambda e: e.row):
            w.writerow([e.row, e.field, e.code, e.message, "error"])
        for e in sorted(result.warnings, key=lambda e: e.row):
            w.writerow([e.row, e.field, e.code, e.message, "warning"])
    return report


def import_people(
    path: str | Path,
    *,
    acting_user,
    default_org: Organisation | None = None,
    dry_run: bool = False,
    valid_only: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    ensure(acting_user, Action.PERSON_IMPORT)
    path = Path(path)
    result = ImportResult(dry_run=dry_run)
    orgs = {o.code: o for o in Organisation.objects.all()}
    in_scope = set(visible_orgs(acting_user).values_list("code", flat=True))
    pending: list[tuple[int, Person]] = []
    seen: dict[tuple[str, str], int] = {}

    for number, row in read_rows(path):
        result.total += 1
        cleaned = clean_person(row)
        for f, code, message in cleaned.warnings:
            result.warnings.append(RowError(number, f, code, message))
        errors = [RowError(number, f, c, m) for f, c, m in cleaned.problems]
        org_code = str(row.get("org_code") or "").strip()
        org = orgs.get(org_code) if org_code else default_org
        if org is None:
            errors.append(
                RowError(
                    number,
                    "org_code",
                    "org",
                    f"经办机构代码“{org_code}”不存在"
                    if org_code
                    else "未指定经办机构（org_code 列或 --org）",
                )
            )
        if org is not None and org.code not in in_scope:
            errors.append(
                RowError(number, "org_code", "org_scope", f"经办机构“{org.code}”不在您的管辖范围内")
            )
        if not errors:
            person = Person(org=org)
            apply_values(person, cleaned.values)
            key = (person.doc_type, person.id_index)
            if key in seen:
                errors.append(
                    RowError(
                        number, "id_number", "duplicate_in_file", f"证件号码与第 {seen[key]} 行重复"
                    )
                )
            else:
                seen[key] = number
                pending.append((number, person))
        result.errors.extend(errors)
        if progress:
            progress(1)

    # Against the database: one indexed query per chunk (SQLite allows ~999 variables).
    # Rows not yet moved by ``sbk keys reindex`` are matched too (lookup_keys).
    current_of = lookup.lookup_keys(p.id_number for _, p in pending)
    indexes = list(current_of)
    existing: dict[tuple[str, str], Person] = {}
    for i in range(0, len(indexes), 900):
        for found in Person.objects.filter(id_index__in=indexes[i : i + 900]):
            existing[(found.doc_type, current_of[found.id_index])] = found
    # A duplicate outside the importer's scope is a look-up of that person: logged, and
    # reported without naming where (dry runs included: a dry run is a bulk existence check).
    elsewhere = registered_elsewhere(acting_user, existing.values()) if existing else set()
    keep = []
    for number, person in pending:
        found = existing.get((person.doc_type, person.id_index))
        if found is not None and found.pk in elsewhere:
            result.errors.append(
                RowError(
                    number,
                    "id_number",
                    "registered_elsewhere",
                    "该证件号码的持卡人已在其他地区登记，须办理省内转移，不能重复登记",
                )
            )
        elif found is not None:
            result.errors.append(
                RowError(number, "id_number", "duplicate", "该证件号码已在持卡库中登记")
            )
        else:
            keep.append(person)
    result.valid = len(keep)
    result.report_path = write_report(path, result)

    if dry_run or (result.errors and not valid_only) or not keep:
        return result
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with transaction.atomic():
        Person.objects.bulk_create(keep, batch_size=settings.SBK_IMPORT_BATCH)
        result.written = len(keep)
        actions.record(
            Action.PERSON_IMPORT,
            acting_user=acting_user,
            object_type="registry.person",
            object_id="",
            after={
                "file": path.name,
                "sha256": digest,
                "rows": result.total,
                "written": result.written,
                "rejected_rows": result.rejected_rows,
                "valid_only": valid_only,
            },
        )
    return result
