"""Card usage (issue 19): import rate beside a plain COPY of the same file, and a quarter's
coverage from the kept payer counts beside the distinct count over the raw rows.

    python benchmarks/bench_usage.py [--holders 200000] [--rows 1000000]
        [--pg-url postgres://postgres@127.0.0.1:5432/sbk_bench_usage] [--write benchmarks/RESULTS.md]

PostgreSQL only (the import writes with COPY; the floor is COPY). The database is emptied
of earlier benchmark data and migrated. Synthetic: ``--holders`` people with one issued card
each (17 regions of a municipality, 4 banks and cards without one, issued 2015–2025;
each card's number index computed as the ORM writes it, ``sbk.cards.numbers``), the kept
holder counts built from them by one SQL aggregation; a usage file of ``--rows``
rows over 2026-01-01 … 2026-09-30 (kinds: 25 % contributions, 10 % benefits, the rest
merchant, transport, other; 85 % local, 10 % another district, 4 % another province, 1 % Hong
Kong), one row per use, a unique row key each.

Measured in the same run, on the same file: the plain ``COPY`` of the CSV into a table of
seven text columns (the floor); ``sbk usage import`` (``importer.import_usage``: parse and
check every row, look every card up, compare every row key, COPY the rows, keep the first
days and the day totals, one audit row); the same file again (every key known: nothing
written); a quarter's coverage (``queries.coverage``, median of 3) beside the distinct count
over the raw usage rows and the previous join of first days with the valid cards; all
three are compared and must be equal; then ``rebuild-counts`` and the figure again.
``--holders 200000,1000000`` runs each size in turn and writes one table. ``--reuse
KEYS_JSON`` measures again on what an earlier run of one size prepared (at 10 M holders and
100 M rows the preparation takes over an hour): the earlier run's key file, a new file seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/sbk_bench_usage"
PROVINCE = "310000"
DIVISIONS = [PROVINCE] + [
    "310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112",
    "310113", "310114", "310115", "310116", "310117", "310118", "310120", "310151",
]  # fmt: skip
KINDS = ["pay_medical", "pay_pension", "pay_other", "benefit", "merchant", "transport", "other"]
WEIGHTS = [12, 8, 5, 10, 45, 15, 5]


def setup(url: str, tmp: Path, keys: Path | None = None) -> None:
    import psycopg

    name = urllib.parse.urlparse(url).path.lstrip("/")
    admin = urllib.parse.urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as con:
        if not con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            con.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ["SBK_KEYS_FILE"] = str(tmp / "keys.json")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sbk.settings")
    from sbk.core.crypto import KeyRing

    if keys:  # the key file the reused data was written under (its card number indexes)
        tmp.joinpath("keys.json").write_bytes(keys.read_bytes())
    else:
        KeyRing.generate().save(tmp / "keys.json")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def sql(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(statement, params or [])
        return cur.fetchall() if cur.description else None


def merchant_index() -> str:
    """The model's (scenario, day) index on merchant payments, as its migration creates it."""
    from django.db import connection

    from sbk.usage.models import UsageRecord

    (index,) = UsageRecord._meta.indexes
    with connection.schema_editor(atomic=False) as editor:
        return str(index.create_sql(UsageRecord, editor))


def clear() -> None:
    """Earlier benchmark data out (usage, cards, people and counts of this database)."""
    sql(
        "TRUNCATE usage_usagerecord, usage_firstuse, usage_usageday, usage_usageimport,"
        " usage_payerspan, usage_payercount,"
        " reports_holdercount, reports_holdermonth, reports_holdertotal CASCADE"
    )
    # A history load stopped halfway leaves the two indexes it drops dropped: back first.
    if not sql("SELECT 1 FROM pg_constraint WHERE conname = 'usage_row_key_once'"):
        sql("ALTER TABLE usage_usagerecord ADD CONSTRAINT usage_row_key_once UNIQUE (row_key)")
    if not sql("SELECT to_regclass('usage_merchant_scenario_day')")[0][0]:
        sql(merchant_index())
    sql("DELETE FROM cards_card WHERE card_no LIKE 'U%%'")
    sql("DELETE FROM registry_person WHERE id_index LIKE 'bench-%%'")


