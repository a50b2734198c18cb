"""Loading people and cards into the benchmark database, and picking the objects to act on."""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # benchmarks/
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

TARGET_P95_MS = 50.0
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sbk_bench"
CARDLESS_EVERY = 20  # one person in 20 has no card yet: the "produce" pool
CHUNK = 10_000
DISTRICTS = [("610102", "新城区"), ("610103", "碑林区"), ("610104", "莲湖区"), ("610113", "雁塔区")]
BANKS = [
    ("BENCH-ICBC", "中国工商银行陕西省分行", "622202"),
    ("BENCH-CCB", "中国建设银行", "621700"),
]
OPERATOR = "bench_bank"
PROFILE_REQUESTS = 30


def db_name(url: str) -> str:
    return urllib.parse.urlparse(url).path.lstrip("/")


def admin_connect(url: str):
    import psycopg

    parts = urllib.parse.urlparse(url)
    return psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True)


def ensure_database(url: str, *, fresh: bool) -> bool:
    """Create the bench database when absent (or anew with ``fresh``); True if created."""
    from psycopg import sql

    name = db_name(url)
    if not name.startswith("sbk_bench") or name == "test":
        raise SystemExit(
            f"refusing to manage database {name!r}: its name must start with sbk_bench"
        )
    with admin_connect(url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not fresh:
            return False
        if exists:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def bench_dir(url: str) -> Path:
    d = Path(tempfile.gettempdir()) / f"sbk-bench-cards-{db_name(url)}"
    d.mkdir(parents=True, exist_ok=True)
    return d


def setup_django(url: str, keys_file: Path, var_dir: Path) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["SBK_KEYS_FILE"] = str(keys_file)
    os.environ["SBK_VAR_DIR"] = str(var_dir)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sbk.settings")
    import django

    django.setup()


def build_orgs() -> dict:
    """The bench's organisation tree, created once; returns ids the loader needs."""
    from sbk.accounts.models import Role, User
    from sbk.accounts.services import create_staff
    from sbk.core.actors import SYSTEM
    from sbk.orgs.models import Organisation, OrgKind
    from sbk.orgs.services import create_organisation

    def org(code, name, kind, division, parent=None, bank=None):
        found = Organisation.objects.filter(code=code).first()
        return found or create_organisation(
            acting_user=SYSTEM,
            code=code,
            name=name,
            kind=kind,
            division_code=division,
            parent=parent,
            bank=bank,
            reason="benchmark",
        )

    centre = org("BENCH", "陕西省社会保障卡服务中心", OrgKind.CENTRE, "610000")
    banks = [org(code, name, OrgKind.BANK, "610000", centre) for code, name, _ in BANKS]
    city = org("BENCH-C610100", "西安市社会保障卡服务中心", OrgKind.CITY, "610100", centre)
    districts = []
    for i, (code, name) in enumerate(DISTRICTS):
        d = org(f"BENCH-D{code}", f"西安市{name}", OrgKind.DISTRICT, code, city)
        outlets = [
            org(f"BENCH-O{code}{j}", f"{name}第{j}社区受理网点", OrgKind.COMMUNITY_OUTLET, code, d)
            for j in (1, 2)
        ]
        bank = banks[i % len(banks)]
        bo = org(
            f"BENCH-BO{code}", f"{bank.name[:6]}{name}支行", OrgKind.BANK_OUTLET, code, d, bank
        )
        districts.append(
            {
                "division": code,
                "outlets": [o.pk for o in outlets],
                "bank_outlet": bo.pk,
                "bank": bank.pk,
                "bin": BANKS[i % len(BANKS)][2],
            }
        )
    operator_outlet = Organisation.objects.get(code=f"BENCH-BO{DISTRICTS[0][0]}")
    if not User.objects.filter(username=OPERATOR).exists():
        create_staff(
            acting_user=SYSTEM,
            username=OPERATOR,
            password=secrets.token_urlsafe(16) + "aA1!",
            role=Role.BANK_OPERATOR,
            org=operator_outlet,
            full_name="压测柜员",
        )
    return {"districts": districts, "operator_outlet": operator_outlet.pk}


def new_tokens(n: int) -> list[str]:
    """Fresh bearer tokens for the operator (only digests are stored: make new ones each run)."""
    from sbk.accounts.models import ApiToken, User

    user = User.objects.get(username=OPERATOR)
    ApiToken.objects.filter(user=user, name__startswith="bench-").delete()
    raws = [secrets.token_urlsafe(32) for _ in range(n)]
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=user, name=f"bench-{i}", digest=ApiToken.digest_of(raw))
            for i, raw in enumerate(raws)
        ]
    )
    return raws


