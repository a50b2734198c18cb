"""Legacy migration: ``sbk cards import FILE.csv [--dry-run]``.

One row per card ever issued, columns ``id_number,name,category,division_code,card_no,
bank,issued_on,activated_on,cancelled_on,replaces_card_no`` and optionally ``expires_on``
(有效期至, after the issue date; without it a migrated card has no expiry date). People,
partner banks and issuing regions missing from the database are created from the rows (a
migration starts from an empty database): a region is an organisation of kind district
(city for a prefecture-level code) with that division code, under a centre created if
absent.

Every row is checked first; the problems go to ``FILE.errors.csv`` (row, field, code,
message). The file is imported whole or not at all, in one transaction. Impossible
histories are row errors (issue 23): a date after today, before the holder's birth date
(from the ID number) or before ``settings.SBK_CARD_SCHEME_START``; activation or
cancellation before issue; a card that replaces itself, directly or through a chain; a
bank that is neither in the bank register (code or name) nor named like a bank
(:func:`bank_name_ok`).

Statuses after import: a card replaced by another is ``replaced`` from the issue date of
its successor, a cancelled card ``cancelled`` from its cancellation date, any other
``issued``; so a card is valid at D exactly when issued_on <= D and it is neither
cancelled nor replaced by a card issued on or before D (:func:`queries.valid_cards_at`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.catalogue import Action, Channel, ServiceItem
from sbk.divisions.table import load_table
from sbk.idcard import check_id_number
from sbk.orgs.models import Organisation, OrgKind
from sbk.registry import lookup
from sbk.registry.importer import ImportFileError
from sbk.registry.models import Person
from sbk.registry.names import check_name
from sbk.registry.rules import clean_person, parse_date
from sbk.registry.services import apply_values

from . import rules, transitions
from .models import Card
from .transitions import LegacyHistory

COLUMNS = (
    "id_number",
    "name",
    "category",
    "division_code",
    "card_no",
    "bank",
    "issued_on",
    "activated_on",
    "cancelled_on",
    "replaces_card_no",
)
# Optional: a vendor's file may carry each card's validity (有效期至); without the column
# (or the value) the migrated card has no expiry date, as before.
OPTIONAL_COLUMNS = ("expires_on",)
CATEGORIES = {"employee", "resident", "other"}
# The dates of what happened: none after today (the expiry date is checked apart).
DATE_LABELS = {
    "issued_on": "发卡日期",
    "activated_on": "金融功能启用日期",
    "cancelled_on": "注销日期",
}
# A bank missing from the register is created from the file only under a name of 2–40
# characters made of CJK ideographs, with optional non-empty bracketed CJK parts in
# full-width （） or ASCII () parentheses, that names a banking institution (BANK_WORDS).
# No Latin letters, digits, spaces, quotes, angle brackets or control characters.
BANK_NAME = re.compile(
    r"[\u4e00-\u9fff]+(?:(?:（[\u4e00-\u9fff]+）|\([\u4e00-\u9fff]+\))[\u4e00-\u9fff]*)*"
)
BANK_WORDS = ("银行", "农商行", "信用社", "信用合作社", "信用联社", "合作联社")


@dataclass
class RowError:
    row: int
    field: str
    code: str
    message: str


@dataclass
class CardImportResult:
    total: int = 0
    people_created: int = 0
    cards_written: int = 0
    regions_created: list[str] = field(default_factory=list)
    banks_created: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    report_path: Path | None = None
    dry_run: bool = False
    journal_rows: int = 0


@dataclass
class Row:
    number: int
    id_number: str
    id_index: str
    name: str
    category: str
    division: str
    card_no: str
    bank: str
    issued_on: object
    activated_on: object
    cancelled_on: object
    replaces: str
    expires_on: object = None


def _read(path: Path):
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lstrip("\ufeff").lower() for h in next(reader)]
    except StopIteration:
        raise ImportFileError("empty", "文件为空，没有表头") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportFileError("header", f"缺少必需的列：{', '.join(missing)}")
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        yield number, {k: (v or "").strip() for k, v in zip(header, values, strict=False)}


def bank_name_ok(name: str) -> bool:
    """May a bank of this name be created from an import file (see ``BANK_NAME``)?"""
    return (
        2 <= len(name) <= 40
        and BANK_NAME.fullmatch(name) is not None
        and any(word in name for word in BANK_WORDS)
    )


def _shown(value: str, limit: int = 40) -> str:
    """A cell value quoted in a message: control characters as "?", at most ``limit`` chars."""
    text = "".join(c if c.isprintable() else "?" for c in value)
    return text if len(text) <= limit else text[:limit] + "…"


def _check_dates(number: int, dates: dict, birth: dt.date | None, errors: list[RowError]) -> None:
    """Every date: not after today, not before the holder's birth or the card scheme."""
    today = timezone.localdate()
    start = settings.SBK_CARD_SCHEME_START
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    for f, label in DATE_LABELS.items():
        day = dates.get(f)
        if day is None:
            continue
        name = f"{label}（{f}）{day.isoformat()}"
        if day > today:
            errors.append(RowError(number, f, "date_future", f"{name}晚于今天 {today.isoformat()}"))
        if birth is not None and day < birth:
            errors.append(
                RowError(
                    number,
                    f,
                    "date_before_birth",
                    f"{name}早于持卡人出生日期 {birth.isoformat()}（据证件号码）",
                )
            )
        if day < start:
            errors.append(
                RowError(
                    number,
                    f,
                    "date_before_scheme",
                    f"{name}早于社保卡制度起始日期 {start.isoformat()}（SBK_CARD_SCHEME_START）",
                )
            )


