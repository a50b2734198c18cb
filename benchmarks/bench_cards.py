"""Card lifecycle API under load: "report loss" and "produce card" against gunicorn.

    python benchmarks/bench_cards.py [--people 1000000] [--clients 20] [--duration 30]
        [--database-url postgres://postgres@127.0.0.1:5432/sbk_bench] [--reuse]
        [--servers 2x4,2x4p,4x4p] [--write benchmarks/RESULTS.md]

Issue 3, "Performance": on PostgreSQL with N people and their cards loaded, the
throughput and p50/p95/p99 latency of ``POST /api/cards/cards/{id}/loss`` and
``POST /api/cards/applications/{id}/produce`` with 20 concurrent clients against the
production server (``sbk serve``, gunicorn), the load coming from a second process on
loopback; beside them, on the same server, ``GET /api/ping`` (no auth, no database: the
floor) and ``GET /api/cards/cards/{id}`` (token auth + one scoped read). Target: p95 under
50 ms on a 2-core machine.

Data: people generated with valid resident ID numbers and run through
``registry.rules.clean_person`` + ``registry.services.apply_values`` and the model fields'
own ``get_db_prep_save`` (so number, phone, address and bank account are SM4-GCM
encrypted and the blind indexes are real), written with PostgreSQL COPY from two
processes. Every person but one in 20 holds an issued card; the others are the pool the
"produce card" scenario draws its submitted applications from. The key file lives beside
the database's name in the temp directory, so ``--reuse`` can run again on the same data
(and tops the "produce" pool up when earlier runs used it). Without ``--reuse`` the
database is dropped and created anew; only a database whose name starts with
``sbk_bench`` is ever created or dropped.

Each request acts on an object of its own (a card reported lost once, an application
produced once), with a bearer token per client (all the same bank-outlet operator) and a
unique Idempotency-Key. Server configurations are written ``WxT`` (gunicorn workers x
threads, ``CONN_MAX_AGE=0``: a new database connection per request) or ``WxTp``
(persistent database connections, ``CONN_MAX_AGE=300``; ``sbk serve`` defaults to 60);
every configuration is measured and the one with the lowest worst p95 of the two calls is
marked best. One request of each kind is also profiled in-process (cProfile, SQL statements captured) to say what dominates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import os
import resource
import secrets
import sys
import threading
import time
from pathlib import Path

from cardsbench.data import (
    CHUNK,
    DEFAULT_URL,
    PROFILE_REQUESTS,
    TARGET_P95_MS,
    bench_dir,
    build_orgs,
    bulk_load,
    cardless_pool,
    counts,
    db_name,
    ensure_database,
    new_tokens,
    pick_loss_cards,
    session_rows,
    setup_django,
    stock_blanks,
    submitted_applications,
    vacuum,
)
from cardsbench.report import findings, orm_split, profile_requests, render
from cardsbench.runner import (
    Result,
    Scenario,
    Server,
    ServerConfig,
    loss_item,
    postmaster_pid,
    produce_item,
    run_scenario,
)


def client_main(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text())
    items = job["items"]
    cycle = job["cycle"]
    tokens = job["tokens"]
    clients, warmup, duration = job["clients"], job["warmup"], job["duration"]
    run_id = secrets.token_hex(6)
    counter = itertools.count()
    barrier = threading.Barrier(clients + 1)
    samples: list[list] = [[] for _ in range(clients)]
    errors: list[str] = []
    exhausted = threading.Event()
    clock = {}

    def connect():
        return http.client.HTTPConnection(job["host"], job["port"], timeout=60)

    def worker(i: int) -> None:
        conn = connect()
        base = {
            "Host": job["host_header"],
            "Authorization": f"Bearer {tokens[i % len(tokens)]}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        out = samples[i]
        barrier.wait()
        begin, end = clock["begin"], clock["end"]
        while True:
            t0 = time.perf_counter()
            if t0 >= end:
                break
            k = next(counter)
            if k >= len(items) and not cycle:
                exhausted.set()
                break
            method, path, body = items[k % len(items)]
            headers = dict(base)
            if method != "GET":
                headers["Idempotency-Key"] = f"bench-{run_id}-{k}"
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException) as exc:
                status, data = 0, repr(exc).encode()
                conn.close()
                conn = connect()
            t1 = time.perf_counter()
            out.append((t0 - begin, t1 - t0, status))
            if status >= 400 or status == 0:
                if len(errors) < 5:
                    errors.append(
                        f"{status} {method} {path}: {data[:300].decode(errors='replace')}"
                    )
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    clock["begin"] = time.perf_counter()
    clock["end"] = clock["begin"] + warmup + duration
    barrier.wait()
    for t in threads:
        t.join()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "samples": [s for per in samples for s in per],
        "errors": errors,
        "exhausted": exhausted.is_set(),
        "elapsed": time.perf_counter() - clock["begin"],
        "cpu": usage.ru_utime + usage.ru_stime,
    }
    Path(job["out"]).write_text(json.dumps(result))
    return 0


# ----------------------------------------------------------------------------- database set-up


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", help="RESULTS.md to update (section 'cards')")
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--reuse", action="store_true", help="keep the data if it holds ≥ N people")
    parser.add_argument(
        "--servers", default="2x4,2x4p,4x4p", help="gunicorn WORKERSxTHREADS[p], comma separated"
    )
    parser.add_argument("--ops", type=int, default=0, help="objects per scenario (default: auto)")
    parser.add_argument("--client-job", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client_job:
        return client_main(args.client_job)

    from results import machine, write_section
    from rich.console import Console

    console = Console()
    servers = [ServerConfig.parse(s) for s in args.servers.split(",") if s.strip()]
    work = bench_dir(args.database_url)
    keys_file = work / "keys.json"
    loadavg = " ".join(Path("/proc/loadavg").read_text().split()[:3])

    reusable = False
    if args.reuse and keys_file.exists() and not ensure_database(args.database_url, fresh=False):
        reusable = True
    if not reusable:
        ensure_database(args.database_url, fresh=True)
        keys_file.unlink(missing_ok=True)
        from sbk.core.crypto import KeyRing

        KeyRing.generate().save(keys_file)
    setup_django(args.database_url, keys_file, work / "var")
    from django.core.management import call_command

    console.print(f"[bold]sbk migrate[/] {db_name(args.database_url)}")
    call_command("migrate", verbosity=0, interactive=False)
    orgs = build_orgs()
    c = counts()
    if reusable and c["people"] < args.people:
        console.print(f"{c['people']:,} people < {args.people:,}: loading afresh")
        from django.db import connections

        connections.close_all()
        ensure_database(args.database_url, fresh=True)
        keys_file.unlink()
        from sbk.core.crypto import KeyRing

        KeyRing.generate().save(keys_file)
        call_command("migrate", verbosity=0, interactive=False)
        orgs = build_orgs()
        reusable = False
    meta = work / "load.json"
    if reusable:
        earlier = json.loads(meta.read_text()) if meta.exists() else {}
        load_time = f"{earlier.get('load_time', '?')} by an earlier run (reused with --reuse)"
        console.print(f"reusing {c['people']:,} people, {c['cards']:,} cards")
    else:
        secs = bulk_load(0, args.people, orgs, with_cards=True, label="people + cards")
        vacuum()
        load_time = f"{secs / 60:.1f} min (2 processes)"
        meta.write_text(json.dumps({"load_time": load_time, "people": args.people}))
        console.print(f"loaded in {secs:.0f} s")

    n_ops = args.ops or int(max(2000, (args.duration + args.warmup) * 300))
    need = n_ops * len(servers) + 6 + 2 * PROFILE_REQUESTS
    pool = cardless_pool(need)
    if len(pool) < need:  # a re-used database ran dry: more people without a card
        top = counts()["max_id"]
        extra = (need - len(pool)) + CHUNK
        bulk_load(top, top + extra, orgs, with_cards=False, label="more cardless people")
        vacuum()
        pool = cardless_pool(need)
    outlet = orgs["operator_outlet"]
    with console.status("preparing scenario objects"):
        apps = submitted_applications(pool, outlet)
        stock_blanks(outlet, len(apps))
        cards = pick_loss_cards(need, outlet)
        vacuum()
    tokens = new_tokens(args.clients + 1)
    c = counts()

    console.print("profiling one request of each kind (cProfile, in-process)")
    k = 5 + 2 * PROFILE_REQUESTS
    profile = profile_requests(cards[:k], apps[:k], tokens[-1])
    profile["orm"] = orm_split(cards[k], apps[k])  # locked and rolled back: still unused
    cards, apps = cards[k + 1 :], apps[k + 1 :]
    (work / "profile.json").write_text(json.dumps(profile, indent=1, ensure_ascii=False))
    for label, (total, raw) in profile["orm"].items():
        console.print(f"  {label}: {total:.2f} ms CPU, executing and fetching {raw:.2f} ms")
    for key in ("loss", "produce"):
        p = profile[key]
        console.print(
            f"  {key}: {p['plain_ms']:.1f} ms/request ({p['profiled_ms']:.1f} profiled), "
            f"{len(p['statements'])} statements; "
            + ", ".join(f"{a} {v:.1f}" for a, v in p["areas"].items())
        )

    from django.db import connections

    connections.close_all()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "SBK_KEYS_FILE": str(keys_file),
        "SBK_VAR_DIR": str(work / "var"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    pg_pid = postmaster_pid(args.database_url)
    sessions_before = session_rows()
    results: list[Result] = []
    read_ids = pick_loss_cards(5000, outlet)
    per_cards, per_apps = len(cards) // len(servers), len(apps) // len(servers)
    for i, cfg in enumerate(servers):
        chunk_cards = cards[i * per_cards : (i + 1) * per_cards]
        chunk_apps = apps[i * per_apps : (i + 1) * per_apps]
        scenarios = [
            Scenario("ping", "ping (floor)", "GET", [["GET", "/api/ping", None]], cycle=True),
            Scenario(
                "read",
                "read card (auth + 1 read)",
                "GET",
                [["GET", f"/api/cards/cards/{pk}", None] for pk in read_ids],
                cycle=True,
            ),
            Scenario("loss", "report loss", "POST", [loss_item(pk) for pk in chunk_cards]),
            Scenario(
                "produce",
                "produce card",
                "POST",
                [produce_item(pk, n + i * per_apps) for n, pk in enumerate(chunk_apps)],
            ),
        ]
        console.print(f"[bold]server {cfg.spec}[/]: {cfg.describe()}")
        server = Server(cfg, env, work / f"server-{cfg.spec}.log")
        try:
            for sc in scenarios:
                r = run_scenario(server, sc, args, tokens[: args.clients], work, pg_pid)
                results.append(r)
                console.print(
                    f"  {sc.label:28} {r.requests:7,} req {r.rps:7.0f}/s  p50 {r.p50:6.1f}  "
                    f"p95 {r.p95:6.1f}  p99 {r.p99:6.1f} ms  errors {r.errors}"
                    f"{'  (ran out)' if r.exhausted else ''}  cores: server "
                    f"{r.cpu.get('server', 0):.2f} pg {r.cpu.get('postgres', 0):.2f} "
                    f"machine {r.cpu.get('machine', 0):.2f}"
                )
                for e in r.error_samples[:2]:
                    console.print(f"    [red]{e}[/]")
                if r.db_states:
                    console.print(f"    db sessions: {r.db_states}")
                time.sleep(1)
        finally:
            server.stop()

    def score(cfg: ServerConfig):
        rs = [
            r
            for r in results
            if r.server.spec == cfg.spec and r.scenario.key in ("loss", "produce")
        ]
        if not rs or any(r.requests == 0 or r.errors for r in rs):
            return (float("inf"), 0.0)
        return (max(r.p95 for r in rs), -sum(r.rps for r in rs))

    best = min(servers, key=score)
    token_calls = sum(r.sent for r in results if r.scenario.key != "ping")
    added = session_rows() - sessions_before
    ctx = {
        "results": results,
        "best": best,
        "servers": servers,
        "counts": c,
        "db": db_name(args.database_url),
        "load_time": load_time,
        "clients": args.clients,
        "warmup": args.warmup,
        "duration": args.duration,
        "machine": machine(),
        "loadavg": loadavg,
        "date": dt.date.today().isoformat(),
        "n_people": args.people,
        "profile": profile,
        "servers_arg": args.servers,
        "sessions_added": added,
        "sessions_per_call": added / token_calls if token_calls and added else None,
    }
    ctx["findings"] = findings(ctx, {(r.server.spec, r.scenario.key): r for r in results})
    text = render(ctx)
    console.print(text)
    if args.write:
        write_section(args.write, "cards", text)
    ok = all(
        r.p95 < TARGET_P95_MS and r.errors == 0
        for r in results
        if r.server.spec == best.spec and r.scenario.key in ("loss", "produce")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
