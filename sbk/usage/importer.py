"""导入用卡记录: a usage file from a bank or the payment network, all or nothing.

Columns ``card_no,used_at,kind,amount,scenario,division_code,row_key`` (UTF-8 or GB18030).
Every row is checked first (``rules.parse_row``), then every card number is looked up
(``lookup.find_cards``) and every row key compared with what earlier files brought: a key
seen before with the same content is skipped (re-importing a file changes nothing), with
other content it is a conflict. Any problem refuses the whole file, each problem naming
its line, column and code. The card number itself is never stored: a row keeps the card.

As the new rows are written (PostgreSQL: ``COPY``; elsewhere: batched inserts), the kept
figures move in the same transaction: ``FirstUse`` (each person's first day of paying and
of receiving a benefit), for the people whose first day is new or earlier the kept payer
counts (``kept``: per day, division, bank and kind), and ``UsageDay`` (uses per day, card
division, bank, kind and area).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import Problem, ServiceError

from . import kept, rules
from .errors import UsageErrorCode as E
from .lookup import find_cards, pg_texts
from .models import FirstUse, UsageDay, UsageImport, UsageRecord

MAX_PROBLEMS = 1000  # listed per file; the count says how many more


@dataclass
class ImportResult:
    name: str
    rows: int = 0
    new_rows: int = 0
    known_rows: int = 0
    dry_run: bool = False
    batch_id: int | None = None
    problems: list[rules.RowProblem] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "file": self.name,
            "rows": self.rows,
            "new_rows": self.new_rows,
            "known_rows": self.known_rows,
            "dry_run": self.dry_run,
            "batch": self.batch_id,
        }


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ServiceError(E.BAD_FILE, "文件编码无法识别（应为 UTF-8 或 GB18030）", field="file")


def read_rows(text: str) -> tuple[list[rules.UsageRow], list[rules.RowProblem], int]:
    try:
        return _read_rows(text)
    except csv.Error as exc:
        raise ServiceError(E.BAD_FILE, f"不是可读的 CSV 文件：{exc}", field="file") from None


def _read_rows(text: str) -> tuple[list[rules.UsageRow], list[rules.RowProblem], int]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in rules.COLUMNS if c not in header and c != "scenario"]
    if missing:
        raise ServiceError(
            E.BAD_FILE,
            f"缺少列：{'、'.join(missing)}（应为 {','.join(rules.COLUMNS)}）",
            field="file",
        )
    at = [header.index(c) if c in header else None for c in rules.COLUMNS]
    width = len(header)
    now = timezone.localtime().replace(tzinfo=None)
    rows, problems, total = [], [], 0
    parse = rules.parse_fields
    in_order = header == list(rules.COLUMNS)  # the contract's order: no reshuffle per row
    for line, raw in enumerate(reader, start=2):
        if not raw:
            continue
        total += 1
        if len(raw) < width:
            raw = raw + [""] * (width - len(raw))
        fields = (
            raw if in_order and len(raw) == width else [raw[i] if i is not None else "" for i in at]
        )
        row, found = parse(line, fields, now=now)
        if row is not None:
            rows.append(row)
        else:
            problems.extend(found)
    return rows, problems, total


def _digest(row: rules.UsageRow) -> str:
    return hashlib.blake2b(row.digest_text().encode(), digest_size=8).hexdigest()


def _digest_fast(row: rules.UsageRow, blake2b=hashlib.blake2b) -> str:
    """``_digest`` without the method call and list (same text: ``UsageRow.digest_text``)."""
    text = (
        f"{row.card_no}|{row.used_at.isoformat()}|{row.kind}|{row.amount}|"
        f"{row.scenario}|{row.division_code}"
    )
    return blake2b(text.encode(), digest_size=8).hexdigest()


def _known(keys: list[str]) -> dict[str, str]:
    known: dict[str, str] = {}
    if connection.vendor == "postgresql":  # one array parameter: no 20,000-item IN list
        table = UsageRecord._meta.db_table
        with connection.cursor() as cursor:
            for i in range(0, len(keys), 200_000):
                array, params = pg_texts(keys[i : i + 200_000])
                cursor.execute(
                    f"SELECT row_key, digest FROM {table} WHERE row_key = ANY({array})", params
                )
                known.update(cursor.fetchall())
        return known
    for i in range(0, len(keys), 900):
        part = keys[i : i + 900]
        known.update(UsageRecord.objects.filter(row_key__in=part).values_list("row_key", "digest"))
    return known


def check(rows: list[rules.UsageRow], problems: list[rules.RowProblem]):
    """The cross-row checks: duplicate keys, unknown cards, conflicts, unissued cards.
    Returns the new rows with their card and digest."""
    seen: dict[str, int] = {}
    for row in rows:
        if row.row_key in seen:
            problems.append(
                rules.RowProblem(
                    row.line,
                    "row_key",
                    E.DUPLICATE_ROW_KEY,
                    f"第{row.line}行 行键：与第{seen[row.row_key]}行重复",
                )
            )
        else:
            seen[row.row_key] = row.line
    cards = find_cards({r.card_no for r in rows})
    known = _known(list(seen))
    fresh = []
    for row in rows:
        card = cards.get(row.card_no)
        if card is None:
            problems.append(
                rules.RowProblem(
                    row.line,
                    "card_no",
                    E.UNKNOWN_CARD,
                    f"第{row.line}行 卡号：{rules.mask_card_no(row.card_no)} 不是本平台的社保卡",
                )
            )
            continue
        digest = _digest_fast(row)
        if row.row_key in known:
            if known[row.row_key] != digest:
                problems.append(
                    rules.RowProblem(
                        row.line,
                        "row_key",
                        E.ROW_KEY_CONFLICT,
                        f"第{row.line}行 行键：{row.row_key} 已导入过，但内容不同",
                    )
                )
            continue
        if card.issued_on is None or row.used_at.date() < card.issued_on:
            problems.append(
                rules.RowProblem(
                    row.line,
                    "used_at",
                    E.CARD_NOT_ISSUED,
                    f"第{row.line}行 用卡时间：早于该卡发卡日期",
                )
            )
            continue
        fresh.append((row, card, digest))
    return fresh


def import_usage(data: bytes, *, acting_user, name: str, dry_run: bool = False) -> ImportResult:
    """Import one usage file (its bytes) as one action: all rows or, on any problem, none
    (``ServiceError`` with every problem, code ``rows_refused``)."""
    ensure(acting_user, Action.USAGE_IMPORT)
    name = Path(name).name[:200]
    rows, problems, total = read_rows(_decode(data))
    with actions.atomic():
        fresh = check(rows, problems)
        result = ImportResult(name, rows=total)
        if problems:
            problems.sort(key=lambda p: (p.row, rules.COLUMNS.index(p.column)))
            result.problems = problems
            raise refused(result)
        result.new_rows = len(fresh)
        result.known_rows = total - len(fresh)
        result.dry_run = dry_run
        if dry_run:
            return result
        batch = UsageImport.objects.create(
            name=name,
            digest=hashlib.sha256(data).hexdigest(),
            rows=result.rows,
            new_rows=result.new_rows,
            known_rows=result.known_rows,
            imported_by=acting_user if getattr(acting_user, "pk", None) else None,
        )
        result.batch_id = batch.pk
        write(fresh, batch.pk)
        actions.record(
            Action.USAGE_IMPORT, acting_user=acting_user, obj=batch, after=result.as_dict()
        )
    return result


def refused(result: ImportResult) -> ServiceError:
    shown = result.problems[:MAX_PROBLEMS]
    more = len(result.problems) - len(shown)
    lines = len({p.row for p in result.problems})
    tail = f"（另有 {more} 项未列出）" if more else ""
    return ServiceError(
        E.ROWS_REFUSED,
        f"{result.name}：{lines} 行有错误，整个文件未导入{tail}",
        field="file",
        problems=[Problem(p.code, p.message, f"{p.row}:{p.column}") for p in shown],
    )


# --- writing ----------------------------------------------------------------------------
COPY_COLUMNS = (
    "row_key",
    "digest",
    "card_id",
    "person_id",
    "bank_id_at_use",
    "card_division",
    "used_at",
    "day",
    "kind",
    "amount",
    "scenario",
    "division_code",
    "area",
    "batch_id",
)


def _copy_text(value: str) -> str:
    """A text value in COPY's text format (the free-text columns only: the rest are checked)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t")
        value = value.replace("\n", "\\n").replace("\r", "\\r")
    return value


