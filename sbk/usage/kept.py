"""The kept payer and beneficiary counts (ADR 0008): per day × division × bank × kind, the
change in people counted, so that a day's coverage is a sum over regions × days.

A person counts on day E (kind ``pay`` or ``benefit``) when their first use of that kind is
on or before E and they hold a valid card on E; they count in the division and bank of the
card the holder counting rule picks (the valid card issued last; ties: the higher id), in
the division that card had on E — as the holder counts (ADR 0005) read it: the card's
region moves (``reports.HolderMove``) split a span on their day, so a region's payers never
exceed its holders. For one person this is a set of spans — while card c is the counted one
in one region and the first use has happened — each a +1 on its first day and a -1 on the
day it ends. The spans are kept (``PayerSpan``), so that a change to the person's cards (the
card hook) or first-use days (the import) takes the old spans off the counts and puts the
new ones on, in the same transaction: the result is exactly the distinct count over the raw
rows, people in the region of the day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import F, Sum
from django.utils import timezone

from sbk.cards.models import Card
from sbk.reports.models import HolderMove

from .lookup import pg_ids, pg_texts
from .models import FirstUse, PayerCount, PayerSpan

BATCH = 500  # persons per IN ()
NULL = "\\N"  # COPY's text format

Span = tuple  # (kind, division, bank, start, end|None)


Moves = dict  # card id → [(day, old division, new division)], in the order they happened


def division_on(card, moves: Moves, day: dt.date) -> str:
    """The card's division on ``day``: as it is now, with the later moves undone (the holder
    counts' rule, ``sbk.reports.counting.CardFacts.place_at``)."""
    division = card[3]
    for moved_on, old, _new in reversed(moves.get(card[0], ())):
        if moved_on <= day:
            break
        division = old
    return division


def counted_periods(cards, moves: Moves | None = None) -> list[tuple]:
    """``cards``: (id, issued_on, invalid_on, division, bank) of one person; ``moves``: their
    region moves. Returns [(start, end|None, division, bank)]: while which card counts for the
    person, in the region it had then (a move splits a period on its day)."""
    moves = moves or {}
    cards = [c for c in cards if c[1] is not None and (c[2] is None or c[2] > c[1])]
    if not cards:
        return []
    points = {c[1] for c in cards} | {c[2] for c in cards if c[2] is not None}
    for c in cards:
        points.update(m[0] for m in moves.get(c[0], ()) if m[0] > c[1])
    points = sorted(points)
    out: list[list] = []
    for i, start in enumerate(points):
        end = points[i + 1] if i + 1 < len(points) else None
        valid = [c for c in cards if c[1] <= start and (c[2] is None or c[2] > start)]
        if not valid:
            continue
        best = max(valid, key=lambda c: (c[1], c[0]))
        place = (division_on(best, moves, start), best[4] or 0)
        if out and out[-1][1] == start and out[-1][2:] == list(place):
            out[-1][1] = end
        else:
            out.append([start, end, *place])
    return [tuple(p) for p in out]


def spans_for(cards, firsts: dict[str, dt.date], moves: Moves | None = None) -> list[Span]:
    out = []
    periods = counted_periods(cards, moves)
    for kind, first in firsts.items():
        for start, end, division, bank in periods:
            begin = max(start, first)
            if end is None or begin < end:
                out.append((kind, division, bank, begin, end))
    return out


def _moves_of(card_ids, pending=None) -> Moves:
    """The region moves of these cards as the holder counts keep them (``HolderMove``, one
    row per move of a card), and ``pending``, the move a card hook is handling now when the
    reports' hook has not written it yet: (card id, day, old, new)."""
    out: Moves = defaultdict(list)
    ids = list(card_ids)
    qs = HolderMove.objects.exclude(old_division=F("new_division")).order_by("card_id", "day", "id")
    for i in range(0, len(ids), BATCH):
        rows = qs.filter(card_id__in=ids[i : i + BATCH])
        for cid, *move in rows.values_list("card_id", "day", "old_division", "new_division"):
            out[cid].append(tuple(move))
    if pending is not None:
        cid, *move = pending
        if move[1] != move[2] and (not out[cid] or out[cid][-1] != tuple(move)):
            out[cid].append(tuple(move))
    return out


