"""Card-blank stock (issue 15): balances at a past date through the daily closes against a
plain scan of the ledger, 300 daily closes, and the ledger's write rate under 20 writers.

    python benchmarks/bench_stock.py [--outlets 300] [--days 365] [--per-day 5]
        [--pg-url postgres://postgres@127.0.0.1:5432/sbk_bench_stock] [--own-database]
        [--only sqlite|postgresql] [--write benchmarks/RESULTS.md]

Data (synthetic, the same on both databases): ``--outlets`` outlets under 10 districts, one
year of ``--days`` days ending yesterday. Every outlet receives a delivery every 14 days
(the centre takes the blanks in, allocates them, the outlet receives them: three ledger rows
per serial) and consumes ``--per-day`` blanks a day (one row each; every 7th day one of them
is spoiled into a waste card instead). With the defaults that is about 2.2 million
serial-level ledger rows. The rows, the serial places, the counters and every outlet's daily
close (closes and snapshots computed from the same rows) are written in bulk, not through
the services: building a year through the services would take hours. The load is then
checked: the balances through the closes equal the plain scan at every sampled date.

Measured, in the same run on each database:
- every outlet's balance at a past date, through the closes (``queries.balances_at``: the
  latest snapshot on or before the date + the entries after it) and by a plain scan of the
  ledger (``queries.balances_scan``), median of several dates;
- all outlets' daily closes for today through the real service (``services.close_day``),
  after a day's movements have been posted through the services;
- the write rate: movements per second through the real service (``spoil_blanks``: policy,
  locks, ledger, counters, audit row) with 20 concurrent writer threads on PostgreSQL (each
  its own connection, each on its own outlet); on SQLite, which admits one writer at a time,
  the same 20 threads, serialised by the database.
PostgreSQL databases are created anew only when their name starts with ``sbk_bench`` (or
with ``--own-database``, for a database that is yours to drop).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/sbk_bench_stock"
WRITERS = 20
VERSION = "3.00"  # the card version (卡版本) of every generated blank


# --------------------------------------------------------------------------- database set-up
def fresh_postgres(url: str, own: bool) -> None:
    import psycopg
    from psycopg import sql

    name = urllib.parse.urlparse(url).path.lstrip("/")
    if not (name.startswith("sbk_bench") or own):
        raise SystemExit(
            f"refusing to drop {name!r}: start its name with sbk_bench or pass --own-database"
        )
    admin = urllib.parse.urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup(url: str, work: Path) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["SBK_KEYS_FILE"] = str(work / "keys.json")
    os.environ["SBK_VAR_DIR"] = str(work / "var")
    os.environ["DEBUG"] = "0"
    os.environ["CONN_MAX_AGE"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sbk.settings")
    from sbk.core.crypto import KeyRing

    KeyRing.generate().save(work / "keys.json")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# ------------------------------------------------------------------------------- the data
def build_orgs(n_outlets: int):
    from sbk.accounts.models import Role, User
    from sbk.core.actors import SYSTEM
    from sbk.orgs.models import OrgKind
    from sbk.orgs.services import create_organisation

    def org(code, kind, parent=None, bank=None):
        return create_organisation(
            acting_user=SYSTEM,
            code=code,
            name=code,
            kind=kind,
            division_code="310000",
            parent=parent,
            bank=bank,
        )

    centre = org("CENTRE", OrgKind.CENTRE)
    bank = org("BANK1", OrgKind.BANK, centre)
    districts = [org(f"D{i:02d}", OrgKind.DISTRICT, centre) for i in range(10)]
    outlets = [
        org(f"O{i:04d}", OrgKind.COMMUNITY_OUTLET, districts[i % 10]) for i in range(n_outlets)
    ]
    writer = User(username="bench_city", role=Role.CITY_ADMIN, org=centre, full_name="bench")
    writer.set_password(secrets.token_urlsafe(12))
    writer.save()
    return centre, bank, outlets, writer


def generate(centre, bank, outlets, days: int, per_day: int):
    """Rows for the ledger, the serial places, the counters, the closes and snapshots."""
    today = dt.date.today()
    first = today - dt.timedelta(days=days)
    at = dt.datetime.now(dt.UTC)
    entries, serials, closes, snaps = [], [], [], []
    balances = {}
    delivery = per_day * 14
    for o in outlets:
        stock: list[str] = []
        blank = waste = 0
        seq = 0
        for d in range(days):
            day = first + dt.timedelta(days=d)
            inc = out = w_in = 0
            opening_b, opening_w = blank, waste
            batch = str(uuid.uuid4())
            if d % 14 == 0:
                for _ in range(delivery):
                    seq += 1
                    s = f"{o.code}{seq:06d}"
                    stock.append(s)
                    entries.append(
                        (batch, "allocate", s, "", None, "", "stock", centre.pk, "blank", day)
                    )
                    entries.append(
                        (
                            batch,
                            "allocate",
                            s,
                            "stock",
                            centre.pk,
                            "blank",
                            "transit",
                            o.pk,
                            "blank",
                            day,
                        )
                    )
                    entries.append(
                        (batch, "receive", s, "transit", o.pk, "blank", "stock", o.pk, "blank", day)
                    )
                inc += delivery
            for k in range(per_day):
                if not stock:
                    break
                s = stock.pop(0)
                if d % 7 == 0 and k == 0:
                    entries.append(
                        (batch, "spoil", s, "stock", o.pk, "blank", "stock", o.pk, "waste", day)
                    )
                    serials.append((s, "waste", "stock", o.pk))
                    w_in += 1
                else:
                    entries.append(
                        (batch, "consume", s, "stock", o.pk, "blank", "card", o.pk, "blank", day)
                    )
                    serials.append((s, "blank", "card", o.pk))
                out += 1
            blank = opening_b + inc - out
            waste = opening_w + w_in
            closes.append((o.pk, day))
            if opening_b or inc or out:
                snaps.append((o.pk, day, "blank", opening_b, inc, out, blank))
            if opening_w or w_in:
                snaps.append((o.pk, day, "waste", opening_w, w_in, 0, waste))
        serials += [(s, "blank", "stock", o.pk) for s in stock]
        balances[(o.pk, "blank")] = blank
        balances[(o.pk, "waste")] = waste
    return entries, serials, balances, closes, snaps, at


def load(conn_vendor, centre, bank, outlets, days, per_day) -> dict:
    from django.db import connection, transaction

    t0 = time.perf_counter()
    entries, serials, balances, closes, snaps, at = generate(centre, bank, outlets, days, per_day)
    gen = time.perf_counter() - t0
    if conn_vendor != "postgresql":  # the forms Django itself stores on SQLite
        at = at.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    n_entries = len(entries)

    def batch_id(b: str) -> str:
        return b if conn_vendor == "postgresql" else b.replace("-", "")

    v = VERSION
    entry_rows = (
        (batch_id(b), k, s, bank.pk, v, ss, so, si, ds, do, di, day, day, at, "", "", False, False)
        for (b, k, s, ss, so, si, ds, do, di, day) in entries
    )
    serial_rows = [(s, bank.pk, v, item, state, org) for (s, item, state, org) in serials]
    balance_rows = [(o, i, bank.pk, v, q) for (o, i), q in balances.items() if q]
    close_rows = [(o, d, at, 0, 0, False) for (o, d) in closes]
    snap_rows = [(o, d, i, bank.pk, v, a, b, c, e) for (o, d, i, a, b, c, e) in snaps]
    last = max(d for _, d in closes)
    book_rows = [(o.pk, last) for o in outlets]
    tables = [
        (
            "stock_entry",
            "batch, kind, serial, bank_id, version, src_state, src_org_id, src_item, dst_state, "
            "dst_org_id, dst_item, day, requested_day, at, note, reason, overdue, irregular",
            entry_rows,
        ),
        ("stock_serial", "serial, bank_id, version, item, state, org_id", serial_rows),
        ("stock_balance", "org_id, item, bank_id, version, qty", balance_rows),
        (
            "stock_dayclose",
            "org_id, day, closed_at, cards_produced, blanks_consumed, auto",
            close_rows,
        ),
        (
            "stock_daysnapshot",
            "org_id, day, item, bank_id, version, opening, incoming, outgoing, closing",
            snap_rows,
        ),
        ("stock_book", "org_id, closed_through", book_rows),
    ]
    t1 = time.perf_counter()
    with transaction.atomic():
        for table, cols, rows in tables:
            if conn_vendor == "postgresql":
                with connection.cursor() as cur:
                    raw = cur.cursor
                    with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(cols.split(",")))
                with connection.cursor() as cur:
                    cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {
        "entries": n_entries,
        "serials": len(serial_rows),
        "snapshots": len(snap_rows),
        "closes": len(close_rows),
        "generate_s": gen,
        "load_s": time.perf_counter() - t1,
    }


# ------------------------------------------------------------------------------ measures
def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, result


def measure_balances(outlets, days) -> dict:
    from sbk.stock import queries

    ids = [o.pk for o in outlets]
    today = dt.date.today()
    dates = [today - dt.timedelta(days=k) for k in (days - 10, days // 2, 30, 1)]
    closes, scans = [], []
    for day in dates:
        ms_close, via_close = timed(lambda d=day: queries.balances_at(ids, d), 3)
        ms_scan, via_scan = timed(lambda d=day: queries.balances_scan(ids, d), 3)
        assert via_close == via_scan, f"balances through the closes differ from the scan at {day}"
        closes.append(ms_close)
        scans.append(ms_scan)
    return {
        "closes_ms": statistics.median(closes),
        "scan_ms": statistics.median(scans),
        "dates": [d.isoformat() for d in dates],
    }


def measure_writes(vendor, outlets, writer) -> dict:
    """20 threads, each spoiling blanks of its own outlet through the service."""
    from django.db import connection

    from sbk.stock import services
    from sbk.stock.models import Serial

    per_thread = 15
    mine = []
    for o in outlets[:WRITERS]:
        mine.append(
            list(
                Serial.objects.filter(org=o, state="stock", item="blank")
                .order_by("serial")
                .values_list("serial", flat=True)[:per_thread]
            )
        )
    barrier = threading.Barrier(len(mine))  # fewer writers when there are fewer outlets
    errors, done = [], []

    def run(o, serials):
        from django.db import connection as conn

        try:
            barrier.wait()
            for s in serials:
                services.spoil_blanks(acting_user=writer, outlet=o, serials=[s], note="bench")
                done.append(1)
        except Exception as exc:  # a refused write is counted and reported, not hidden
            errors.append(repr(exc)[:200])
        finally:
            conn.close()

    threads = [
        threading.Thread(target=run, args=(o, s))
        for o, s in zip(outlets[:WRITERS], mine, strict=True)
    ]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join(300)
    elapsed = time.perf_counter() - t
    connection.close()
    return {
        "movements": len(done),
        "seconds": elapsed,
        "rate": len(done) / elapsed,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
    }


def measure_closes(outlets, writer) -> dict:
    from sbk.stock import services

    t = time.perf_counter()
    services.close_days(outlets, acting_user=writer)
    return {"seconds": time.perf_counter() - t, "count": len(outlets)}


def one(url: str, args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="sbk-bench-stock-"))
    if url.startswith("postgres"):
        fresh_postgres(url, args.own_database)
    setup(url, work)
    from django.db import connection

    vendor = connection.vendor
    centre, bank, outlets, writer = build_orgs(args.outlets)
    loaded = load(vendor, centre, bank, outlets, args.days, args.per_day)
    balances = measure_balances(outlets, args.days)
    writes = measure_writes(vendor, outlets, writer)
    closes = measure_closes(outlets, writer)
    from sbk.stock.verify import verify

    t = time.perf_counter()
    problems = verify()
    verify_s = time.perf_counter() - t
    return {
        "vendor": vendor,
        "loaded": loaded,
        "balances": balances,
        "writes": writes,
        "closes": closes,
        "verify_s": verify_s,
        "verify_problems": len(problems),
    }


def render(results: list[dict], args) -> str:
    from results import machine

    lines = [
        "## Card-blank stock (issue 15)",
        "",
        f"Machine: {machine()}. Data: {args.outlets} outlets, {args.days} days ending yesterday, "
        f"{args.per_day} blanks consumed per outlet-day, a delivery every 14 days "
        "(synthetic, loaded in bulk; see `benchmarks/bench_stock.py`).",
        "",
        "| database | ledger rows | snapshots | every outlet's balance at a past date: through the closes | plain scan | 300 daily closes (service) | write rate, 20 writers | `verify` |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        w = r["writes"]
        err = f" ({w['errors']} refused)" if w["errors"] else ""
        lines.append(
            f"| {r['vendor']} | {r['loaded']['entries']:,} | {r['loaded']['snapshots']:,} | "
            f"{r['balances']['closes_ms']:.1f} ms | {r['balances']['scan_ms']:.1f} ms | "
            f"{r['closes']['seconds']:.2f} s ({r['closes']['count']}) | "
            f"{w['rate']:.0f} movements/s{err} | {r['verify_s']:.1f} s, "
            f"{r['verify_problems']} differences |"
        )
    lines += [
        "",
        "Balances: median over four dates (a year, half a year, a month and a day back) of three "
        "runs each; the two answers are compared and must be equal. The issue's floor for the plain "
        "scan on this machine: 126 ms (PostgreSQL), 458 ms (SQLite).",
        "Daily closes: `services.close_days` for every outlet at once (policy and scope, books "
        "locked, production check, opening from the previous snapshots, the day's flows, closes "
        "and snapshots written, one audit row), after 20 of the outlets had movements that day; "
        "a single outlet's close from its console page is the same code with one organisation. Write rate: `spoil_blanks` through the "
        "whole action (policy, serial and counter locks, ledger row, audit chain row), 20 threads "
        "each with its own connection and outlet; the audit chain's head row is the one lock all "
        "writers share. SQLite admits one writer at a time (busy timeout 30 s).",
        f"Load average at the end of the run: {os.getloadavg()[0]:.1f} (other jobs shared the "
        "machine: the figures are upper bounds).",
    ]
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--outlets", type=int, default=300)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--per-day", type=int, default=5)
    p.add_argument("--pg-url", default=DEFAULT_PG)
    p.add_argument("--own-database", action="store_true")
    p.add_argument("--only", choices=["sqlite", "postgresql"])
    p.add_argument("--write")
    p.add_argument("--one", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print("RESULT " + json.dumps(one(args.one, args)), flush=True)
        return 0
    urls = []
    if args.only in (None, "sqlite"):
        urls.append(
            "sqlite:///" + str(Path(tempfile.mkdtemp(prefix="sbk-bench-stock-")) / "db.sqlite3")
        )
    if args.only in (None, "postgresql"):
        urls.append(args.pg_url)
    results = []
    for url in urls:
        cmd = [
            sys.executable,
            __file__,
            "--one",
            url,
            "--outlets",
            str(args.outlets),
            "--days",
            str(args.days),
            "--per-day",
            str(args.per_day),
        ]
        if args.own_database:
            cmd.append("--own-database")
        out = subprocess.run(cmd, capture_output=True, text=True)
        found = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
        if out.returncode or not found:
            print(out.stdout[-3000:], out.stderr[-3000:], file=sys.stderr)
            return 1
        results.append(json.loads(found[-1][7:]))
        print(json.dumps(results[-1], indent=1), flush=True)
    text = render(results, args)
    print(text)
    if args.write:
        sys.path.insert(0, str(HERE))
        from results import write_section

        write_section(args.write, "stock", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
