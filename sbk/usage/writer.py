"""Writing an import's new usage rows, part by part, with the kept figures they move.

The importer hands each checked part of a file to a writer as soon as it is checked
(``prepare``: the rows with their card and digest turned into what ``add`` writes, no
database; ``add``: written on the import's connection), and calls ``finish`` once every
part is in; all of it runs in the import's one transaction, so a file refused at its last
row rolls back what its first parts wrote. Written: the usage rows, ``FirstUse`` (each
person's first day of paying and of receiving a benefit, naming the people whose first
day is new or earlier), ``UsageDay`` (uses per day, card division, bank, kind and area)
and, for the people whose first day moved, the kept payer counts (``kept``).

PostgreSQL (``PgWriter``): each part by ``COPY`` into a staging table, then, at the end,
set-based SQL from it; Python only formats each row once. A part checked in a worker
process (``parallel``) comes as COPY text with its first days already compared with the
committed ones (``screened_firsts``), and only those reach the first-day upsert. Other databases
(``RowWriter``): batched inserts per part, the first days and day totals summed here.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.utils import timezone

from . import kept, rules
from .lookup import pg_ids
from .models import FirstUse, UsageDay, UsageRecord

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

STAGE_TYPES = (
    "row_key varchar(64), digest varchar(16), card_id bigint, person_id bigint,"
    " bank_id_at_use bigint, card_division varchar(6), used_at timestamptz, day date,"
    " kind varchar(12), amount numeric(12, 2), scenario varchar(32), division_code varchar(6),"
    " area varchar(16), batch_id bigint"
)


FIRST_KIND = {kind: rules.first_use_kind(kind) for kind in rules.KIND_LABELS}


def writer_for(batch_id: int):
    return PgWriter(batch_id) if connection.vendor == "postgresql" else RowWriter(batch_id)


def _copy_text(value: str) -> str:
    """A text value in COPY's text format (the free-text columns only: the rest are checked)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t")
        value = value.replace("\n", "\\n").replace("\r", "\\r")
    return value


