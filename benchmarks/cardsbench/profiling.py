"""Profiling one request of each kind in-process: where its time and statements go."""

from __future__ import annotations

import cProfile
import pstats
import secrets
import time

from .data import PROFILE_REQUESTS
from .runner import loss_item, produce_item


def _area(func: tuple) -> str:
    filename, _, name = func
    text = f"{filename}:{name}"
    if "psycopg" in text or "wait_c" in name or "socket" in text:
        return "waiting for PostgreSQL (psycopg)"
    if "cryptography" in text or "sbk/core/crypto" in text:
        return "encryption (SM4-GCM, SM3)"
    if "django/db/" in text:
        return "Django ORM (SQL compiling, model objects)"
    if "pydantic" in text or "/ninja/" in text:
        return "django-ninja / pydantic"
    if "/django/" in text:
        return "Django request handling, middleware"
    if "/sbk/" in text:
        return "sbk's own code"
    return "stdlib and the rest (json, copy, …)"


# (file suffix, function) -> label: the steps of one mutating call, cumulative time.
FOCUS = [
    (
        "sbk/core/api_auth.py",
        "authenticate",
        "token auth (one SELECT, Idempotency-Key looked up with it)",
    ),
    ("sbk/cards/services/cards.py", "report_loss", "service: locks, checks, writes, journal"),
    (
        "sbk/cards/services/applications.py",
        "produce_card",
        "service: locks, checks, writes, journal",
    ),
    (
        "sbk/cards/services/common.py",
        "lock_card",
        "… of which the lock (holder, then card or application)",
    ),
    (
        "sbk/cards/services/common.py",
        "lock_application",
        "… of which the lock (holder, then card or application)",
    ),
    ("sbk/core/actions.py", "record", "… of which journal + audit rows (actions.record)"),
    ("sbk/core/chain.py", "append", "… of which audit chain append (global lock taken)"),
    ("sbk/cards/api.py", "_card", "response: card re-read (in the transaction)"),
    ("sbk/cards/api.py", "_json", "response: pydantic validation"),
    ("sbk/core/idempotency.py", "run", "idempotent request: transaction, service, record"),
    ("django/contrib/sessions/middleware.py", "process_response", "session write"),
]

# What each SQL statement of a request is for: (verb, main table, phrases it holds, label);
# the first match wins.
ORIGINS = [
    ("BEGIN", "", (), "BEGIN"),
    ("COMMIT", "", (), "COMMIT"),
    ("ROLLBACK", "", (), "ROLLBACK"),
    ("SAVEPOINT", "", (), "SAVEPOINT (a nested atomic block)"),
    ("RELEASE", "", (), "RELEASE SAVEPOINT"),
    (
        "SELECT",
        "accounts_apitoken",
        ("core_idempotencyrecord",),
        "bearer token + user + org, and the Idempotency-Key lookup",
    ),
    ("SELECT", "accounts_apitoken", (), "bearer token + user + org"),
    ("UPDATE", "accounts_apitoken", (), "token last used (at most once a minute)"),
    ("SELECT", "core_idempotencyrecord", (), "Idempotency-Key lookup"),
    ("INSERT", "core_idempotencyrecord", (), "idempotency record (the stored answer)"),
    (
        "SELECT",
        "cards_application",
        ("FOR UPDATE OF registry_person",),
        "lock applicant, then application (scoped; outlet scope and a first card's "
        "checks answered too)",
    ),
    ("SELECT", "cards_card", ("FOR UPDATE OF registry_person",), "lock holder, then card (scoped)"),
    ("SELECT", "registry_person", ("FOR UPDATE",), "lock person"),
    ("SELECT", "cards_card", ("FOR UPDATE",), "lock card"),
    ("SELECT", "cards_application", ("FOR UPDATE",), "lock application"),
    (
        "SELECT",
        "cards_card",
        ("person_id AS person_id",),
        "holder's valid card? card number taken?",
    ),
    ("SELECT", "cards_card", (" AS person_id",), "scope check (peek)"),
    ("SELECT", "cards_application", (" AS person_id",), "scope check (peek)"),
    ("SELECT", "cards_card", ("card_no =",), "card number taken?"),
    ("SELECT", "cards_card", (), "card read (scoped)"),
    ("SELECT", "cards_application", (), "application read (scoped)"),
    ("SELECT", "orgs_organisation", (), "policy scope check"),
    ("UPDATE", "cards_card", (), "card update (changed columns)"),
    ("INSERT", "cards_card", (), "card insert"),
    ("UPDATE", "cards_application", (), "application update (changed columns)"),
    ("INSERT", "cards_servicetransaction", (), "journal row"),
    ("SELECT", "core_chainhead", (), "audit chain: head lock"),
    ("INSERT", "core_auditentry", (), "audit chain: row"),
    ("UPDATE", "core_chainhead", (), "audit chain: head update"),
    ("SELECT", "notify_notification", (), "SMS outbox: dedup check"),
    ("WITH", "", ("UPDATE stock_serial",), "card blank: pick + its counter"),
    ("UPDATE", "stock_serial", (), "card blank: pick"),
    ("UPDATE", "stock_balance", (), "card blank: counter"),
    ("INSERT", "stock_entry", (), "card blank: ledger entry"),
    ("INSERT", "ecard_electroniccard", (), "electronic card sign-up"),
    ("INSERT", "notify_notification", (), "SMS outbox: row"),
]