def _parse_row(number: int, raw: dict, errors: list[RowError], known_banks: set[str]) -> Row | None:
    bad = len(errors)

    def err(f, code, message):
        errors.append(RowError(number, f, code, message))

    result = check_id_number(raw.get("id_number", ""))
    if not result.valid:
        for e in result.errors:
            err("id_number", e.code, e.message)
    name = raw.get("name", "")
    if not name:
        err("name", "required", "姓名不能为空")
    else:  # the registry's rule: characters no card printer prints are refused
        for code, message in check_name(name).refused:
            err("name", code, message)
    category = raw.get("category", "")
    if category not in CATEGORIES:
        err("category", "category", "category 应为 employee、resident 或 other")
    division = raw.get("division_code", "")
    if not (len(division) == 6 and division.isdigit() and load_table().exists(division)):
        err("division_code", "division", f"发卡地行政区划代码“{division}”不存在")
    card_no = raw.get("card_no", "").upper()
    if not card_no or len(card_no) > 20:
        err("card_no", "card_no", "卡号不能为空且不超过 20 个字符")
    dates = {}
    for f in ("issued_on", "activated_on", "cancelled_on", "expires_on"):
        try:
            dates[f] = parse_date(raw.get(f, ""))
        except ValueError:
            err(f, "date_format", f"{f}“{raw.get(f)}”应为 ISO 日期 YYYY-MM-DD")
            dates[f] = None
    if dates.get("issued_on") is None and not any(e.field == "issued_on" for e in errors[bad:]):
        err("issued_on", "required", "发卡日期不能为空")
    _check_dates(number, dates, result.birth_date if result.valid else None, errors)
    issued = dates.get("issued_on")
    for f in ("activated_on", "cancelled_on"):
        if issued and dates.get(f) and dates[f] < issued:
            err(f, "date_order", f"{DATE_LABELS[f]}早于发卡日期")
    if issued and dates.get("expires_on") and dates["expires_on"] <= issued:
        err("expires_on", "date_order", "有效期至应晚于发卡日期")
    bank = raw.get("bank", "")
    if bank and bank not in known_banks and not bank_name_ok(bank):
        err(
            "bank",
            "bank_name",
            f"合作银行“{_shown(bank)}”不在银行登记中（机构代码或名称），也不是可新建的银行名称："
            "须为 2–40 个汉字（可含括号内的汉字），并含“银行”“农商行”“信用社”等字样",
        )
    if len(errors) > bad:
        return None
    number18 = result.upgraded or result.number
    return Row(
        number,
        number18,
        lookup.id_index(number18),
        name,
        category,
        division,
        card_no,
        bank,
        issued,
        dates["activated_on"],
        dates["cancelled_on"],
        raw.get("replaces_card_no", "").upper(),
        dates["expires_on"],
    )