def write(fresh, batch_id: int) -> None:
    if connection.vendor == "postgresql":
        _write_pg(fresh, batch_id)
    else:
        _write_rows(fresh, batch_id)


STAGE_TYPES = (
    "row_key varchar(64), digest varchar(16), card_id bigint, person_id bigint,"
    " bank_id_at_use bigint, card_division varchar(6), used_at timestamptz, day date,"
    " kind varchar(12), amount numeric(12, 2), scenario varchar(32), division_code varchar(6),"
    " area varchar(16), batch_id bigint"
)


def _write_pg(fresh, batch_id: int) -> None:
    """PostgreSQL: the rows by COPY into a staging table, then set-based SQL from it: the
    usage rows, the first days (naming the people whose first day is new or earlier) and
    the day totals. Python only formats each row once."""
    tz = timezone.get_current_timezone()
    offsets: dict[tuple, str] = {}  # (day, hour) → "+08:00": the zone's offset, looked up once
    areas: dict[tuple[str, str], str] = {}
    area_of = rules.area_of
    lines = []
    for row, card, digest in fresh:
        used_at = row.used_at
        if used_at.tzinfo is None:
            day = used_at.date()
            key = (day, used_at.hour)
            offset = offsets.get(key)
            if offset is None:
                offset = used_at.replace(tzinfo=tz).isoformat()[len(used_at.isoformat()) :]
                offsets[key] = offset
            stamp = f"{used_at.isoformat()}{offset}"
        else:
            day = used_at.astimezone(tz).date()
            stamp = used_at.isoformat()
        division = card.division_code
        place = (division, row.division_code)
        area = areas.get(place)
        if area is None:
            area = areas[place] = area_of(*place)
        lines.append(
            f"{_copy_text(row.row_key)}\t{digest}\t{card.id}\t{card.person_id}\t"
            f"{card.bank_id or 0}\t{division}\t{stamp}\t{day}\t{row.kind}\t{row.amount}\t"
            f"{_copy_text(row.scenario)}\t{row.division_code}\t{area}\t{batch_id}\n"
        )
    cols = ", ".join(COPY_COLUMNS)
    stage = "usage_stage"
    paying = ", ".join(f"'{k}'" for k in sorted(rules.PAYING))
    first_table, day_table = FirstUse._meta.db_table, UsageDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {stage} ({STAGE_TYPES}) ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
            for i in range(0, len(lines), 10_000):
                copy.write("".join(lines[i : i + 10_000]))
        # The planner's row counts for the GROUP BYs (hash aggregates, not sorts), and the
        # memory for them, for this transaction only.
        cursor.execute(f"ANALYZE {stage}")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # In the order of the (scenario, day) index: each of its pages is read and written
        # once, not once per row at random (on a table of 100 M rows the index is far
        # larger than the buffers; the random order cost most of the import's SQL time).
        cursor.execute(
            f"INSERT INTO {UsageRecord._meta.db_table} ({cols})"
            f" SELECT {cols} FROM {stage} ORDER BY scenario, day"
        )
        # Only the first days that are new or earlier reach the upsert: an ON CONFLICT whose
        # WHERE is false still locks (writes) the row it met, and with years of usage kept
        # nearly every person of a file already has an earlier first day. The ON CONFLICT
        # stays for a concurrent import of the same people.
        cursor.execute(
            f"INSERT INTO {first_table} (person_id, kind, day)"
            f" SELECT g.person_id, g.kind, g.day FROM ("
            f"  SELECT person_id, CASE WHEN kind = %s THEN %s ELSE %s END AS kind,"
            f"  min(day) AS day FROM {stage} WHERE kind = %s OR kind IN ({paying}) GROUP BY 1, 2"
            f" ) g LEFT JOIN {first_table} f ON f.person_id = g.person_id AND f.kind = g.kind"
            f" WHERE f.day IS NULL OR g.day < f.day ORDER BY g.person_id, g.kind"
            f" ON CONFLICT (person_id, kind) DO UPDATE SET day = excluded.day"
            f" WHERE excluded.day < {first_table}.day RETURNING person_id",
            [rules.BENEFIT, rules.FIRST_BENEFIT, rules.FIRST_PAY, rules.BENEFIT],
        )
        moved = {r[0] for r in cursor.fetchall()}
        cursor.execute(
            f"INSERT INTO {day_table} (day, division, bank, kind, area, uses, amount)"
            f" SELECT day, card_division, bank_id_at_use, kind, area, count(*), sum(amount)"
            f" FROM {stage} GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
            f" ON CONFLICT (day, division, bank, kind, area) DO UPDATE SET"
            f" uses = {day_table}.uses + excluded.uses, amount = {day_table}.amount + excluded.amount"
        )
        cursor.execute(f"DROP TABLE {stage}")
    kept.refresh_many(moved)