# ----------------------------------------------------------------------------- bulk load
def _luhn(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def account_for(bin_: str, serial: int) -> str:
    return _luhn(f"{bin_}{serial:012d}")


def _person_values(i: int, rng: random.Random, division: str) -> dict:
    from sbk.demo import data
    from sbk.idcard import make_resident18

    j = i // len(DISTRICTS)
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=j % 29_000)
    seq = (j // 29_000) * 2 + rng.randrange(2)  # unique (division, birth, seq)
    given = "".join(rng.choice(data.GIVEN) for _ in range(rng.choice((1, 2, 2))))
    if rng.random() < 0.004:
        given = given[:-1] + rng.choice(data.RARE_GIVEN)
    category = rng.choices(["employee", "resident", "other"], weights=[55, 42, 3])[0]
    return {
        "name": rng.choice(data.SURNAMES) + given,
        "id_number": make_resident18(division, birth, seq),
        "category": category,
        "category_note": "灵活就业人员" if category == "other" else "",
        "phone": f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        if rng.random() < 0.9
        else "",
        "address": f"西安市{DISTRICTS[i % len(DISTRICTS)][1]}{rng.randrange(1, 300)}号",
        "residence_division": division,
    }


def load_chunk(task: tuple) -> tuple[int, int]:
    """Generate people ``start..stop-1`` (ids start+1..) with their cards and COPY them in."""
    start, stop, orgs, with_cards = task
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from sbk.cards import rules as card_rules
    from sbk.cards.models import Card
    from sbk.registry.models import Person
    from sbk.registry.rules import clean_person
    from sbk.registry.services import apply_values

    rng = random.Random(start)
    now = timezone.now()
    today = timezone.localdate()
    pfields = list(Person._meta.concrete_fields)
    cfields = list(Card._meta.concrete_fields)
    people, cards = [], []
    for i in range(start, stop):
        d = orgs["districts"][i % len(DISTRICTS)]
        cleaned = clean_person(_person_values(i, rng, d["division"]))
        if not cleaned.ok:
            raise RuntimeError(f"generator produced invalid data: {cleaned.problems}")
        p = Person(id=i + 1, org_id=d["outlets"][(i // len(DISTRICTS)) % 2])
        apply_values(p, cleaned.values)
        people.append([f.get_db_prep_save(f.pre_save(p, True), connection) for f in pfields])
        if not with_cards or i % CARDLESS_EVERY == CARDLESS_EVERY - 1:
            continue
        issued = today - dt.timedelta(days=rng.randrange(1, 3650))
        account = account_for(d["bin"], i + 1)
        c = Card(
            id=i + 1,
            person_id=i + 1,
            card_no=card_rules.make_card_no("L", i + 1),
            card_code=card_rules.make_card_code(d["division"], settings.SBK_CARD_VERSION),
            version=settings.SBK_CARD_VERSION,
            division_code=d["division"],
            org_id=d["bank_outlet"],
            bank_id=d["bank"],
            account_no=account,
            account_masked=card_rules.mask_account(account),
            status=card_rules.ISSUED,
            category=cleaned.values["category"],
            produced_at=now - dt.timedelta(days=(today - issued).days + 7),
            issued_on=issued,
            expires_on=issued + dt.timedelta(days=3652),
            electronic=True,
            financial_activated_on=issued if rng.random() < 0.8 else None,
            legacy=True,
        )
        cards.append([f.get_db_prep_save(f.pre_save(c, True), connection) for f in cfields])

    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cur:
        for model, fields, rows in ((Person, pfields, people), (Card, cfields, cards)):
            if not rows:
                continue
            cols = ", ".join(qn(f.column) for f in fields)
            with cur.copy(f"COPY {qn(model._meta.db_table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    connection.close()
    return len(people), len(cards)


def bulk_load(start: int, stop: int, orgs: dict, *, with_cards: bool, label: str) -> float:
    import multiprocessing

    from django.db import connection, connections
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    connections.close_all()
    tasks = [(a, min(a + CHUNK, stop), orgs, with_cards) for a in range(start, stop, CHUNK)]
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with (
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ) as progress,
        ctx.Pool(os.cpu_count() or 2) as pool,
    ):
        bar = progress.add_task(label, total=stop - start)
        for n_people, _ in pool.imap_unordered(load_chunk, tasks):
            progress.advance(bar, n_people)
    with connection.cursor() as cur:
        for table in ("registry_person", "cards_card"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
    connection.close()
    return time.perf_counter() - t0


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for table in ("registry_person", "cards_card", "cards_application"):
            cur.execute(f"VACUUM (ANALYZE) {table}")


def counts() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM registry_person), (SELECT max(id) FROM registry_person),"
            " (SELECT count(*) FROM cards_card),"
            " (SELECT count(*) FROM cards_card WHERE status = 'issued'),"
            " pg_size_pretty(pg_database_size(current_database()))"
        )
        people, max_id, cards, issued, size = cur.fetchone()
    return {"people": people, "max_id": max_id or 0, "cards": cards, "issued": issued, "size": size}


def session_rows() -> int:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        return conn.execute("SELECT count(*) FROM django_session").fetchone()[0]


# ----------------------------------------------------------------------------- scenario objects
def pick_loss_cards(n: int, outlet_id: int) -> list[int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.id FROM cards_card c JOIN registry_person p ON p.id = c.person_id "
            "WHERE c.status = 'issued' AND c.org_id = %s AND p.status = 'active' "
            "ORDER BY random() LIMIT %s",
            [outlet_id, n],
        )
        return [r[0] for r in cur.fetchall()]


def cardless_pool(n: int) -> list[int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.id FROM registry_person p WHERE p.status = 'active' AND p.name_printable "
            "AND NOT EXISTS (SELECT 1 FROM cards_card c WHERE c.person_id = p.id) "
            "AND NOT EXISTS (SELECT 1 FROM cards_application a WHERE a.person_id = p.id) "
            "ORDER BY random() LIMIT %s",
            [n],
        )
        return [r[0] for r in cur.fetchall()]


def submitted_applications(person_ids: list[int], outlet_id: int) -> list[int]:
    """Applications in the state ``submit_application`` leaves them: photo checked and on
    record, 7-day clock running, waiting in the bank outlet's production queue."""
    from django.conf import settings
    from django.utils import timezone

    from sbk.accounts.models import User
    from sbk.cards import rules as card_rules
    from sbk.cards.models import Application, Channel
    from sbk.registry.models import Person

    operator = User.objects.get(username=OPERATOR)
    now = timezone.now()
    due = timezone.localdate() + dt.timedelta(days=settings.SBK_APPLICATION_DEADLINE_DAYS)
    people = Person.objects.filter(pk__in=person_ids).only(
        "id", "name", "id_index", "id_masked", "gender", "birth_date", "category"
    )
    apps = [
        Application(
            person_id=p.pk,
            kind="first",
            channel=Channel.BANK,
            intake_org_id=outlet_id,
            outlet_id=outlet_id,
            status=card_rules.SUBMITTED,
            stated_name=p.name,
            stated_id_index=p.id_index,
            stated_id_masked=p.id_masked,
            stated_gender=p.gender,
            stated_birth_date=p.birth_date,
            stated_category=p.category,
            photo=f"photos/applications/bench/{p.pk}.jpg",
            photo_source="upload",
            photo_checked=True,
            photo_ok=True,
            photo_result={"ok": True, "bench": True},
            created_by=operator,
            submitted_at=now - dt.timedelta(hours=1),
            deadline=due,
        )
        for p in people
    ]
    made = Application.objects.bulk_create(apps, batch_size=2000)
    return [a.pk for a in made]


def stock_blanks(outlet_id: int, n: int) -> int:
    """Card blanks for ``n`` productions at the bench's bank outlet (since issue 15 a card
    consumes one, and production without one is refused): tops the outlet's blank balance up
    through the stock services (centre intake, allocation, receipt). Returns how many."""
    import time

    from sbk.core.actors import SYSTEM
    from sbk.orgs.models import Organisation
    from sbk.stock.models import Balance
    from sbk.stock.services import apply_movements

    outlet = Organisation.objects.select_related("bank").get(pk=outlet_id)
    centre = Organisation.objects.get(code="BENCH")
    have = sum(Balance.objects.filter(org=outlet, item="blank").values_list("qty", flat=True))
    missing = n - have
    if missing <= 0:
        return 0
    tag = int(time.time())
    serials = [f"BENCH-{tag}-{i:07d}" for i in range(missing)]
    base = {"item": "blank", "bank": outlet.bank.code, "serials": serials}
    apply_movements(
        [
            {**base, "kind": "allocate", "from": None, "to": centre.code},
            {**base, "kind": "allocate", "from": centre.code, "to": outlet.code},
            {**base, "kind": "receive", "from": centre.code, "to": outlet.code},
        ],
        acting_user=SYSTEM,
    )
    return missing