class PgWriter:
    """PostgreSQL: each part is copied into ``usage_stage`` as it comes (the COPY overlaps
    the next part's parse); ``finish`` writes them all with set-based SQL."""

    STAGE = "usage_stage"
    FIRSTS = "usage_first_stage"

    def __init__(self, batch_id: int, *, keep_firsts: bool = False):
        self.batch_id = batch_id
        self.started = False
        self.screened = False  # first-day candidates staged (``screened_firsts``)
        self.tz = timezone.get_current_timezone()
        self.offsets: dict[tuple, str] = {}  # (day, hour) → "+08:00": looked up once
        self.areas: dict[tuple[str, str], str] = {}
        # (person, "pay" | "benefit") → the earliest day prepared: kept only where they are
        # screened (a worker's part, ``parallel``).
        self.firsts: dict[tuple[int, str], object] | None = {} if keep_firsts else None

    def prepare(self, fresh) -> list[str]:
        """A part's new rows as COPY lines: Python only, no database (the importer may call
        it in its helper thread)."""
        tz, offsets, areas, area_of = self.tz, self.offsets, self.areas, rules.area_of
        batch_id, firsts, first_kind = self.batch_id, self.firsts, FIRST_KIND.get
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
            if firsts is not None and (kind := first_kind(row.kind)) is not None:
                key = (card.person_id, kind)
                have = firsts.get(key)
                if have is None or day < have:
                    firsts[key] = day
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
        return lines

    def screened_firsts(self) -> str:
        """The prepared first days that are new or earlier than the committed ones, as COPY
        text for ``add``: read in a worker, on its own connection, so that the finish's
        upsert meets only these (a few per cent of the file's people once years of usage
        are kept) instead of joining every one with the first-day table. Dropping a day
        that is not earlier than a committed one is safe: a first day only ever moves
        earlier, and its row goes only with its person, whom usage rows protect."""
        firsts = self.firsts
        table = FirstUse._meta.db_table
        with connection.cursor() as cursor:
            people = sorted({person for person, _ in firsts})
            for i in range(0, len(people), 200_000):
                array, params = pg_ids(people[i : i + 200_000])
                cursor.execute(
                    f"SELECT person_id, kind, day FROM {table} WHERE person_id = ANY({array})",
                    params,
                )
                for person, kind, day in cursor.fetchall():
                    key = (person, kind)
                    if key in firsts and firsts[key] >= day:
                        del firsts[key]
        return "".join(f"{person}\t{kind}\t{day}\n" for (person, kind), day in firsts.items())

    def add(self, lines: list[str] | str, firsts: str | None = None) -> None:
        """A part's COPY lines (``prepare``), or their text joined and its screened first
        days (a worker's, ``parallel``)."""
        if not lines:
            return
        with connection.cursor() as cursor:
            if not self.started:
                cursor.execute(f"CREATE TEMP TABLE {self.STAGE} ({STAGE_TYPES}) ON COMMIT DROP")
                self.started = True
                if firsts is not None:
                    cursor.execute(
                        f"CREATE TEMP TABLE {self.FIRSTS} (person_id bigint, kind varchar(8),"
                        " day date) ON COMMIT DROP"
                    )
                    self.screened = True
            if firsts:
                with cursor.cursor.copy(f"COPY {self.FIRSTS} FROM STDIN") as copy:
                    copy.write(firsts)
            cols = ", ".join(COPY_COLUMNS)
            with cursor.cursor.copy(f"COPY {self.STAGE} ({cols}) FROM STDIN") as copy:
                if isinstance(lines, str):  # a stream: a slice may end inside a line
                    for i in range(0, len(lines), 1 << 23):
                        copy.write(lines[i : i + (1 << 23)])
                else:
                    for i in range(0, len(lines), 10_000):
                        copy.write("".join(lines[i : i + 10_000]))

    def finish(self) -> None:
        """The staged parts written at once: the usage rows in one pass over the (scenario,
        day) index, the first days and the day totals from one GROUP BY each. Written part
        by part, each part walked the whole of that index again (at 100 M rows held the
        file took a third longer)."""
        if not self.started:
            return
        cols = ", ".join(COPY_COLUMNS)
        stage = self.STAGE
        paying = ", ".join(f"'{k}'" for k in sorted(rules.PAYING))
        first_table = FirstUse._meta.db_table
        day_table = UsageDay._meta.db_table
        # Each moved first day, and whether its row is new: a row the upsert inserted has no
        # xmax, one it updated carries the updating transaction's lock (PostgreSQL's MVCC;
        # tested against a rebuild of the counts).
        returning = f"person_id, kind, day, {first_table}.xmax = 0"
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")  # the GROUP BYs: hash, in memory
            # The planner's row counts for the GROUP BYs (hash aggregates, not sorts).
            cursor.execute(f"ANALYZE {stage}")
            # In the order of the (scenario, day) index: each of its pages is read and written
            # once, not once per row at random (on a table of 100 M rows the index is far
            # larger than the buffers).
            cursor.execute(
                f"INSERT INTO {UsageRecord._meta.db_table} ({cols})"
                f" SELECT {cols} FROM {stage} ORDER BY scenario, day"
            )
            # Only the first days that are new or earlier reach the upsert: an ON CONFLICT
            # whose WHERE is false still locks (writes) the row it met, and with years of
            # usage kept nearly every person of a file already has an earlier first day. The
            # ON CONFLICT stays for a concurrent import of the same people.
            if self.screened:  # the workers compared them already (``screened_firsts``)
                cursor.execute(
                    f"INSERT INTO {first_table} (person_id, kind, day)"
                    f" SELECT person_id, kind, min(day) FROM {self.FIRSTS} GROUP BY 1, 2"
                    f" ORDER BY 1, 2 ON CONFLICT (person_id, kind) DO UPDATE"
                    f" SET day = excluded.day WHERE excluded.day < {first_table}.day"
                    f" RETURNING {returning}"
                )
            else:
                cursor.execute(
                    f"INSERT INTO {first_table} (person_id, kind, day)"
                    f" SELECT g.person_id, g.kind, g.day FROM ("
                    f"  SELECT person_id, CASE WHEN kind = %s THEN %s ELSE %s END AS kind,"
                    f"  min(day) AS day FROM {stage} WHERE kind = %s OR kind IN ({paying})"
                    f"  GROUP BY 1, 2"
                    f" ) g LEFT JOIN {first_table} f ON f.person_id = g.person_id AND f.kind = g.kind"
                    f" WHERE f.day IS NULL OR g.day < f.day ORDER BY g.person_id, g.kind"
                    f" ON CONFLICT (person_id, kind) DO UPDATE SET day = excluded.day"
                    f" WHERE excluded.day < {first_table}.day RETURNING {returning}",
                    [rules.BENEFIT, rules.FIRST_BENEFIT, rules.FIRST_PAY, rules.BENEFIT],
                )
            moved = cursor.fetchall()
            cursor.execute(
                f"INSERT INTO {day_table} (day, division, bank, kind, area, uses, amount)"
                f" SELECT day, card_division, bank_id_at_use, kind, area, count(*), sum(amount)"
                f" FROM {stage} GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
                f" ON CONFLICT (day, division, bank, kind, area) DO UPDATE SET"
                f" uses = {day_table}.uses + excluded.uses,"
                f" amount = {day_table}.amount + excluded.amount"
            )
            cursor.execute(f"DROP TABLE {stage}")
        kept.refresh_first_days(moved)


class RowWriter:
    """Other databases: batched inserts per part; the first days and day totals summed
    over the parts and written at the end."""

    def __init__(self, batch_id: int):
        self.batch_id = batch_id
        self.tz = timezone.get_current_timezone()
        self.first: dict[tuple[int, str], object] = {}
        self.days: dict[tuple, list] = defaultdict(lambda: [0, 0])

    def prepare(self, fresh):
        return fresh

    def add(self, fresh, firsts=None) -> None:
        tz, first, days = self.tz, self.first, self.days
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
                    batch_id=self.batch_id,
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

    def finish(self) -> None:
        kept.refresh(_upsert_first(self.first))
        _upsert_days(self.days)


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