def _write_rows(fresh, batch_id: int) -> None:
    """Other databases: batched inserts; the first days and day totals summed here."""
    tz = timezone.get_current_timezone()
    first: dict[tuple[int, str], object] = {}
    days: dict[tuple, list] = defaultdict(lambda: [0, 0])
    values = []
    for row, card, digest in fresh:
        used_at = row.used_at if row.used_at.tzinfo else row.used_at.replace(tzinfo=tz)
        day = used_at.astimezone(tz).date() if row.used_at.tzinfo else row.used_at.date()
        area = rules.area_of(card.division_code, row.division_code)
        bank = card.bank_id or 0
        values.append(
            UsageRecord(
                row_key=row.row_key,
                digest=digest,
                card_id=card.id,
                person_id=card.person_id,
                bank_id_at_use=bank,
                card_division=card.division_code,
                used_at=used_at,
                day=day,
                kind=row.kind,
                amount=row.amount,
                scenario=row.scenario,
                division_code=row.division_code,
                area=area,
                batch_id=batch_id,
            )  # fmt: skip
        )
        kind = rules.first_use_kind(row.kind)
        if kind is not None:
            key = (card.person_id, kind)
            if key not in first or day < first[key]:
                first[key] = day
        agg = days[(day, card.division_code, bank, row.kind, area)]
        agg[0] += 1
        agg[1] += row.amount
    UsageRecord.objects.bulk_create(values, batch_size=500)
    kept.refresh(_upsert_first(first))
    _upsert_days(days)