def holders(n: int) -> list[int]:
    """``n`` people with one issued card each, the kept counts from them; the bank ids."""
    from django.db import transaction

    from sbk.orgs.models import Organisation, OrgKind
    from sbk.reports import counts
    from sbk.testing import org

    centre = Organisation.objects.filter(kind=OrgKind.CENTRE).first() or org(
        "UCENTRE", OrgKind.CENTRE, PROVINCE, name="基准卡中心"
    )
    banks = []
    for i in range(4):
        code = f"UBANK{i}"
        found = Organisation.objects.filter(code=code).first()
        banks.append((found or org(code, OrgKind.BANK, PROVINCE, centre, name=f"基准银行{i}")).pk)
    divisions = "ARRAY[" + ",".join(f"'{d}'" for d in DIVISIONS) + "]"
    bank_pool = "ARRAY[" + ",".join(str(b) for b in banks) + ",NULL]::bigint[]"
    with transaction.atomic():
        sql(
            "INSERT INTO registry_person (name, name_printable, doc_type, id_number, id_index,"
            " id_masked, gender, birth_date, nationality, phone, phone_index, phone_masked,"
            " address, residence_division, category, category_note, org_id, status,"
            " created_at, updated_at, version)"
            " SELECT '基准', true, 'resident', 'x', 'bench-' || i, '3101**********' || i %% 10000,"
            " 'M', date '1940-01-01' + (i::bigint * 7919 %% 27000)::int, 'CHN', '', '', '', '', '',"
            " 'employee', '', %s, 'active', now(), now(), 1 FROM generate_series(1, %s) i",
            [centre.pk, n],
        )
        index_cards()
        sql(
            "INSERT INTO cards_card (person_id, card_no, card_no_index, card_code, version,"
            " division_code, org_id, bank_id, account_no, account_masked, status, category,"
            " photo, issued_on, electronic, legacy, blank_serial, updated_at)"
            f" SELECT p.id, 'U' || lpad(p.id::text, 9, '0'), t.idx, '', '',"
            f" ({divisions})[1 + p.id %% {len(DIVISIONS)}], %s,"
            f" ({bank_pool})[1 + p.id * 31 %% 5], '', '', 'issued', 'employee', '',"
            " date '2015-01-01' + ((p.id * 104729) %% 4000)::int, false, true, '', now()"
            " FROM registry_person p JOIN card_index t ON t.person_id = p.id"
            " WHERE p.id_index LIKE 'bench-%%'",
            [centre.pk],
        )
        sql("DROP TABLE card_index")
        rows = sql(
            "SELECT issued_on, division_code, category, COALESCE(bank_id, 0), count(*)"
            " FROM cards_card WHERE card_no LIKE 'U%%' GROUP BY 1, 2, 3, 4"
        )
        counts.replace_all(
            ((d, div, cat, b, "chip" if b else ""), (h, 0, h)) for d, div, cat, b, h in rows
        )
    sql("ANALYZE")
    return banks


def index_cards() -> None:
    """Each benchmark card's number index as the ORM would write it (``sbk.cards.numbers``;
    SQL cannot compute the HMAC), COPYed into a temporary table that the cards' INSERT
    joins: the index is written with the card (an UPDATE of 10 M cards afterwards took
    longer than the rest of the preparation)."""
    from django.db import connection

    from sbk.cards.numbers import card_no_index

    ids = [r[0] for r in sql("SELECT id FROM registry_person WHERE id_index LIKE 'bench-%%'")]
    sql("CREATE TEMP TABLE card_index (person_id bigint PRIMARY KEY, idx varchar(64))")
    with connection.cursor() as cur, cur.cursor.copy("COPY card_index FROM STDIN") as copy:
        for i in range(0, len(ids), 20_000):
            copy.write(
                "".join(f"{pk}\t{card_no_index(f'U{pk:09d}')}\n" for pk in ids[i : i + 20_000])
            )