def _add(deltas: dict, spans, sign: int) -> None:
    for kind, division, bank, start, end in spans:
        deltas[(start, division, bank, kind)] += sign
        if end is not None:
            deltas[(end, division, bank, kind)] -= sign


def upsert(deltas: dict) -> None:
    rows = [(*k, n) for k, n in deltas.items() if n]
    if not rows:
        return
    t = PayerCount._meta.db_table
    if connection.vendor == "postgresql":  # COPY into a temporary table, one merge
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE payer_delta (day date, division varchar(6), bank bigint,"
                " kind varchar(8), delta integer) ON COMMIT DROP"
            )
            with cursor.cursor.copy("COPY payer_delta FROM STDIN") as copy:
                copy.write("".join(f"{d}\t{v}\t{b}\t{k}\t{n}\n" for d, v, b, k, n in rows))
            cursor.execute(
                f"INSERT INTO {t} (day, division, bank, kind, delta)"
                f" SELECT day, division, bank, kind, delta FROM payer_delta"
                f" ON CONFLICT (day, division, bank, kind) DO UPDATE SET"
                f" delta = {t}.delta + excluded.delta"
            )
            cursor.execute("DROP TABLE payer_delta")
        return
    per = 150
    for i in range(0, len(rows), per):
        part = rows[i : i + per]
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
        sql = (
            f"INSERT INTO {t} (day, division, bank, kind, delta) VALUES {values}"
            f" ON CONFLICT (day, division, bank, kind) DO UPDATE SET"
            f" delta = {t}.delta + excluded.delta"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [x for r in part for x in r])


def _cards_of(person_ids) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    rows = Card.objects.filter(person_id__in=person_ids, issued_on__isnull=False).values_list(
        "person_id", "id", "issued_on", "invalid_on", "division_code", "bank_id"
    )
    for pid, *rest in rows:
        out[pid].append(tuple(rest))
    return out


def _firsts_of(person_ids) -> dict[int, dict]:
    out: dict[int, dict] = defaultdict(dict)
    for pid, kind, first in FirstUse.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "kind", "day"
    ):
        out[pid][kind] = first
    return out


def refresh(person_ids, pending=None) -> None:
    """Take the persons' kept spans off the counts and put their spans as of now on
    (``pending``: a move being made, see ``_moves_of``)."""
    ids = sorted(set(person_ids))
    if connection.vendor == "postgresql" and len(ids) > BATCH:
        refresh_many(ids)
        return
    for i in range(0, len(ids), BATCH):
        part = ids[i : i + BATCH]
        firsts = _firsts_of(part)
        old = PayerSpan.objects.filter(person_id__in=part)
        old_rows = list(old.values_list("kind", "division", "bank", "start", "end"))
        if not firsts and not old_rows:
            continue
        cards = _cards_of(list(firsts)) if firsts else {}
        moves = _moves_of([c[0] for held in cards.values() for c in held], pending)
        new = []
        for pid, f in firsts.items():
            new += [(pid, s) for s in spans_for(cards.get(pid, []), f, moves)]
        deltas: dict = defaultdict(int)
        _add(deltas, old_rows, -1)
        _add(deltas, [s for _, s in new], 1)
        old.delete()
        PayerSpan.objects.bulk_create(
            [
                PayerSpan(person_id=p, kind=k, division=d, bank=b, start=s, end=e)
                for p, (k, d, b, s, e) in new
            ],
            batch_size=1000,
        )
        upsert(deltas)


