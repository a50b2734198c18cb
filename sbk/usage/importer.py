"""导入用卡记录: a usage file from a bank or the payment network, all or nothing.

Columns ``card_no,used_at,kind,amount,scenario,division_code,row_key`` (UTF-8 or GB18030).
The file is read in parts of ``PART_ROWS`` rows. Each row is checked (``rules.parse_row``),
each card number looked up (``lookup.cards_by_index``) and each row key compared with what
earlier files brought: a key seen before with the same content is skipped (re-importing a
file changes nothing), with other content it is a conflict. Any problem refuses the whole
file, each problem naming its line, column and code. The card number itself is never
stored: a row keeps the card.

The parts are pipelined (ADR 0008): a helper thread parses the next part while the one
before is checked and staged. Where the caller has no transaction open (the command line,
the benchmark), the helper thread also checks each part (card look-up, known keys, the
COPY lines) on a PostgreSQL connection of its own, so the importing thread only copies
the parts into the staging table; a file of several parts in the contract's plain layout
is checked there by worker processes instead, a part each (``parallel``). The staged rows,
their first days and day totals are written at the end. All of the writing is one transaction: a problem in the last part
leaves nothing of the first parts, and once a problem is found the remaining parts are
only checked (every problem is still listed), not staged.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, connections
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.cards import numbers
from sbk.core import actions, collector
from sbk.core.catalogue import Action
from sbk.core.errors import Problem, ServiceError

from . import parallel, rules
from .errors import UsageErrorCode as E
from .lookup import cards_by_index, pg_texts
from .models import UsageImport, UsageRecord
from .writer import PgWriter, writer_for

MAX_PROBLEMS = 1000  # listed per file; the count says how many more
PART_ROWS = 500_000  # rows per part: parsed while the part before is looked up and staged
# From how many lines a file's parts are checked in worker processes (``parallel``): more
# than one part (a worker's start, about half a second, is then small beside a part's check).
POOL_FROM_LINES = PART_ROWS + 1


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


@dataclass
class Part:
    """Up to ``PART_ROWS`` lines of a file, parsed: the rows that passed the per-row rules,
    each one's digest, the problems of those that did not, and the blind indexes of the
    card numbers no earlier part named (all that needs no database)."""

    rows: list[rules.UsageRow]
    digests: list[str]
    problems: list[rules.RowProblem]
    lines: int
    by_index: dict[str, str]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ServiceError(E.BAD_FILE, "文件编码无法识别（应为 UTF-8 或 GB18030）", field="file")


def read_parts(text: str, *, size: int | None, now=None) -> Iterator[Part]:
    """The file's parts in order (``size=None``: one part). A file that is not CSV, or lacks
    a column, is refused as a whole (``bad_file``)."""
    try:
        yield from _read_parts(text, size, now or timezone.localtime().replace(tzinfo=None))
    except csv.Error as exc:
        raise ServiceError(E.BAD_FILE, f"不是可读的 CSV 文件：{exc}", field="file") from None


def header_of(reader) -> list[str]:
    """The file's column names; a file lacking a column is refused (``bad_file``)."""
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in rules.COLUMNS if c not in header and c != "scenario"]
    if missing:
        raise ServiceError(
            E.BAD_FILE,
            f"缺少列：{'、'.join(missing)}（应为 {','.join(rules.COLUMNS)}）",
            field="file",
        )
    return header


def _read_parts(text: str, size: int | None, now) -> Iterator[Part]:
    reader = csv.reader(io.StringIO(text))
    header = header_of(reader)
    rows, problems, total = [], [], 0
    named: set[str] = set()  # card numbers of the parts before: indexed (and looked up) once
    for row, found in _rows(text, reader, header, now):
        total += 1
        if row is not None:
            rows.append(row)
        else:
            problems.extend(found)
        if total == size:
            yield _part(rows, problems, total, named)
            rows, problems, total = [], [], 0
    if total or size is None:
        yield _part(rows, problems, total, named)