def usage_file(path: Path, n_rows: int, n_holders: int, seed: int = 19) -> None:
    rnd = random.Random(seed)
    first = sql("SELECT min(person_id) FROM cards_card WHERE card_no LIKE 'U%%'")[0][0]
    start = dt.datetime(2026, 1, 1)
    span = int((dt.datetime(2026, 9, 30, 23, 0) - start).total_seconds())
    kinds = rnd.choices(KINDS, WEIGHTS, k=n_rows)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("card_no,used_at,kind,amount,scenario,division_code,row_key\n")
        for i in range(n_rows):
            pid = first + rnd.randrange(n_holders)  # the card of person p is U<p>
            card_no = f"U{pid:09d}"
            own = DIVISIONS[pid % len(DIVISIONS)]
            r = rnd.random()
            place = (
                own
                if r < 0.85
                else rnd.choice(DIVISIONS)
                if r < 0.95
                else "440305"
                if r < 0.99
                else "810000"
            )
            when = start + dt.timedelta(seconds=rnd.randrange(span))
            fh.write(
                f"{card_no},{when:%Y-%m-%d %H:%M:%S},{kinds[i]},{rnd.randrange(100, 50000) / 100:.2f},"
                f"M{rnd.randrange(5000):04d},{place},b{seed}-{i}\n"
            )


