"""Registry import rows per minute with encryption at rest on and off, side by side.

    python benchmarks/bench_import.py [--rows 100000] [--write benchmarks/RESULTS.md]

One run, one fresh SQLite file: the same synthetic CSV (valid resident numbers, phones,
addresses) is imported through ``sbk registry import``'s code path twice: once as
installed (SM4-GCM for number, phone and address, HMAC-SM3 blind indexes) and once with a
plaintext key ring that exists only in this script (no encryption, the normalised number
as its own "index") — never selectable by a setting. The goal: 100,000 rows a minute with
encryption on.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

GOAL = 100_000  # rows per minute, with encryption on


def setup(tmp: Path):
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["SBK_KEYS_FILE"] = str(tmp / "keys.json")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sbk.settings")
    from sbk.core.crypto import KeyRing

    KeyRing.generate().save(tmp / "keys.json")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def write_csv(path: Path, rows: int) -> None:
    from sbk.idcard import make_resident18

    divisions = ["310112", "310115", "310104", "310101"]
    day, seq, n = dt.date(1950, 1, 1), 0, 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["姓名", "公民身份号码", "联系电话", "地址", "人员类别"])
        while n < rows:
            number = make_resident18(divisions[n % 4], day, seq)
            w.writerow(
                [f"测试{n % 997}号", number, f"139{n:08d}", f"测试路{n % 5000}号", "employee"]
            )
            n += 1
            seq += 1
            if seq == 1000:
                seq, day = 0, day + dt.timedelta(days=1)


def plaintext_ring():
    """A ring that does not encrypt: for this comparison only, never installed anywhere."""
    from sbk.core import keys

    real = keys.ring()

    class PlainRing(type(real)):
        def encrypt(self, plaintext: str, context: str) -> str:
            return f"plain${plaintext}"

        def decrypt(self, token: str, context: str) -> str:
            return token.partition("$")[2]

        def blind_index(self, value: str, domain: str) -> str:
            return f"{domain}:{value}"

    return PlainRing(real.keys, real.current, real.index_key)


def run_import(path: Path, org) -> float:
    from django.db import connection

    from sbk.core.actors import IMPORTER
    from sbk.registry.importer import import_people

    start = time.perf_counter()
    result = import_people(path, acting_user=IMPORTER, default_org=org)  # as `sbk registry import`
    elapsed = time.perf_counter() - start
    assert result.written == result.total, (result.total, result.errors[:3])
    with connection.cursor() as cur:
        cur.execute("DELETE FROM registry_person")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--write", help="RESULTS.md to update (section 'import')")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sbk-bench-import-"))
    setup(tmp)

    from results import machine, write_section

    from sbk.core import keys
    from sbk.core.actors import SYSTEM
    from sbk.orgs.models import OrgKind
    from sbk.orgs.services import create_organisation

    centre = create_organisation(
        acting_user=SYSTEM, code="B0", name="中心", kind=OrgKind.CENTRE, division_code="310000"
    )
    district = create_organisation(
        acting_user=SYSTEM,
        code="B1",
        name="区",
        kind=OrgKind.DISTRICT,
        division_code="310112",
        parent=centre,
    )
    org = create_organisation(
        acting_user=SYSTEM,
        code="B2",
        name="网点",
        kind=OrgKind.COMMUNITY_OUTLET,
        division_code="310112",
        parent=district,
    )
    data = tmp / "people.csv"
    write_csv(data, args.rows)
    warm = tmp / "warm.csv"
    write_csv(warm, 2000)
    run_import(warm, org)  # load the division table, warm caches

    on = run_import(data, org)
    real_ring = keys.ring
    plain = plaintext_ring()
    keys.ring = lambda: plain
    try:
        off = run_import(data, org)
    finally:
        keys.ring = real_ring

    per_min = {k: args.rows / t * 60 for k, t in (("on", on), ("off", off))}
    ok = per_min["on"] >= GOAL
    table = (
        f"## Registry import with encryption at rest\n\n"
        f"{args.rows:,} synthetic rows (CSV: name, resident number, phone, address, category), "
        f"`import_people` as `sbk registry import` runs it, one SQLite file (WAL), "
        f"{dt.date.today()}; {machine()}.\n\n"
        "| encryption | seconds | rows per second | rows per minute |\n|---|---:|---:|---:|\n"
        f"| on (SM4-GCM × 3 fields, HMAC-SM3 × 2 indexes) | {on:.1f} | {per_min['on'] / 60:,.0f} "
        f"| {per_min['on']:,.0f} |\n"
        f"| off (plaintext ring, benchmark only) | {off:.1f} | {per_min['off'] / 60:,.0f} "
        f"| {per_min['off']:,.0f} |\n\n"
        f"Encryption costs {100 * (on - off) / off:.0f} % of the import time. "
        f"Goal {GOAL:,} rows per minute with encryption on: **{'met' if ok else 'NOT met'}**.\n"
    )
    print(table)
    if args.write:
        write_section(args.write, "import", table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