def _held(text: str) -> str:
    """The labels of the writes held and sent in one statement (sbk.core.batch), each
    part ``sbk_wN AS (INSERT …)`` labelled as if it were sent alone."""
    parts = text.split(" AS (")[1:]
    labels = []
    for part in parts:
        if part.startswith(("INSERT", "UPDATE")):
            labels.append(origin(part.split(" RETURNING ", 1)[0]))
    return " + ".join(labels)


def origin(sql: str) -> str:
    """A label for one captured statement (see ORIGINS)."""
    text = " ".join(sql.replace('"', "").split())
    if text.startswith("WITH sbk_w0 AS ("):
        lock = " sbk_carried AS (SELECT seq, last_hash FROM core_chainhead" in text
        held = _held(text)
        return f"audit chain: head lock, carrying {held}" if lock else f"held writes: {held}"
    verb = text.split(" ", 1)[0].upper()
    table = _main_table(text, verb)
    for want_verb, want_table, phrases, label in ORIGINS:
        if verb == want_verb and (not want_table or table == want_table):
            if all(p in text for p in phrases):
                return label
    return text[:60]


def _main_table(text: str, verb: str) -> str:
    if verb in ("UPDATE", "INSERT"):
        words = text.split(" ")
        return words[2 if verb == "INSERT" else 1] if len(words) > 2 else ""
    if verb != "SELECT":
        return ""
    depth = 0  # the FROM of the statement, not of a subquery in its select list
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and text.startswith(" FROM ", i):
            return text[i + 6 :].split(" ", 1)[0]
    return ""