def refresh_many(ids) -> None:
    """``refresh`` on PostgreSQL for many people: per 100,000 people one read of their
    first days and one ``DELETE … RETURNING`` of their spans, then ``_put_spans``."""
    first_table, span_table = FirstUse._meta.db_table, PayerSpan._meta.db_table
    ids = sorted(set(ids))
    deltas: dict = defaultdict(int)
    firsts: dict[int, dict] = defaultdict(dict)
    with connection.cursor() as cursor:
        for i in range(0, len(ids), 100_000):
            array, params = pg_ids(ids[i : i + 100_000])
            cursor.execute(
                f"SELECT person_id, kind, day FROM {first_table} WHERE person_id = ANY({array})",
                params,
            )
            for pid, kind, first in cursor.fetchall():
                firsts[pid][kind] = first
            cursor.execute(
                f"DELETE FROM {span_table} WHERE person_id = ANY({array})"
                f' RETURNING kind, division, bank, start, "end"',
                params,
            )
            _add(deltas, cursor.fetchall(), -1)
        _put_spans(cursor, firsts, deltas)
    upsert(deltas)


def refresh_first_days(moved) -> None:
    """``refresh`` on PostgreSQL for an import's moved first days: ``moved`` is (person,
    kind, new first day, whether the kind's first day is new), as the import's upsert
    returns them. A person's spans of one kind depend on that kind's first day only
    (``spans_for``), so only the moved kinds' spans are taken off and put on again; a kind
    whose first day is new has none to take off (spans are only ever made from a first
    day), which spares most of the deletes, and the first days are not read again."""
    span_table = PayerSpan._meta.db_table
    deltas: dict = defaultdict(int)
    firsts: dict[int, dict] = defaultdict(dict)
    earlier: list[tuple[int, str]] = []
    for pid, kind, first, new in moved:
        firsts[pid][kind] = first
        if not new:
            earlier.append((pid, kind))
    with connection.cursor() as cursor:
        for i in range(0, len(earlier), 100_000):
            part = earlier[i : i + 100_000]
            people, params = pg_ids(p for p, _ in part)
            kinds, kind_params = pg_texts(k for _, k in part)
            cursor.execute(
                f"DELETE FROM {span_table} s USING unnest({people}, {kinds}) AS m(person, kind)"
                f" WHERE s.person_id = m.person AND s.kind = m.kind"
                f' RETURNING s.kind, s.division, s.bank, s.start, s."end"',
                params + kind_params,
            )
            _add(deltas, cursor.fetchall(), -1)
        _put_spans(cursor, firsts, deltas)
    upsert(deltas)


def _put_spans(cursor, firsts: dict[int, dict], deltas: dict) -> None:
    """The spans of ``firsts`` (person → kind → first day) written, per 100,000 people one
    read of their cards and one of the cards' moves and one COPY; their count changes
    added to ``deltas``."""
    span_table, card_table = PayerSpan._meta.db_table, Card._meta.db_table
    move_table = HolderMove._meta.db_table
    ids = sorted(firsts)
    for i in range(0, len(ids), 100_000):
        array, params = pg_ids(ids[i : i + 100_000])
        cursor.execute(
            f"SELECT person_id, id, issued_on, invalid_on, division_code, bank_id"
            f" FROM {card_table} WHERE person_id = ANY({array}) AND issued_on IS NOT NULL",
            params,
        )
        cards: dict[int, list] = defaultdict(list)
        for pid, *rest in cursor.fetchall():
            cards[pid].append(tuple(rest))
        array, params = pg_ids(c[0] for held in cards.values() for c in held)
        cursor.execute(
            f"SELECT card_id, day, old_division, new_division FROM {move_table}"
            f" WHERE card_id = ANY({array}) AND old_division <> new_division"
            f" ORDER BY card_id, day, id",
            params,
        )
        moves: Moves = defaultdict(list)
        for cid, *move in cursor.fetchall():
            moves[cid].append(tuple(move))
        lines = []
        for pid in ids[i : i + 100_000]:
            spans = spans_for(cards.get(pid, []), firsts[pid], moves)
            _add(deltas, spans, 1)
            lines += [
                f"{pid}\t{k}\t{d}\t{b}\t{s}\t{NULL if e is None else e}\n"
                for k, d, b, s, e in spans
            ]
        columns = 'person_id, kind, division, bank, start, "end"'
        with cursor.cursor.copy(f"COPY {span_table} ({columns}) FROM STDIN") as copy:
            for j in range(0, len(lines), 10_000):
                copy.write("".join(lines[j : j + 10_000]))


