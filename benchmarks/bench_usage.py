"""Card usage (issue 19): import rate beside a plain COPY of the same file, and a quarter's
coverage from the kept first-use days beside the distinct count over the raw rows.

    python benchmarks/bench_usage.py [--holders 200000] [--rows 1000000]
        [--pg-url postgres://postgres@127.0.0.1:5432/sbk_bench_usage] [--write benchmarks/RESULTS.md]

PostgreSQL only (the import writes with COPY; the floor is COPY). The database is emptied
of earlier benchmark data and migrated. Synthetic: ``--holders`` people with one issued card
each (17 regions of a municipality, 4 banks and cards without one, issued 2015–2025),
the kept holder counts built from them by one SQL aggregation; a usage file of ``--rows``
rows over 2026-01-01 … 2026-09-30 (kinds: 25 % contributions, 10 % benefits, the rest
merchant, transport, other; 85 % local, 10 % another district, 4 % another province, 1 % Hong
Kong), one row per use, a unique row key each.

Measured in the same run, on the same file: the plain ``COPY`` of the CSV into a table of
seven text columns (the floor); ``sbk usage import`` (``importer.import_usage``: parse and
check every row, look every card up, compare every row key, COPY the rows, keep the first
days and the day totals, one audit row); the same file again (every key known: nothing
written); a quarter's coverage (``queries.coverage``, median of 3) beside the distinct count
over the raw usage rows that it replaces; the two are compared and must be equal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
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


def setup(url: str, tmp: Path) -> None:
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


def clear() -> None:
    """Earlier benchmark data out (usage, cards, people and counts of this database)."""
    sql(
        "TRUNCATE usage_usagerecord, usage_firstuse, usage_usageday, usage_usageimport,"
        " reports_holdercount, reports_holdermonth, reports_holdertotal CASCADE"
    )
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
            " 'M', date '1940-01-01' + (i * 7919 %% 27000), 'CHN', '', '', '', '', '',"
            " 'employee', '', %s, 'active', now(), now(), 1 FROM generate_series(1, %s) i",
            [centre.pk, n],
        )
        sql(
            "INSERT INTO cards_card (person_id, card_no, card_code, version, division_code,"
            " org_id, bank_id, account_no, account_masked, status, category, photo, issued_on,"
            " electronic, legacy, blank_serial, updated_at)"
            f" SELECT p.id, 'U' || lpad(p.id::text, 9, '0'), '', '',"
            f" ({divisions})[1 + p.id %% {len(DIVISIONS)}], %s,"
            f" ({bank_pool})[1 + p.id * 31 %% 5], '', '', 'issued', 'employee', '',"
            " date '2015-01-01' + ((p.id * 104729) %% 4000)::int, false, true, '', now()"
            " FROM registry_person p WHERE p.id_index LIKE 'bench-%%'",
            [centre.pk],
        )
        rows = sql(
            "SELECT issued_on, division_code, category, COALESCE(bank_id, 0), count(*)"
            " FROM cards_card WHERE card_no LIKE 'U%%' GROUP BY 1, 2, 3, 4"
        )
        counts.replace_all(
            ((d, div, cat, b, "chip" if b else ""), (h, 0, h)) for d, div, cat, b, h in rows
        )
    sql("ANALYZE")
    return banks


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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--holders", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg-url", default=os.environ.get("SBK_BENCH_PG", DEFAULT_PG))
    parser.add_argument("--write")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sbk-bench-usage-"))
    import psycopg

    try:
        setup(args.pg_url, tmp)
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable at {args.pg_url} ({exc}); usage benchmark skipped")
        return 0
    from sbk.core.actors import SYSTEM
    from sbk.usage import queries
    from sbk.usage.importer import import_usage

    clear()
    t = time.perf_counter()
    holders(args.holders)
    first_card_id_matches_person()
    path = tmp / "usage.csv"
    usage_file(path, args.rows, args.holders)
    prepare = time.perf_counter() - t
    size_mb = path.stat().st_size / 1e6
    floor = plain_copy(path)
    data = path.read_bytes()
    t, cpu = time.perf_counter(), time.process_time()
    result = import_usage(data, acting_user=SYSTEM, name=path.name)
    import_time = time.perf_counter() - t
    import_cpu = time.process_time() - cpu  # this process only (parse, check, build COPY)
    load = os.getloadavg()[0]
    assert result.new_rows == args.rows, result
    sql("ANALYZE")
    t = time.perf_counter()
    again = import_usage(data, acting_user=SYSTEM, name=path.name)
    again_time = time.perf_counter() - t
    assert again.new_rows == 0 and again.known_rows == args.rows
    end = dt.date(2026, 9, 30)
    cov_time, cov = median(lambda: queries.coverage(end))
    region_time, _ = median(lambda: queries.coverage(end, "310112"))
    raw_time, raw = median(lambda: raw_distinct(end))
    assert {k: cov[k] for k in raw} == raw, (cov, raw)
    rate = args.rows / import_time * 60
    floor_rate = args.rows / floor * 60
    print(
        f"{args.holders:,} holders, {args.rows:,} rows ({size_mb:.0f} MB), prepared in {prepare:.0f} s\n"
        f"COPY floor {floor:.2f} s ({floor_rate:,.0f} rows/min); import {import_time:.2f} s "
        f"({rate:,.0f} rows/min, {import_time / floor:.1f}× the floor; client CPU {import_cpu:.1f} s,"
        f" load {load:.1f}); again {again_time:.2f} s\n"
        f"coverage {cov_time * 1000:.0f} ms (region {region_time * 1000:.0f} ms), "
        f"distinct count over raw rows {raw_time * 1000:.0f} ms; {cov}",
        flush=True,
    )
    if args.write:
        from results import machine, write_section

        per_holder = cov_time / args.holders
        body = "\n".join(
            [
                "## Card usage: import and coverage (issue 19)",
                "",
                f"`python benchmarks/bench_usage.py --holders {args.holders} --rows {args.rows}` "
                f"on PostgreSQL; {machine()}. Synthetic: {args.holders:,} holders with one card "
                f"each, a usage file of {args.rows:,} rows ({size_mb:.0f} MB) over 2026Q1–Q3. "
                "All figures from the same run, the same file.",
                "",
                "| step | time | rate | vs floor |",
                "| --- | ---: | ---: | ---: |",
                f"| plain `COPY` of the CSV into 7 text columns (floor) | {floor:.2f} s | "
                f"{floor_rate:,.0f} rows/min | 1.0× |",
                f"| `sbk usage import` (check, look up, COPY, keep first days) | {import_time:.2f} s | "
                f"{rate:,.0f} rows/min | {import_time / floor:.1f}× |",
                f"| … of which CPU time of the importing process | {import_cpu:.2f} s | "
                f"{args.rows / import_cpu * 60:,.0f} rows/min | |",
                f"| the same file again (every row key known) | {again_time:.2f} s | "
                f"{args.rows / again_time * 60:,.0f} rows/min | {again_time / floor:.1f}× |",
                f"| 2026Q3 coverage, whole province (kept first days, median of 3) | "
                f"{cov_time * 1000:.0f} ms | | |",
                f"| 2026Q3 coverage, one district | {region_time * 1000:.0f} ms | | |",
                f"| distinct count over the raw usage rows (what coverage avoids) | "
                f"{raw_time * 1000:.0f} ms | | |",
                "",
                f"Coverage equals the raw distinct count ({cov['payers']:,} payers, "
                f"{cov['beneficiaries']:,} beneficiaries of {cov['holders']:,} holders). "
                "Extrapolation to the issue's province quarter (10 M holders, 100 M rows), "
                "stated, not measured: coverage joins the kept first days with the cards valid "
                "at the end, so it grows with holders and not with usage rows — "
                f"{per_holder * 1e6:.2f} µs per holder here, about {per_holder * 1e7:.0f} s "
                "at 10 M if linear (the 2 s target would need the per-region join cached per "
                "quarter or a kept payer count per region; not done). The import is one Python "
                f"process at {rate:,.0f} rows/min here; 100 M rows arrive as many files "
                "(per bank, per day), each its own transaction, and the whole file is held "
                "in memory while it is checked. Other engineers' test suites shared the 2 "
                f"cores during the run (load average {load:.1f} at the import): the wall "
                "times are upper bounds; the import's own CPU time is the steadier figure.",
            ]
        )
        write_section(args.write, "usage", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
