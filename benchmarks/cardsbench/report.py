"""The Markdown section of the card benchmark: tables, issue 13's figures, findings."""

from __future__ import annotations

from .data import CARDLESS_EVERY, TARGET_P95_MS
from .profiling import FOCUS, orm_split, profile_requests, statement_kinds
from .runner import Result, ServerConfig

__all__ = ["findings", "orm_split", "profile_requests", "render"]


def fmt_ms(v: float) -> str:
    if v != v:  # nan
        return "–"
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def fmt_ratio(v: float) -> str:
    return "–" if v != v else f"{v:.1f}×"


def cpu_per_request(r: Result) -> float:
    """Server CPU ms per request over the measured window."""
    return r.cpu.get("server", 0) / r.rps * 1000 if r.rps else float("nan")


def floor_cpu(results: list[Result], server: ServerConfig) -> float:
    """The read-card floor of the same server in the same run (server CPU ms / request)."""
    for r in results:
        if r.server.spec == server.spec and r.scenario.key == "read":
            return cpu_per_request(r)
    return float("nan")


# Issue 13: the write path after the consolidation. key -> (statement budget, statements
# before, CPU ratio to the read floor before); the CPU budget is the same for both.
ISSUE13 = {"loss": (10, 18, 2.6), "produce": (14, 26, 3.7)}
ISSUE13_CPU_RATIO = 2.0


def issue13(ctx: dict, by: dict) -> str:
    best: ServerConfig = ctx["best"]
    prof = ctx["profile"]
    sql, cpu = [], []
    for key, (budget, before, ratio_before) in ISSUE13.items():
        r = by[(best.spec, key)]
        n = len(prof[key]["statements"])
        sql.append(
            f"{r.scenario.label} **{n}** (≤ {budget}; {before} before) — "
            f"**{'met' if n <= budget else 'NOT met'}**"
        )
        ratio = cpu_per_request(r) / floor_cpu(ctx["results"], best)
        held = ratio <= ISSUE13_CPU_RATIO
        cpu.append(
            f"{r.scenario.label} **{fmt_ratio(ratio)}** (≤ {ISSUE13_CPU_RATIO:g}×; "
            f"{ratio_before:g}× before) — **{'met' if held else 'NOT met'}**"
        )
    floor = by[(best.spec, "read")]
    return (
        f"**Issue 13, the write path after the consolidation** ({cfg_name(best)}): SQL "
        f"statements per request, the whole API request counted (BEGIN and COMMIT "
        f"included): " + "; ".join(sql) + ". Server CPU per request over the read-card floor "
        f"measured in the same run ({fmt_ms(cpu_per_request(floor))} ms, "
        f"{len(prof['read']['statements'])} statements): " + "; ".join(cpu) + "."
    )


def cfg_name(s: ServerConfig) -> str:
    return f"{s.workers}×{s.threads}{' persistent' if s.conn_max_age else ''}"