def _rows(text: str, reader, header: list[str], now) -> Iterator[tuple]:
    """(row or None, its problems) for each non-blank line after the header. A file in the
    contract's column order without quotes (and without a line break inside a line) is
    read line by line (``rules.parse_line``: one match per line, a third of the CSV
    reader's time with the per-field checks); any other through the CSV reader. Line
    numbers are the file's lines either way."""
    parse = rules.parse_fields
    in_order = header == list(rules.COLUMNS)  # the contract's order: no reshuffle per row
    if plain_layout(text, header):
        lines = io.StringIO(text)
        next(lines)  # the header
        yield from quote_free_rows(lines, 2, now)
        return
    at = [header.index(c) if c in header else None for c in rules.COLUMNS]
    width = len(header)
    for line, raw in enumerate(reader, start=2):
        if not raw:
            continue
        if len(raw) < width:
            raw = raw + [""] * (width - len(raw))
        fields = (
            raw if in_order and len(raw) == width else [raw[i] if i is not None else "" for i in at]
        )
        yield parse(line, fields, now=now)


def plain_layout(text: str, header: list[str]) -> bool:
    """The contract's column order, no quotes, no line break inside a line: the file can
    be read (and split into parts) line by line."""
    return (
        header == list(rules.COLUMNS) and '"' not in text and text.count("\r") == text.count("\r\n")
    )


def quote_free_rows(lines: Iterable[str], first: int, now) -> Iterator[tuple]:
    """(row or None, its problems) for each non-blank line of a plain-layout file, the
    first of ``lines`` being line ``first``."""
    parse_line = rules.parse_line
    for line, raw in enumerate(lines, start=first):
        raw = raw.rstrip("\r\n")
        if raw:
            yield parse_line(line, raw, now=now)


def _part(rows, problems, total, named: set[str]) -> Part:
    digests = [_digest_fast(r) for r in rows]
    new = {r.card_no for r in rows} - named
    named |= new
    return Part(rows, digests, problems, total, numbers.lookup_keys(new))


def ahead(items: Iterable, *, after: Callable[[], object] | None = None) -> Iterator:
    """``items``, each next one produced in a helper thread while the caller works with
    the one before. The caller's database calls release the GIL while they wait, so a
    part's parse (pure Python) overlaps the SQL of the part before. Only the helper thread
    advances ``items``, one step at a time; its exceptions reach the caller. ``after`` runs
    in the helper thread once the caller is done (closing what the thread opened)."""
    done = object()
    source = iter(items)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="usage-parse") as pool:
        try:
            pending = pool.submit(next, source, done)
            while (item := pending.result()) is not done:
                pending = pool.submit(next, source, done)
                yield item
        finally:
            if after is not None:
                pool.submit(after).result()


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
    if not keys:
        return known
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


def check(part: Part, problems: list[rules.RowProblem], seen: dict[str, int], cards: dict):
    """The cross-row checks of one part: duplicate keys (``seen``: every key of the parts
    before → its line), unknown cards (``cards``: the cards found for the parts before,
    grown by this part's), conflicts, unissued cards. Appends to ``problems``; returns the
    new rows with their card and digest."""
    rows = part.rows
    keys = []
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
            keys.append(row.row_key)
    cards.update(cards_by_index(part.by_index))
    known = _known(keys)
    fresh = []
    for row, digest in zip(rows, part.digests, strict=True):
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


def _checked(parts: Iterable[Part], problems, seen, cards, writer) -> Iterator[tuple]:
    """Per part: (its lines, its new rows, the arguments of ``writer.add`` or None). Once a
    problem is found nothing more is prepared (the file will be refused), but every part
    is still checked, so every problem is listed."""
    for part in parts:
        problems += part.problems
        fresh = check(part, problems, seen, cards)
        staged = (writer.prepare(fresh),) if writer is not None and not problems else None
        yield part.lines, len(fresh), staged


