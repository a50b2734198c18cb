"""The ledger engine (台账记账): move locked serials, post entries, keep the counters.

Every movement service ends here. Locks are taken in one order everywhere — serial rows
first (by primary key), then balance rows (by primary key) — so two movements never wait
on each other in a circle. Balances change with ``F()`` and a CHECK refuses a negative one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone

from sbk.core import actions
from sbk.core.errors import Conflict, ServiceError

from .. import rules
from ..errors import StockErrorCode as E
from ..models import Balance, Book, Entry, Serial


@dataclass
class Step:
    """Move this (locked) serial to ``dst``."""

    serial: Serial
    dst: rules.Place
    sender_id: int | None = None  # in transit: who sent it
    since: dt.date | None = None
    overdue: bool = False
    irregular: bool = False
    corrects: Entry | None = None


def actor_of(acting_user):
    return acting_user if getattr(acting_user, "pk", None) else None


def today() -> dt.date:
    return timezone.localdate()


def check_day(day: dt.date | None) -> dt.date:
    if day is None:
        return today()
    if day > today():
        raise ServiceError(E.BAD_DATE, f"业务日期 {day} 晚于今天，不能预记", field="date")
    return day


def check_version(version) -> str:
    """The card version named (the current one when none is); an unknown one is refused."""
    version = str(version or "").strip() or settings.SBK_CARD_VERSION
    if not rules.version_known(version, settings.SBK_CARD_VERSION):
        raise ServiceError(
            E.BAD_VERSION,
            f"卡版本 {version} 不是已知的社会保障卡版本（{'、'.join(rules.CARD_VERSIONS)}）",
            field="version",
        )
    return version


def require_version(serials: list[str], version: str) -> None:
    """Every serial must be of ``version``; names the first that is not."""
    other = (
        Serial.objects.filter(serial__in=serials)
        .exclude(version=version)
        .values_list("serial", "version")
        .first()
    )
    if other is not None:
        raise Conflict(
            E.BAD_VERSION,
            f"序列号 {other[0]} 是 {other[1]} 版卡基，不是 {version} 版",
            field="version",
        )


def clean_serials(serials) -> list[str]:
    out = [str(s).strip() for s in serials or []]
    if not out or any(not s for s in out):
        raise ServiceError(E.NO_SERIALS, "须列出至少一个序列号（不能为空）", field="serials")
    dupes = [s for s, n in Counter(out).items() if n > 1]
    if dupes:
        raise ServiceError(
            E.DUPLICATE_SERIAL, f"序列号 {dupes[0]} 在同一笔业务中重复", field="serials"
        )
    if any(len(s) > 32 for s in out):
        raise ServiceError(E.NO_SERIALS, "序列号不能超过 32 个字符", field="serials")
    return out


def lock_serials(serials: list[str]) -> list[Serial]:
    """The serial rows, locked in primary-key order; an unknown serial is refused."""
    rows = list(Serial.objects.select_for_update().filter(serial__in=serials).order_by("pk"))
    known = {r.serial for r in rows}
    missing = [s for s in serials if s not in known]
    if missing:
        raise ServiceError(E.UNKNOWN_SERIAL, f"序列号 {missing[0]} 不在台账中", field="serials")
    order = {s: i for i, s in enumerate(serials)}
    return sorted(rows, key=lambda r: order[r.serial])


def place_of(row: Serial) -> rules.Place:
    if row.state == rules.NONE:
        return rules.OUTSIDE
    return rules.Place(row.state, row.org_id, row.item)


def check_not_before(rows: list[Serial], day: dt.date) -> None:
    """A serial cannot move on a day before its latest movement (it was not there yet)."""
    last = (
        Entry.objects.filter(serial__in=[r.serial for r in rows], day__gt=day)
        .values_list("serial", "day")
        .order_by("-day")
        .first()
    )
    if last is not None:
        raise ServiceError(
            E.BAD_DATE,
            f"序列号 {last[0]} 在 {last[1]} 才有上一笔流转，业务日期不能早于此",
            field="date",
        )


def require_at(
    rows: list[Serial], place: rules.Place, *, bank=None, version: str = "", what: str = ""
) -> None:
    """Every serial must be at ``place`` (and of ``bank`` and ``version``); names the first
    that is not."""
    for row in rows:
        here = place_of(row)
        if here != place:
            raise Conflict(
                E.NOT_HERE,
                f"序列号 {row.serial} 当前为“{here.label()}”"
                + (f"（机构#{row.org_id}）" if row.org_id else "")
                + f"，不能{what}",
                field="serials",
            )
        if bank is not None and row.bank_id != bank.pk:
            raise Conflict(E.BAD_BANK, f"序列号 {row.serial} 不是{bank.name}的卡基", field="bank")
        if version and row.version != version:
            raise Conflict(
                E.BAD_VERSION,
                f"序列号 {row.serial} 是 {row.version} 版卡基，不是 {version} 版",
                field="version",
            )


def closed_through(org_ids) -> dict[int, dt.date | None]:
    return dict(
        Book.objects.filter(org_id__in=set(org_ids)).values_list("org_id", "closed_through")
    )


def post(
    steps: list[Step],
    *,
    kind: str,
    acting_user,
    requested_day: dt.date,
    note: str = "",
    reason: str = "",
    at: dt.datetime | None = None,
    batch: uuid.UUID | None = None,
) -> list[Entry]:
    """Book ``steps`` as one movement: entries, serial places and balances, or nothing."""
    at = at or timezone.now()
    batch = batch or uuid.uuid4()
    check_not_before([s.serial for s in steps], requested_day)
    effects: Counter = Counter()
    touched = set()
    for step in steps:
        for org_id, item, delta in rules.balance_effect(place_of(step.serial), step.dst):
            effects[(org_id, item, step.serial.bank_id, step.serial.version)] += delta
            touched.add(org_id)
    books = closed_through(touched)
    day = rules.booking_day(requested_day, [books.get(o) for o in touched])
    late = rules.late_note(requested_day, day)
    note = "；".join(t for t in (note.strip(), late) if t)[:300]
    entries = []
    for step in steps:
        row, src = step.serial, place_of(step.serial)
        entries.append(
            Entry(
                batch=batch,
                kind=kind,
                serial=row.serial,
                bank_id=row.bank_id,
                version=row.version,
                src_state=src.state,
                src_org_id=src.org,
                src_item=src.item,
                dst_state=step.dst.state,
                dst_org_id=step.dst.org,
                dst_item=step.dst.item,
                day=day,
                requested_day=requested_day,
                at=at,
                actor=actor_of(acting_user),
                note=note,
                reason=reason[:300],
                corrects=step.corrects,
                overdue=step.overdue,
                irregular=step.irregular,
            )
        )
        row.state, row.org_id, row.item = step.dst.state, step.dst.org, step.dst.item or row.item
        row.sender_id = step.sender_id
        if step.since is not None:
            row.since = step.since
    Entry.objects.bulk_create(entries)
    # The serials of a movement mostly go to one place: one UPDATE per destination (a
    # bulk_update's CASE per row costs more to build than the statements it saves).
    groups: dict[tuple, list[int]] = {}
    for step in steps:
        r = step.serial
        groups.setdefault((r.state, r.org_id, r.item, r.sender_id, r.since), []).append(r.pk)
    for (state, org, item, sender, since), pks in groups.items():
        Serial.objects.filter(pk__in=pks).update(
            state=state, org_id=org, item=item, sender_id=sender, since=since
        )
    apply_balances(effects)
    return entries


def apply_balances(effects: Counter) -> None:
    """Change the counters, locked in primary-key order; refuse a negative balance."""
    effects = Counter({k: v for k, v in effects.items() if v})
    if not effects:
        return
    Balance.objects.bulk_create(
        [Balance(org_id=o, item=i, bank_id=b, version=v, qty=0) for (o, i, b, v) in effects],
        ignore_conflicts=True,
    )
    orgs = {k[0] for k in effects}
    locked = (
        Balance.objects.select_for_update()
        .filter(org_id__in=orgs, item__in={k[1] for k in effects})
        .order_by("pk")
    )
    for bal in locked:
        delta = effects.get((bal.org_id, bal.item, bal.bank_id, bal.version))
        if not delta:
            continue
        if bal.qty + delta < 0:
            raise Conflict(
                E.NOT_HERE,
                f"{rules.ITEM_LABELS[bal.item]}余额将为负数（机构#{bal.org_id}），不能记账",
            )
        try:
            with actions.atomic():
                Balance.objects.filter(pk=bal.pk).update(qty=F("qty") + delta)
        except IntegrityError:
            raise Conflict(E.NOT_HERE, "余额不能为负数") from None