def profile_requests(loss_ids: list[int], app_ids: list[int], token: str) -> dict:
    """Each call once, sequentially, in this process (django.test.Client, no HTTP): where
    the time of one request goes, and which SQL statements it sends (the token in steady
    use: its "last used" is written at most once a minute). The two floors' statements too."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    out = {}
    for key, ids, make in (
        ("loss", loss_ids, lambda pk, n: loss_item(pk)),
        ("produce", app_ids, produce_item),
    ):
        reqs = [make(pk, n) for n, pk in enumerate(ids)]
        warm, prof, capt = reqs[:5], reqs[5 : 5 + PROFILE_REQUESTS], reqs[5 + PROFILE_REQUESTS :]

        client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")

        def call(item, n, key=key, client=client):
            client.cookies.clear()  # no session cookie carried over, as in the load test
            _, path, body = item
            r = client.post(
                path,
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"profile-{key}-{n}-{secrets.token_hex(4)}",
            )
            if r.status_code >= 400:
                raise RuntimeError(f"profile request failed: {r.status_code} {r.content[:300]!r}")

        for n, item in enumerate(warm):
            call(item, n)
        t0, c0 = time.perf_counter(), time.process_time()
        for n, item in enumerate(capt[:-1]):
            call(item, 300 + n)
        plain_ms = (time.perf_counter() - t0) / max(len(capt) - 1, 1) * 1000
        cpu_ms = (time.process_time() - c0) / max(len(capt) - 1, 1) * 1000
        prof_obj = cProfile.Profile()
        t0 = time.perf_counter()
        prof_obj.enable()
        for n, item in enumerate(prof):
            call(item, 100 + n)
        prof_obj.disable()
        prof_ms = (time.perf_counter() - t0) / len(prof) * 1000
        stats = pstats.Stats(prof_obj).stats
        areas: dict[str, float] = {}
        for func, (_, _, tt, _, _) in stats.items():
            areas[_area(func)] = areas.get(_area(func), 0.0) + tt / len(prof) * 1000
        focus: dict[str, float] = {}
        for func, (_, _, _, ct, _) in stats.items():
            for suffix, name, label in FOCUS:
                if func[0].endswith(suffix) and func[2] == name:
                    focus[label] = focus.get(label, 0.0) + ct / len(prof) * 1000
        with CaptureQueriesContext(connection) as cq:
            call(capt[-1], 999)
        out[key] = {
            "plain_ms": plain_ms,
            "cpu_ms": cpu_ms,
            "profiled_ms": prof_ms,
            "areas": dict(sorted(areas.items(), key=lambda kv: -kv[1])),
            "focus": focus,
            **_statements(cq),
        }
    reader = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    for key, path in (("ping", "/api/ping"), ("read", f"/api/cards/cards/{loss_ids[0]}")):
        reader.get(path)  # warm
        reader.cookies.clear()
        with CaptureQueriesContext(connection) as cq:
            r = reader.get(path)
        if r.status_code != 200:
            raise RuntimeError(f"profile request failed: {r.status_code} {r.content[:300]!r}")
        out[key] = _statements(cq)  # now: the next request clears the connection's log
        c0 = time.process_time()
        for _ in range(PROFILE_REQUESTS):
            reader.cookies.clear()
            reader.get(path)
        out[key]["cpu_ms"] = (time.process_time() - c0) / PROFILE_REQUESTS * 1000
    connection.close()
    return out


def orm_split(card_id: int, app_id: int, n: int = 200) -> dict[str, tuple[float, float]]:
    """The two lock statements, each as the service runs it (build the queryset, compile
    it, execute, build the model objects) and as bare SQL (execute and fetch the row only):
    CPU ms per call, in a transaction rolled back at the end."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from sbk.accounts.models import User
    from sbk.cards.services import common

    from .data import OPERATOR

    user = User.objects.select_related("org").get(username=OPERATOR)
    steps = {
        "lock holder, then card (report loss)": lambda: common.lock_card(user, card_id),
        "lock applicant, then application (produce card)": lambda: common.lock_application(
            user, app_id, outlet_scope=True
        ),
    }
    out = {}

    def cpu_ms(fn) -> float:
        fn()
        t0 = time.process_time()
        for _ in range(n):
            fn()
        return (time.process_time() - t0) / n * 1000

    with transaction.atomic():
        with connection.cursor() as cur:
            for label, step in steps.items():
                with CaptureQueriesContext(connection) as cq:
                    step()
                sql = cq.captured_queries[-1]["sql"]  # with its parameters bound
                out[label] = (
                    cpu_ms(step),
                    cpu_ms(lambda sql=sql: (cur.execute(sql), cur.fetchall())),
                )
        transaction.set_rollback(True)
    connection.close()
    return out


def _statements(cq) -> dict:
    sql = [q["sql"] for q in cq.captured_queries]
    return {
        "statements": [" ".join(q.split())[:100] for q in sql],
        "origins": [origin(q) for q in sql],
    }


def statement_kinds(statements: list[str]) -> str:
    """'SELECT x8, UPDATE x3, …' for one request's SQL."""
    kinds: dict[str, int] = {}
    for s in statements:
        word = s.split(" ", 1)[0].upper()
        kinds[word] = kinds.get(word, 0) + 1
    return ", ".join(f"{k} ×{v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))


# ----------------------------------------------------------------------------- report