def history(n_rows: int, n_holders: int) -> dict:
    """About ``n_rows`` usage rows of 2024–2025 already held, as a province's database holds
    them after two years of imports (the measured file then lands on a table of that size),
    with the kept figures they imply. Written by SQL in one pass, the fact table's two
    indexes dropped and built again after (as a bulk load does); the uses per card vary
    (0 … 2·mean, by a hash of the card id), each use's kind, place, time and amount drawn
    as the file's. Its first days and day totals are what the import would keep (the same
    GROUP BYs over the rows); its payer spans follow ``kept.spans_for`` for one card per
    person with no moves (the benchmark's cards): from the later of the first day and the
    issue day, open. The run's checks (coverage = the distinct count over all raw rows =
    the previous join) hold them to the product's rule."""
    from django.db import connection

    from sbk.usage import rules
    from sbk.usage.models import UsageImport

    t0 = time.perf_counter()
    mean = max(1, round(n_rows / n_holders))
    batch = UsageImport.objects.create(name="history-2024-2025.csv", digest="bench-history")
    places = DIVISIONS + ["440305", "810000"]
    areas = ", ".join(
        f"('{card}', '{place}', '{rules.area_of(card, place)}')"
        for card in DIVISIONS
        for place in places
    )
    kind_case = (
        "CASE "
        + " ".join(
            f"WHEN x.r < {sum(WEIGHTS[: i + 1]) / sum(WEIGHTS):.6f} THEN '{k}'"
            for i, k in enumerate(KINDS[:-1])
        )
        + f" ELSE '{KINDS[-1]}' END"
    )
    n_div = len(DIVISIONS)
    with connection.cursor() as cur:
        cur.execute("SET work_mem = '512MB'")
        cur.execute("SET maintenance_work_mem = '2GB'")
        cur.execute("ALTER TABLE usage_usagerecord DROP CONSTRAINT IF EXISTS usage_row_key_once")
        cur.execute("DROP INDEX IF EXISTS usage_merchant_scenario_day")
        cur.execute(
            "CREATE TEMP TABLE bench_area (card varchar(6), place varchar(6), area varchar(16),"
            f" PRIMARY KEY (card, place)); INSERT INTO bench_area VALUES {areas}"
        )
        # One row per use: u.first is the first day a card may be used in the span, u.days
        # how many days it has; r, p, s draw kind, place and second of the day.
        cur.execute(
            "INSERT INTO usage_usagerecord (row_key, digest, card_id, person_id,"
            " bank_id_at_use, card_division, used_at, day, kind, amount, scenario,"
            " division_code, area, batch_id)"
            " SELECT u.row_key, left(md5(u.row_key), 16), u.card_id, u.person_id, u.bank,"
            " u.division, ((u.day + make_interval(secs => floor(random() * 86400)))"
            "   AT TIME ZONE 'Asia/Shanghai'), u.day, u.kind,"
            " round((100 + random() * 49900)::numeric) / 100,"
            " 'M' || lpad(floor(random() * 5000)::int::text, 4, '0'), u.place, a.area, %s"
            " FROM (SELECT 'h' || c.id || '-' || g AS row_key, c.id AS card_id, c.person_id,"
            "   COALESCE(c.bank_id, 0) AS bank, c.division_code AS division,"
            "   greatest(c.issued_on, date '2024-01-01') + floor(random() *"
            "     (date '2026-01-01' - greatest(c.issued_on, date '2024-01-01')))::int AS day,"
            f"  {kind_case} AS kind,"
            "   CASE WHEN x.p < 0.85 THEN c.division_code"
            f"    WHEN x.p < 0.95 THEN (%s::varchar[])[1 + floor(random() * {n_div})::int]"
            "    WHEN x.p < 0.99 THEN '440305' ELSE '810000' END AS place"
            "  FROM cards_card c"
            f"  CROSS JOIN LATERAL generate_series(1, abs(hashint8(c.id)) %% {2 * mean + 1})"
            "     AS g"
            "  CROSS JOIN LATERAL (SELECT random() + 0 * g AS p, random() + 0 * g AS r) x"
            "  WHERE c.card_no LIKE 'U%%') u"
            " JOIN bench_area a ON a.card = u.division AND a.place = u.place",
            [batch.pk, DIVISIONS],
        )
        rows = cur.rowcount
        insert = time.perf_counter() - t0
        cur.execute(
            "ALTER TABLE usage_usagerecord ADD CONSTRAINT usage_row_key_once UNIQUE (row_key)"
        )
        cur.execute(merchant_index())
        indexes = time.perf_counter() - t0 - insert
        paying = ", ".join(f"'{k}'" for k in sorted(rules.PAYING))
        cur.execute(
            "INSERT INTO usage_firstuse (person_id, kind, day)"
            " SELECT person_id, CASE WHEN kind = %s THEN %s ELSE %s END, min(day)"
            f" FROM usage_usagerecord WHERE kind = %s OR kind IN ({paying}) GROUP BY 1, 2",
            [rules.BENEFIT, rules.FIRST_BENEFIT, rules.FIRST_PAY, rules.BENEFIT],
        )
        cur.execute(
            "INSERT INTO usage_usageday (day, division, bank, kind, area, uses, amount)"
            " SELECT day, card_division, bank_id_at_use, kind, area, count(*), sum(amount)"
            " FROM usage_usagerecord GROUP BY 1, 2, 3, 4, 5"
        )
        cur.execute(
            'INSERT INTO usage_payerspan (person_id, kind, division, bank, start, "end")'
            " SELECT f.person_id, f.kind, c.division_code, COALESCE(c.bank_id, 0),"
            " greatest(f.day, c.issued_on), NULL"
            " FROM usage_firstuse f JOIN cards_card c ON c.person_id = f.person_id"
            " WHERE c.card_no LIKE 'U%%'"
        )
        cur.execute(
            "INSERT INTO usage_payercount (day, division, bank, kind, delta)"
            " SELECT start, division, bank, kind, count(*) FROM usage_payerspan"
            " GROUP BY 1, 2, 3, 4"
        )
        cur.execute("DROP TABLE bench_area")
        cur.execute("RESET work_mem")
        cur.execute("RESET maintenance_work_mem")
    UsageImport.objects.filter(pk=batch.pk).update(rows=rows, new_rows=rows)
    sql("VACUUM ANALYZE usage_usagerecord")
    sql("ANALYZE")
    took = time.perf_counter() - t0
    size = sql("SELECT pg_total_relation_size('usage_usagerecord')")[0][0]
    print(
        f"history: {rows:,} rows in {took:.0f} s (insert {insert:.0f} s, indexes {indexes:.0f} s),"
        f" table with indexes {size / 1e9:.1f} GB",
        flush=True,
    )
    return {"rows": rows, "seconds": took, "bytes": size}