def _upsert(table: str, columns: tuple, conflict: str, update: str, rows: list) -> None:
    if not rows:
        return
    per = max(1, 900 // len(columns))
    holder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for i in range(0, len(rows), per):
        part = rows[i : i + per]
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([holder] * len(part))}"
            f" ON CONFLICT ({conflict}) DO UPDATE SET {update}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [x for r in part for x in r])


def _upsert_first(first: dict) -> set[int]:
    """Keep the earlier first day; returns the people whose first day is new or earlier
    (only their kept payer counts move)."""
    t = FirstUse._meta.db_table
    rows = [(p, k, d) for (p, k), d in first.items()]
    moved: set[int] = set()
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 300):
            part = rows[i : i + 300]
            values = ", ".join(["(%s, %s, %s)"] * len(part))
            cursor.execute(
                f"INSERT INTO {t} (person_id, kind, day) VALUES {values}"
                f" ON CONFLICT (person_id, kind) DO UPDATE SET day = excluded.day"
                f" WHERE excluded.day < {t}.day RETURNING person_id",
                [x for r in part for x in r],
            )
            moved.update(r[0] for r in cursor.fetchall())
    return moved


def _upsert_days(days: dict) -> None:
    t = UsageDay._meta.db_table
    columns = ("day", "division", "bank", "kind", "area", "uses", "amount")
    update = f"uses = {t}.uses + excluded.uses, amount = {t}.amount + excluded.amount"
    rows = [(*k, n, a) for k, (n, a) in days.items()]
    _upsert(t, columns, "day, division, bank, kind, area", update, rows)