def _may_move_spans(change) -> bool:
    """Whether a transition can change what a person's spans read (issue or invalid date,
    division): a card entering or leaving the held states, a move, an invalidation of a card
    that was issued. Bank and status-only changes (a loss, an activation) cannot: they cost
    no statement here."""
    from sbk.cards import rules as card_rules

    if change.transition == "move":
        return True
    held = frozenset(card_rules.HELD)
    if (change.before in held) != (change.after in held):
        return True
    ended = (card_rules.REPLACED, card_rules.CANCELLED)
    return change.after in ended and change.before not in ended and bool(change.card.issued_on)


def on_card_change(change) -> None:
    """Card hook: the person's spans again when the change can move them (one indexed read
    for a person who never used a card). Legacy imports are handled per batch."""
    from sbk.cards import transitions

    if change.legacy and hasattr(transitions, "on_cards_imported"):
        return
    if _may_move_spans(change):
        pending = None
        if change.transition == "move":
            old, new = change.context["old"], change.context["new"]
            day = timezone.localdate(change.at)
            pending = (change.card.pk, day, old["division_code"], new["division_code"])
        refresh([change.card.person_id], pending)


def on_cards_imported(changes) -> None:
    """A legacy import's batch: every person it touched, once."""
    refresh({c.card.person_id for c in changes})


def rebuild() -> dict:
    """Replace the spans and counts with what the cards and first-use days imply."""
    PayerCount.objects.all().delete()
    PayerSpan.objects.all().delete()
    firsts: dict[int, dict] = defaultdict(dict)
    for pid, kind, first in FirstUse.objects.values_list("person_id", "kind", "day").iterator(
        chunk_size=20000
    ):
        firsts[pid][kind] = first
    deltas: dict = defaultdict(int)
    spans = []
    ids = sorted(firsts)
    for i in range(0, len(ids), BATCH):
        part = ids[i : i + BATCH]
        cards = _cards_of(part)
        moves = _moves_of([c[0] for held in cards.values() for c in held])
        for pid in part:
            for s in spans_for(cards.get(pid, []), firsts[pid], moves):
                spans.append(PayerSpan(person_id=pid, kind=s[0], division=s[1], bank=s[2],
                                       start=s[3], end=s[4]))  # fmt: skip
        if len(spans) >= 20000:
            _add(deltas, [(p.kind, p.division, p.bank, p.start, p.end) for p in spans], 1)
            PayerSpan.objects.bulk_create(spans, batch_size=5000)
            spans = []
    _add(deltas, [(p.kind, p.division, p.bank, p.start, p.end) for p in spans], 1)
    PayerSpan.objects.bulk_create(spans, batch_size=5000)
    upsert(deltas)
    return {"people": len(ids), "count_rows": PayerCount.objects.count()}


def counted(end: dt.date, group: str | None, region=None, bank_id=None) -> dict:
    """{group value or 1: {"pay": n, "benefit": n}} at ``end`` from the kept counts;
    ``group`` is "division", "bank" or None."""
    qs = PayerCount.objects.filter(day__lte=end)
    if region:
        qs = qs.filter(division__startswith=region)
    if bank_id is not None:
        qs = qs.filter(bank=bank_id)
    keys = [group, "kind"] if group else ["kind"]
    out: dict = defaultdict(lambda: {"pay": 0, "benefit": 0})
    for row in qs.values(*keys).annotate(n=Sum("delta")).order_by():
        if row["n"]:
            out[row[group] if group else 1][row["kind"]] += row["n"]
    return out