def _check_links(rows: list[Row], errors: list[RowError]) -> None:
    """Card numbers unique; replacements point at an earlier card of the same person, form
    no cycle and replace a card at most once; at most one card left valid per person (in
    the file and with the database)."""
    by_no: dict[str, Row] = {}
    for r in rows:
        if r.card_no in by_no:
            errors.append(
                RowError(
                    r.number,
                    "card_no",
                    "duplicate_in_file",
                    f"卡号与第 {by_no[r.card_no].number} 行重复",
                )
            )
        else:
            by_no[r.card_no] = r
    cycles = _replacement_cycles(by_no)
    for r in rows:
        if r.card_no in cycles and by_no[r.card_no] is r:
            loop, at = cycles[r.card_no]
            if len(loop) == 1:
                message = f"被替换的卡号（replaces_card_no）就是本卡 {r.card_no}：卡不能替换自身"
            else:
                chain = [loop[(at + k) % len(loop)] for k in range(min(5, len(loop)))]
                more = f" → …（环上共 {len(loop)} 张卡）" if len(loop) > 5 else ""
                message = (
                    f"替换关系（replaces_card_no）成环：{' → '.join(chain)}{more} → {r.card_no}"
                    "（→ 表示“替换”），卡不能间接替换自身"
                )
            errors.append(RowError(r.number, "replaces_card_no", "replaces_cycle", message))
    existing = set()
    numbers = list(by_no)
    for i in range(0, len(numbers), 900):
        existing.update(
            Card.objects.filter(card_no__in=numbers[i : i + 900]).values_list("card_no", flat=True)
        )
    for no in existing:
        errors.append(RowError(by_no[no].number, "card_no", "duplicate", f"卡号 {no} 已存在"))
    successor: dict[str, Row] = {}
    for r in rows:
        if not r.replaces or r.card_no in cycles:
            continue
        old = by_no.get(r.replaces)
        if old is None:
            errors.append(
                RowError(
                    r.number,
                    "replaces_card_no",
                    "unknown_card",
                    f"被替换的卡号 {r.replaces} 不在文件中",
                )
            )
        elif old.id_index != r.id_index:
            errors.append(
                RowError(r.number, "replaces_card_no", "other_person", "被替换的卡属于另一人")
            )
        elif old.issued_on > r.issued_on:
            errors.append(
                RowError(r.number, "replaces_card_no", "date_order", "新卡发卡日期早于被替换的卡")
            )
        elif r.replaces in successor:
            errors.append(
                RowError(
                    r.number,
                    "replaces_card_no",
                    "replaced_twice",
                    f"卡号 {r.replaces} 已被第 {successor[r.replaces].number} 行替换",
                )
            )
        else:
            successor[r.replaces] = r
    live: dict[str, Row] = {}
    for r in rows:
        if r.card_no in cycles:
            continue  # reported as a cycle; no card of it can be the one left valid
        if r.cancelled_on is None and r.card_no not in successor:
            if r.id_index in live:
                errors.append(
                    RowError(
                        r.number,
                        "card_no",
                        "multiple_valid_cards",
                        f"同一人有两张有效卡（另见第 {live[r.id_index].number} 行）：须注销或替换其一",
                    )
                )
            else:
                live[r.id_index] = r
    held = set()
    current_of = lookup.lookup_keys(r.id_number for r in live.values())
    indexes = list(current_of)
    for i in range(0, len(indexes), 900):
        held.update(
            current_of[idx]
            for idx in Card.objects.filter(
                person__id_index__in=indexes[i : i + 900], status__in=rules.HELD
            ).values_list("person__id_index", flat=True)
        )
    for idx in held:
        errors.append(
            RowError(live[idx].number, "card_no", "multiple_valid_cards", "该人在系统中已有有效卡")
        )
    for r in rows:
        r.successor = successor.get(r.card_no)  # type: ignore[attr-defined]