def first_card_id_matches_person() -> None:
    """The file generator assumes card U<person id>; check it."""
    bad = sql(
        "SELECT count(*) FROM cards_card WHERE card_no LIKE 'U%%'"
        " AND card_no <> 'U' || lpad(person_id::text, 9, '0')"
    )[0][0]
    assert bad == 0, bad


def plain_copy(path: Path) -> float:
    from django.db import connection, transaction

    with transaction.atomic():
        sql(
            "CREATE TEMP TABLE usage_floor (card_no text, used_at text, kind text, amount text,"
            " scenario text, division_code text, row_key text) ON COMMIT DROP"
        )
        t = time.perf_counter()
        with (
            connection.cursor() as cur,
            cur.cursor.copy("COPY usage_floor FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as fh,
        ):
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        return time.perf_counter() - t


def raw_distinct(end: dt.date) -> dict:
    """The distinct count over the raw usage rows that the kept first days replace."""
    got = sql(
        "SELECT count(DISTINCT u.person_id) FILTER (WHERE u.kind LIKE 'pay_%%'),"
        " count(DISTINCT u.person_id) FILTER (WHERE u.kind = 'benefit')"
        " FROM usage_usagerecord u JOIN cards_card c ON c.person_id = u.person_id"
        " WHERE u.day <= %s AND c.issued_on <= %s AND (c.invalid_on IS NULL OR c.invalid_on > %s)",
        [end, end, end],
    )[0]
    return {"payers": got[0], "beneficiaries": got[1]}


def median(fn, repeat=3) -> tuple[float, object]:
    runs, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), out


def old_join(end: dt.date) -> dict:
    """The query coverage used before the kept counts: first days joined with the cards."""
    from sbk.usage import queries

    got = queries._counted_raw(end, "1").get(1, {})
    return {"payers": got.get("pay", 0), "beneficiaries": got.get("benefit", 0)}


def reused(n_holders: int) -> dict:
    """``--reuse``: the holders and history an earlier run prepared, as they are now (the
    files that run and later ones imported included)."""
    have = sql("SELECT count(*) FROM cards_card WHERE card_no LIKE 'U%%'")[0][0]
    assert have == n_holders, f"the database holds {have:,} benchmark cards, not {n_holders:,}"
    rows = sql("SELECT count(*) FROM usage_usagerecord")[0][0]
    size = sql("SELECT pg_total_relation_size('usage_usagerecord')")[0][0]
    sql("VACUUM ANALYZE cards_card")  # as in a fresh run: planner statistics
    print(f"reused: {n_holders:,} holders, {rows:,} usage rows held", flush=True)
    return {"rows": rows, "seconds": 0, "bytes": size}