def check_chunk(first: int, chunk: str, now, batch_id: int | None) -> parallel.Checked:
    """One part of a plain-layout file, in a worker process (``parallel``): parsed, checked
    (every cross-row check but the duplicates across parts) and, with a batch and no
    problem, turned into COPY text, its first days screened."""
    with collector.paused():
        rows, problems, total = [], [], 0
        for row, found in quote_free_rows(io.StringIO(chunk), first, now):
            total += 1
            if row is not None:
                rows.append(row)
            else:
                problems.extend(found)
        part = _part(rows, problems, total, set())
        seen: dict[str, int] = {}
        fresh = check(part, problems, seen, {})
        staged = firsts = None
        if batch_id is not None and not problems:
            writer = PgWriter(batch_id, keep_firsts=True)
            staged = "".join(writer.prepare(fresh))
            firsts = writer.screened_firsts()
        return parallel.Checked(total, len(fresh), problems, seen, staged, firsts)


def import_usage(data: bytes, *, acting_user, name: str, dry_run: bool = False) -> ImportResult:
    """Import one usage file (its bytes) as one action: all rows or, on any problem, none
    (``ServiceError`` with every problem, code ``rows_refused``)."""
    ensure(acting_user, Action.USAGE_IMPORT)
    # The file's rows and cards live until the end and hold no cycles: the collector
    # would only walk them again and again (``sbk.core.collector``).
    with collector.paused():
        return _import(data, acting_user=acting_user, name=name, dry_run=dry_run)


def _import(data: bytes, *, acting_user, name: str, dry_run: bool) -> ImportResult:
    name = Path(name).name[:200]
    text = _decode(data)
    now = timezone.localtime().replace(tzinfo=None)
    result = ImportResult(name, dry_run=dry_run)
    problems: list[rules.RowProblem] = []
    seen: dict[str, int] = {}
    cards: dict = {}
    # Where the caller has no transaction open, nothing it wrote can be uncommitted: the
    # checks (card look-up, known keys: reads of committed rows) then run in the helper
    # thread on a connection of their own, beside this one's writes (ADR 0008). Inside a
    # caller's transaction they run here, on the connection that sees what it wrote.
    apart = connection.vendor == "postgresql" and not connection.in_atomic_block
    with actions.atomic():
        batch = writer = None
        if not dry_run:
            batch = UsageImport.objects.create(
                name=name,
                digest=hashlib.sha256(data).hexdigest(),
                imported_by=acting_user if getattr(acting_user, "pk", None) else None,
            )
            writer = writer_for(batch.pk)
        parts = read_parts(text, size=PART_ROWS, now=now)
        if apart and _pooled(text):
            steps = parallel.checked(
                check_chunk,
                text,
                size=PART_ROWS,
                now=now,
                batch_id=None if batch is None else batch.pk,
                problems=problems,
                seen=seen,
            )
        elif apart:
            # Django's connections are per thread: ``close_all`` run in the helper thread
            # closes the helper's own.
            steps = ahead(
                _checked(parts, problems, seen, cards, writer), after=connections.close_all
            )
        else:
            steps = _checked(ahead(parts), problems, seen, cards, writer)
        with closing(steps):
            for lines, new_rows, staged in steps:
                result.rows += lines
                result.new_rows += new_rows
                if staged is not None:
                    writer.add(*staged)
        if problems:
            problems.sort(key=lambda p: (p.row, rules.COLUMNS.index(p.column)))
            result.problems = problems
            raise refused(result)
        result.known_rows = result.rows - result.new_rows
        if batch is None:
            return result
        writer.finish()
        UsageImport.objects.filter(pk=batch.pk).update(
            rows=result.rows, new_rows=result.new_rows, known_rows=result.known_rows
        )
        result.batch_id = batch.pk
        actions.record(
            Action.USAGE_IMPORT, acting_user=acting_user, obj=batch, after=result.as_dict()
        )
    return result


def _pooled(text: str) -> bool:
    """Whether the file's parts are checked in worker processes: more than one part, in the
    plain layout (its header checked here first, as ``read_parts`` would)."""
    if text.count("\n") < POOL_FROM_LINES:
        return False
    try:
        header = header_of(csv.reader(io.StringIO(text[: text.find("\n") + 1])))
    except csv.Error:
        return False  # ``read_parts`` refuses it, naming the error
    return plain_layout(text, header)


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