def render(ctx: dict) -> str:
    results: list[Result] = ctx["results"]
    best: ServerConfig = ctx["best"]
    c = ctx["counts"]
    lines = [
        "## Card lifecycle API under load",
        "",
        f"Issue 3: throughput and latency of “report loss” and “produce card” through the JSON "
        f"API with {ctx['clients']} concurrent clients against `sbk serve` (gunicorn, gthread "
        f"workers), beside two floors on the same server: `GET /api/ping` (no authentication, "
        f"no database) and `GET /api/cards/cards/{{id}}` (bearer token + one scoped read).",
        "",
        f"- Data: PostgreSQL 15 on the same machine (database `{ctx['db']}`, {c['size']}): "
        f"**{c['people']:,} people** (number, phone and address SM4-GCM encrypted, HMAC-SM3 "
        f"blind indexes) and **{c['cards']:,} cards** ({c['issued']:,} issued; bank account "
        f"encrypted), written by COPY in {ctx['load_time']}. One person in {CARDLESS_EVERY} "
        f"has no card: each “produce” request takes one of their submitted applications from "
        f"the bank outlet's production queue; each “report loss” request reports one issued "
        f"card of that outlet lost (formal). Each mutating request acts on its own object and "
        f"carries its own Idempotency-Key.",
        f"- Load: one separate Python process on loopback, {ctx['clients']} threads, each "
        f"with its own keep-alive connection and bearer token (all one bank-outlet operator), "
        f"closed loop (the next request when the answer is in); {ctx['warmup']:g} s warm-up, "
        f"then {ctx['duration']:g} s measured per scenario; latency = request sent → response "
        f"read.",
        f"- Machine: {ctx['machine']}. Server, PostgreSQL and the load client share the 2 "
        f"cores, and the machine is shared with other work: load average "
        f"{ctx['loadavg']} before the run; the “other” CPU column is what the rest of the "
        f"machine used during each measurement.",
        f"- {ctx['date']}; `python benchmarks/bench_cards.py --people {ctx['n_people']} "
        f"--clients {ctx['clients']} --duration {ctx['duration']:g} --servers "
        f"{ctx['servers_arg']}`.",
        "",
        "| server | scenario | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors "
        "| server CPU ms / request | × read-card floor | SQL statements / request "
        "| cores: server / PostgreSQL / client / other |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    prof = ctx["profile"]
    for r in results:
        mark = " **(best)**" if r.server.spec == best.spec and len(ctx["servers"]) > 1 else ""
        cpu = r.cpu
        server, pg, machine = cpu.get("server", 0), cpu.get("postgres", 0), cpu.get("machine", 0)
        other = max(0.0, machine - server - pg - r.client_cpu)
        per_req = cpu_per_request(r)
        ratio = per_req / floor_cpu(results, r.server)
        n_sql = len(prof[r.scenario.key]["statements"]) if r.scenario.key in prof else "–"
        note = " (ran out of objects)" if r.exhausted else ""
        lines.append(
            f"| {cfg_name(r.server)}{mark} | {r.scenario.label}{note} | {r.requests:,} "
            f"| {r.rps:,.0f} | {fmt_ms(r.p50)} | {fmt_ms(r.p95)} | {fmt_ms(r.p99)} "
            f"| {fmt_ms(r.max)} | {r.errors} | {fmt_ms(per_req)} | {fmt_ratio(ratio)} | {n_sql} "
            f"| {server:.2f} / {pg:.2f} / {r.client_cpu:.2f} / {other:.2f} |"
        )
    lines += [
        "",
        "Servers: "
        + "; ".join(f"{cfg_name(s)} = {s.describe()}" for s in ctx["servers"])
        + ". CPU in cores busy during the measured window (1.00 = one core); PostgreSQL "
        "is the whole cluster (other databases on it included).",
    ]
    by = {(r.server.spec, r.scenario.key): r for r in results}
    verdicts = []
    for key in ("loss", "produce"):
        r = by[(best.spec, key)]
        held = r.p95 < TARGET_P95_MS and r.errors == 0
        verdicts.append(
            f"{r.scenario.label} p95 {fmt_ms(r.p95)} ms at {r.rps:,.0f} req/s — "
            f"**{'met' if held else 'NOT met'}**"
        )
    floor = by[(best.spec, "ping")]
    lines += [
        "",
        f"**Target p95 < {TARGET_P95_MS:g} ms** with {ctx['clients']} clients, best "
        f"configuration ({cfg_name(best)}): " + "; ".join(verdicts) + ". The floor on the same "
        f"server: ping p95 {fmt_ms(floor.p95)} ms at {floor.rps:,.0f} req/s. With "
        f"{ctx['clients']} clients in a closed loop, the mean latency is {ctx['clients']} ÷ "
        f"throughput (Little's law), so even a *mean* under {TARGET_P95_MS:g} ms needs more "
        f"than {ctx['clients'] / (TARGET_P95_MS / 1000):,.0f} req/s.",
        "",
        issue13(ctx, by),
        "",
    ]
    for key in ("loss", "produce"):
        r = by[(best.spec, key)]
        if not r.rps:
            continue
        server_ms = r.cpu.get("server", 0) / r.rps * 1000
        pg_ms = r.cpu.get("postgres", 0) / r.rps * 1000
        cap = 2000 / (server_ms + pg_ms) if server_ms + pg_ms else float("nan")
        lines.append(
            f"CPU bound for {r.scenario.label}: {server_ms:.1f} ms of server CPU and "
            f"{pg_ms:.1f} ms of PostgreSQL CPU per call; with both cores to itself and no "
            f"lock, that is at most ≈{cap:,.0f} req/s, a mean latency of ≈"
            f"{ctx['clients'] / cap * 1000:,.0f} ms with {ctx['clients']} clients."
        )
    lines.append("")
    lines += explain(ctx, by)
    return "\n".join(lines) + "\n"


def explain(ctx: dict, by: dict) -> list[str]:
    best: ServerConfig = ctx["best"]
    prof = ctx["profile"]
    pl, pp = prof["loss"], prof["produce"]
    out = [
        "### What dominates",
        "",
        f"One request alone, in-process (`django.test.Client`, no HTTP, no concurrency, same "
        f"database): report loss {pl['plain_ms']:.1f} ms and **{len(pl['statements'])} SQL "
        f"statements** ({statement_kinds(pl['statements'])}); produce card "
        f"{pp['plain_ms']:.1f} ms and **{len(pp['statements'])} statements** "
        f"({statement_kinds(pp['statements'])}). CPU per request in that process (one "
        f"thread, less at the mercy of what else the machine runs than the load test; the "
        f"test client's own work included): read card {prof['read']['cpu_ms']:.1f} ms, report "
        f"loss {pl['cpu_ms']:.1f} ms ({fmt_ratio(pl['cpu_ms'] / prof['read']['cpu_ms'])} the "
        f"read), produce card {pp['cpu_ms']:.1f} ms "
        f"({fmt_ratio(pp['cpu_ms'] / prof['read']['cpu_ms'])}). Under cProfile "
        f"({pl['profiled_ms']:.0f} / {pp['profiled_ms']:.0f} ms with the profiler's overhead):",
        "",
        "| self time by area, ms per request (cProfile) | report loss | produce card |",
        "|---|---:|---:|",
    ]
    areas = list(dict.fromkeys([*pl["areas"], *pp["areas"]]))
    for a in areas:
        out.append(f"| {a} | {pl['areas'].get(a, 0):.1f} | {pp['areas'].get(a, 0):.1f} |")
    out += ["", "| steps, cumulative ms per request (cProfile) | report loss | produce card |"]
    out.append("|---|---:|---:|")
    labels = list(dict.fromkeys(label for _, _, label in FOCUS))
    for label in labels:
        a, b = pl["focus"].get(label), pp["focus"].get(label)
        if a is None and b is None:
            continue
        out.append(f"| {label} | {fmt_ms(a or 0)} | {fmt_ms(b or 0)} |")
    out += ["", *statement_table(prof), ""]
    for key in ("loss", "produce"):
        r = by[(best.spec, key)]
        states = ", ".join(f"{k} {v:.1f}" for k, v in list(r.db_states.items())[:4]) or "none"
        line = (
            f"Server's database sessions during “{r.scenario.label}” ({cfg_name(best)}), "
            f"average per 50 ms sample: {states}."
        )
        if r.lock_queries:
            q = max(r.lock_queries.items(), key=lambda kv: kv[1])[0]
            line += f" The row-lock waits are on `{q[:70]}…`."
        out += [line, ""]
    out += ["Findings:", ""]
    out += [f"- {f}" for f in ctx["findings"]]
    return out


def statement_table(prof: dict) -> list[str]:
    """The statements of one request of each kind, in order, with what each is for."""
    cols = [("read", "read card (floor)"), ("loss", "report loss"), ("produce", "produce card")]
    rows = max(len(prof[k]["origins"]) for k, _ in cols)
    out = [
        "The SQL statements of one request, in order (in-process, `CaptureQueriesContext`, the "
        "token in steady use; ping sends none):",
        "",
        "| # | " + " | ".join(label for _, label in cols) + " |",
        "|---:|" + "---|" * len(cols),
    ]
    for i in range(rows):
        cells = [prof[k]["origins"][i] if i < len(prof[k]["origins"]) else "" for k, _ in cols]
        out.append(f"| {i + 1} | " + " | ".join(cells) + " |")
    return out


# Statement origins grouped for the findings: (group, labels' beginnings).
GROUPS = [
    (
        "request plumbing (token, BEGIN/COMMIT, idempotency record)",
        ("bearer", "token", "BEGIN", "COMMIT", "idempotency", "Idempotency"),
    ),
    ("savepoints", ("SAVEPOINT", "RELEASE")),
    ("locks and checks", ("lock", "holder's", "card number", "policy", "scope check")),
    ("the business rows", ("card update", "card insert", "application update")),
    ("journal and audit chain", ("journal", "audit chain")),
    ("writes held and sent together", ("held writes",)),
    ("SMS outbox", ("SMS",)),
    ("card blank (stock)", ("card blank",)),
    ("electronic card", ("electronic card",)),
]


def grouped(origins: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in origins:
        group = next((g for g, starts in GROUPS if o.startswith(starts)), "other")
        counts[group] = counts.get(group, 0) + 1
    return counts


def findings(ctx: dict, by: dict) -> list[str]:
    best: ServerConfig = ctx["best"]
    prof = ctx["profile"]
    res = []
    # What still dominates: CPU over the floor, and where one request's time goes.
    floor = cpu_per_request(by[(best.spec, "read")])
    parts = []
    for key in ("loss", "produce"):
        r, p = by[(best.spec, key)], prof[key]
        extra = cpu_per_request(r) - floor
        orm = p["areas"].get("Django ORM (SQL compiling, model objects)", 0.0)
        wait = p["areas"].get("waiting for PostgreSQL (psycopg)", 0.0)
        total = sum(p["areas"].values())
        n = len(p["statements"])
        parts.append(
            f"{r.scenario.label} costs {fmt_ms(extra)} ms of server CPU more than the read "
            f"floor; in process, of its {total:.1f} ms under cProfile, the ORM (compiling "
            f"its {n} statements, building model objects) takes {orm:.1f} ms and waiting "
            f"for PostgreSQL {wait:.1f} ms"
        )
    split = "; ".join(
        f"{label}: {total:.1f} ms of CPU, of which executing the SQL and fetching the row "
        f"{raw:.1f} ms ({(total - raw) / total:.0%} is the ORM building and compiling the "
        "statement and the model objects)"
        for label, (total, raw) in prof.get("orm", {}).items()
    )
    res.append(
        "**What still dominates: the ORM's cost per statement.** "
        + "; ".join(parts)
        + ". The floor itself is a token lookup and one scoped read; every statement a write "
        "adds costs its query building and SQL compilation, its round trip and the model "
        "objects it builds, so the ratio to the floor follows the statement count more than "
        "anything sbk computes (sbk's own code, the SM4/SM3 work and pydantic are each "
        "about a millisecond or less)."
        + (f" The two lock statements measured alone — {split}." if split else "")
    )
    waits = [
        by[(best.spec, k)].db_states.get("waiting for a row lock", 0.0) for k in ("loss", "produce")
    ]
    inside = []
    for key in ("loss", "produce"):
        st, origins = prof[key]["statements"], prof[key]["origins"]
        first = next(
            (i for i, o in enumerate(origins) if o.startswith("audit chain: head lock")), None
        )
        last = max((i for i, q in enumerate(st) if q.upper().startswith("COMMIT")), default=None)
        inside.append(f"{last - first + 1}" if first is not None and last is not None else "?")
    res.append(
        "**The audit hash chain serialises every mutating call.** `chain.append` locks the "
        "one `core_chainhead` row and the lock is held until COMMIT — through the rest of "
        "the service, the response's validation and the idempotency INSERT "
        f"({inside[0]} statements of report loss, {inside[1]} of produce, from the lock to "
        "the commit) — so report loss, produce and every other audited write in the system "
        "pass one at a time through that stretch, GIL and CPU waits included. Server "
        f"sessions waiting for a row lock, on average: {waits[0]:.1f} during report loss, "
        f"{waits[1]:.1f} during produce (the statement they wait in is named above: a "
        "production also queues on its outlet's card-blank counter, one row per outlet, "
        "bank and version, moved by every production there)"
        + (
            " — the queue on this lock adds to the latency on top of the CPU cost. "
            if max(waits) >= 1
            else ". "
        )
        + "However many cores the server gets, mutating throughput cannot exceed one over "
        "the length of that stretch. Sealing the chain asynchronously would remove the "
        "critical section."
    )
    if ctx.get("sessions_per_call") is not None:
        res.append(
            "**A bearer-token API call writes a Django session.** `TokenAuth` sets "
            "`request.user`, so `IdleTimeoutMiddleware` stores `sbk_last_seen` in the session "
            "and `SessionMiddleware` INSERTs a new `django_session` row (and sends Set-Cookie) "
            f"on every call: {ctx['sessions_per_call']:.2f} new session rows per token "
            f"request in this run ({ctx['sessions_added']:,} rows). That is one more "
            "transaction and commit per call and a table that grows with API traffic."
        )
    reads = {s.spec: by.get((s.spec, "read")) for s in ctx["servers"]}
    plain = [s for s in ctx["servers"] if not s.conn_max_age]
    pers = [s for s in ctx["servers"] if s.conn_max_age]
    if plain and pers and reads[plain[0].spec] and reads[pers[0].spec]:
        a, b = reads[plain[0].spec], reads[pers[0].spec]
        res.append(
            f"`sbk serve` runs with `CONN_MAX_AGE=0` unless the environment says otherwise: a "
            f"new PostgreSQL connection per request. Same workers and threads, the read floor "
            f"went from {a.rps:,.0f} to {b.rps:,.0f} req/s with persistent connections."
        )
    for key in ("loss", "produce"):
        g = grouped(prof[key]["origins"])
        label = by[(best.spec, key)].scenario.label
        res.append(
            f"Statements per {label}: {len(prof[key]['origins'])} = "
            + ", ".join(f"{name} {n}" for name, n in g.items())
            + "."
        )
    res.append(
        "What is left is what the change needs: one statement authenticates the caller and "
        "looks its Idempotency-Key up; one locks the holder, then the card or application, "
        "through the user's scope (and answers the production outlet's scope for the "
        "policy); no savepoint inside the request's transaction (a service called by the API "
        "is part of its one action); the response is built from the rows the service "
        "locked, not read again. On PostgreSQL the audit row and its chain head's move "
        "are one statement, and so are the card blank's pick and its counter "
        "(data-modifying CTEs; SQLite has none: one statement more for each there); the "
        "action's independent writes (the new status, the e-card, the SMS, the journal row) "
        "are held and sent with the chain head's lock, and the audit row, the head's move "
        "and the stored answer go together at the end (`sbk.core.batch`, ADR 0014); the "
        "lock query also answers a first card's two checks (does the holder hold a valid "
        "card, is the number taken). The chain head stays a row sbk writes itself, not a "
        "trigger's: a row inserted by other means must not move it (`verify` names such a "
        "row)."
    )
    return res


# ----------------------------------------------------------------------------- main