def _client_cpu() -> float:
    """CPU seconds of this process and of its ended children (the import's workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def run(
    n_holders: int, n_rows: int, tmp: Path, history_rows: int = 0, rebuild=True, reuse=False
) -> dict:
    from django.db import transaction

    from sbk.core.actors import SYSTEM
    from sbk.usage import kept, queries
    from sbk.usage.importer import import_usage

    t = time.perf_counter()
    if reuse:
        held = reused(n_holders)
    else:
        clear()
        holders(n_holders)
        first_card_id_matches_person()
        sql("VACUUM ANALYZE cards_card")  # as autovacuum would have: planner statistics
        held = (
            history(history_rows, n_holders)
            if history_rows
            else {"rows": 0, "seconds": 0, "bytes": 0}
        )
    path = tmp / "usage.csv"
    # A reused database already holds the row keys of the files imported before: a new seed.
    seed = 19 + sql("SELECT count(*) FROM usage_usageimport")[0][0] if reuse else 19
    usage_file(path, n_rows, n_holders, seed=seed)
    prepare = time.perf_counter() - t
    size_mb = path.stat().st_size / 1e6
    floor = plain_copy(path)
    data = path.read_bytes()
    t, cpu = time.perf_counter(), _client_cpu()
    result = import_usage(data, acting_user=SYSTEM, name=path.name)
    import_time = time.perf_counter() - t
    import_cpu = _client_cpu() - cpu  # parse, check, build COPY: not the server's
    load = os.getloadavg()[0]
    assert result.new_rows == n_rows, result
    sql("ANALYZE")
    t = time.perf_counter()
    again = import_usage(data, acting_user=SYSTEM, name=path.name)
    again_time = time.perf_counter() - t
    assert again.new_rows == 0 and again.known_rows == n_rows
    end = dt.date(2026, 9, 30)
    cov_time, cov = median(lambda: queries.coverage(end))
    region_time, _ = median(lambda: queries.coverage(end, "310112"))
    big = held["rows"] > 10_000_000  # a scan of the whole table: once is enough
    raw_time, raw = median(lambda: raw_distinct(end), repeat=1 if big else 3)
    join_time, join = median(lambda: old_join(end), repeat=1)
    assert {k: cov[k] for k in raw} == raw == join, (cov, raw, join)
    rebuild_time = None
    if rebuild:
        t = time.perf_counter()
        with transaction.atomic():
            kept.rebuild()
        rebuild_time = time.perf_counter() - t
        assert queries.coverage(end) == cov
    out = {
        "holders": n_holders, "rows": n_rows, "size_mb": size_mb, "prepare": prepare,
        "floor": floor, "import": import_time, "import_cpu": import_cpu, "load": load,
        "server": {k: sql(f"SHOW {k}")[0][0] for k in ("shared_buffers", "max_wal_size",
                                                       "work_mem", "server_version")},
        "again": again_time, "coverage": cov_time, "region": region_time, "raw": raw_time,
        "join": join_time, "rebuild": rebuild_time, "figures": cov,
        "count_rows": sql("SELECT count(*) FROM usage_payercount")[0][0],
        "history": held, "total_rows": sql("SELECT count(*) FROM usage_usagerecord")[0][0],
        "table_bytes": sql("SELECT pg_total_relation_size('usage_usagerecord')")[0][0],
    }  # fmt: skip
    print(
        f"{n_holders:,} holders, {n_rows:,} rows ({size_mb:.0f} MB), prepared in {prepare:.0f} s\n"
        f"COPY floor {floor:.2f} s; import {import_time:.2f} s "
        f"({n_rows / import_time * 60:,.0f} rows/min, {import_time / floor:.1f}× the floor; "
        f"client CPU {import_cpu:.1f} s, load {load:.1f}); again {again_time:.2f} s\n"
        f"coverage {cov_time * 1000:.0f} ms (region {region_time * 1000:.0f} ms), "
        f"old join {join_time * 1000:.0f} ms, distinct count over raw rows "
        f"{raw_time * 1000:.0f} ms, rebuild-counts {rebuild_time or 0:.1f} s; {cov}",
        flush=True,
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--holders", default="200000", help="one size or several: 200000,1000000")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg-url", default=os.environ.get("SBK_BENCH_PG", DEFAULT_PG))
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        help="about this many usage rows of 2024–2025 held before the measured import",
    )
    parser.add_argument(
        "--no-rebuild", action="store_true", help="skip rebuild-counts (Python over every payer)"
    )
    parser.add_argument(
        "--reuse",
        metavar="KEYS_JSON",
        help="measure on the holders and history an earlier run left in the database (one"
        " size), whose key file this is; nothing is cleared or prepared",
    )
    parser.add_argument("--write")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sbk-bench-usage-"))
    import psycopg

    try:
        setup(args.pg_url, tmp, Path(args.reuse) if args.reuse else None)
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable at {args.pg_url} ({exc}); usage benchmark skipped")
        return 0
    sizes = [int(x) for x in args.holders.split(",")]
    reuse = bool(args.reuse)
    runs = [run(n, args.rows, tmp, args.history, not args.no_rebuild, reuse) for n in sizes]
    if args.write:
        from results import machine, write_section
        from usage_report import history_section, section

        if args.history or reuse:  # a reused database is the history run's preparation
            write_section(args.write, "usage-history", history_section(args, runs, machine()))
        else:
            write_section(args.write, "usage", section(args, runs, machine()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