def _replacement_cycles(by_no: dict[str, Row]) -> dict[str, tuple[list[str], int]]:
    """The cards on a replacement cycle (a card that replaces itself, directly or through
    others), each with its cycle in replacement order and its place on it:
    ``{"A": (["A", "B"], 0), "B": (["A", "B"], 1)}`` (one cycle's members share one list)."""
    done: set[str] = set()
    cycles: dict[str, tuple[list[str], int]] = {}
    for start in by_no:
        path: list[str] = []
        on_path: dict[str, int] = {}
        no = start
        while no in by_no and no not in done and no not in on_path:
            on_path[no] = len(path)
            path.append(no)
            no = by_no[no].replaces
        if no in on_path:
            loop = path[on_path[no] :]
            for i, member in enumerate(loop):
                cycles[member] = (loop, i)
        done.update(path)
    return cycles


def _centre() -> Organisation:
    centre = Organisation.objects.filter(kind=OrgKind.CENTRE).order_by("id").first()
    return centre


def _ensure_orgs(rows: list[Row], result: CardImportResult, acting_user):
    from sbk.orgs.services import create_organisation

    centre = _centre()
    if centre is None:
        first = rows[0].division
        centre = create_organisation(
            acting_user=acting_user,
            code="CENTRE",
            name="社会保障卡服务中心",
            kind=OrgKind.CENTRE,
            division_code=first[:2] + "0000",
            reason="迁移导入",
        )
        result.regions_created.append(centre.code)
    regions = {}
    for o in Organisation.objects.filter(kind__in=[OrgKind.DISTRICT, OrgKind.CITY]).order_by("id"):
        regions.setdefault(o.division_code, o)
    if centre.division_code not in regions:
        regions[centre.division_code] = centre
    for code in sorted({r.division for r in rows} - set(regions)):
        kind = OrgKind.CITY if code.endswith("00") else OrgKind.DISTRICT
        regions[code] = create_organisation(
            acting_user=acting_user,
            code=f"R{code}",
            name=load_table().name(code) or code,
            kind=kind,
            division_code=code,
            parent=centre,
            reason="迁移导入：发卡地区",
        )
        result.regions_created.append(regions[code].code)
    banks = {}
    for o in Organisation.objects.filter(kind=OrgKind.BANK):
        banks[o.code] = banks[o.name] = o
    for name in sorted({r.bank for r in rows if r.bank} - set(banks)):
        code = "BANK-" + hashlib.sha1(name.encode()).hexdigest()[:8].upper()
        banks[name] = create_organisation(
            acting_user=acting_user,
            code=code,
            name=name,
            kind=OrgKind.BANK,
            division_code=centre.division_code,
            parent=centre,
            reason="迁移导入：合作银行",
        )
        result.banks_created.append(name)
    return regions, banks


def write_report(path: Path, result: CardImportResult) -> Path | None:
    report = path.with_name(path.name + ".errors.csv")
    if not result.errors:
        report.unlink(missing_ok=True)
        return None
    with report.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["row", "field", "code", "message"])
        for e in sorted(result.errors, key=lambda e: (e.row, e.field)):
            w.writerow([e.row, e.field, e.code, e.message])
    return report


def import_cards(path, *, acting_user, dry_run: bool = False) -> CardImportResult:
    ensure(acting_user, Action.CARD_IMPORT)
    path = Path(path)
    result = CardImportResult(dry_run=dry_run)
    rows: list[Row] = []
    known_banks = set()
    for code, name in Organisation.objects.filter(kind=OrgKind.BANK).values_list("code", "name"):
        known_banks.update((code, name))
    for number, raw in _read(path):
        result.total += 1
        row = _parse_row(number, raw, result.errors, known_banks)
        if row is not None:
            rows.append(row)
    _check_links(rows, result.errors)
    result.report_path = write_report(path, result)
    if dry_run or result.errors or not rows:
        return result
    with transaction.atomic():
        _write(path, rows, result, acting_user)
    return result


def _write(path: Path, rows: list[Row], result: CardImportResult, acting_user) -> None:
    regions, banks = _ensure_orgs(rows, result, acting_user)
    current_of = lookup.lookup_keys({r.id_number for r in rows})
    indexes = list(current_of)
    people: dict[str, Person] = {}
    for i in range(0, len(indexes), 900):
        for p in Person.objects.filter(id_index__in=indexes[i : i + 900]):
            people[current_of[p.id_index]] = p
    latest: dict[str, Row] = {}
    for r in rows:
        if r.id_index not in latest or r.issued_on >= latest[r.id_index].issued_on:
            latest[r.id_index] = r
    new_people = []
    for idx, r in latest.items():
        if idx in people:
            continue
        cleaned = clean_person(
            {
                "name": r.name,
                "id_number": r.id_number,
                "category": r.category,
                "category_note": "迁移数据" if r.category == "other" else "",
            }
        )
        p = Person(org=regions[r.division])
        apply_values(p, cleaned.values)
        people[idx] = p
        new_people.append(p)
    Person.objects.bulk_create(new_people, batch_size=settings.SBK_IMPORT_BATCH)
    result.people_created = len(new_people)
    cards: dict[str, Card] = {}
    histories = []
    for r in rows:
        succ = r.successor  # type: ignore[attr-defined]
        region = regions[r.division]
        cards[r.card_no] = Card(
            person=people[r.id_index],
            card_no=r.card_no,
            division_code=r.division,
            org=region,
            bank=banks.get(r.bank) if r.bank else None,
            category=r.category,
            issued_on=r.issued_on,
            expires_on=r.expires_on,
            financial_activated_on=r.activated_on,
            legacy=True,
        )
        history = LegacyHistory(
            replaced_on=succ.issued_on if succ is not None else None,
            cancelled_on=r.cancelled_on if succ is None else None,
        )
        ends = [d for d in (r.cancelled_on, history.replaced_on) if d]
        cards[r.card_no].invalid_on = min(ends) if ends else None
        histories.append((cards[r.card_no], history))
    transitions.import_cards(
        histories, acting_user=acting_user, batch_size=settings.SBK_IMPORT_BATCH
    )
    links = []
    for r in rows:
        if r.replaces:
            card = cards[r.card_no]
            card.replaces = cards[r.replaces]
            links.append(card)
    Card.objects.bulk_update(links, ["replaces"], batch_size=settings.SBK_IMPORT_BATCH)
    result.cards_written = len(cards)
    result.journal_rows = actions.record_legacy_journal(
        _legacy_services(histories), batch_size=settings.SBK_IMPORT_BATCH
    )
    actions.record(
        Action.CARD_IMPORT,
        acting_user=acting_user,
        object_type="cards.card",
        after={
            "file": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "rows": result.total,
            "cards": result.cards_written,
            "people_created": result.people_created,
            "regions_created": result.regions_created,
            "banks_created": result.banks_created,
            "journal_rows": result.journal_rows,
        },
    )


def _legacy_services(histories) -> list[dict]:
    """The services the vendor history implies: each card issued (item ①) and each card
    cancelled without a successor (item ④), at the region that issued it, channel ⑩."""
    entries = []
    for card, history in histories:
        common = {"channel": Channel.OTHER, "outlet": card.org, "person": card.person, "card": card}
        entries.append(
            {
                **common,
                "item": ServiceItem.APPLICATION,
                "action": Action.CARD_ISSUE.audit_name,
                "at": _midday(card.issued_on),
                "details": {"card_no": card.card_no},
            }
        )
        if history.cancelled_on is not None:
            entries.append(
                {
                    **common,
                    "item": ServiceItem.CANCELLATION,
                    "action": Action.PERSON_CANCEL.audit_name,
                    "at": _midday(history.cancelled_on),
                    "details": {"card_no": card.card_no},
                }
            )
    return entries


def _midday(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
