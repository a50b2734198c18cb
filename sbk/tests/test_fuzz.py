"""OpenAPI fuzzing (issue 23): schemathesis, run as its command line against a live test
server, over every operation of the published schema, with a staff bearer token.

The server is pytest-django's live server on the run's throwaway test database, holding
the test world and a few objects of every kind. It runs in the PostgreSQL pass of
``make test`` (the production database, where a value can also be refused by a column);
on SQLite only with ``FUZZ=1``, to keep the suite's time. The budget is bounded and the run reproducible: a fixed seed, a few examples per
operation, and a cap on the whole run. Any server error (5xx), any status code the schema
does not document, any body that does not match its documented schema fails the test;
the report names the operation and the curl command that reproduces it.

    FUZZ=1 FUZZ_EXAMPLES=50 FUZZ_MAX_TIME=300 .venv/bin/pytest -m fuzz   # a longer run by hand
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sbk.accounts.models import ApiToken

pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres")
        and not os.environ.get("FUZZ"),
        reason="fuzzing runs in the PostgreSQL pass of make test (FUZZ=1 runs it here)",
    ),
    # the live server needs committed data; the restore keeps the divisions for later tests
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))  # per operation and round of fuzzing
# Seconds for the staff run (the applicant's run gets a quarter): the coverage phase, then
# rounds of fuzzing repeated until the time is spent.
MAX_TIME = int(os.environ.get("FUZZ_MAX_TIME", "30"))
SEED = int(os.environ.get("FUZZ_SEED", "23"))
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]


def _objects(world, photo: bytes) -> None:
    """One of each kind, so that some generated ids (small integers) exist."""
    from sbk.cards import services as cards
    from sbk.exports.services import export_people
    from sbk.photos.services import record_check

    w = world
    app = cards.start_application(w.person_a.pk, acting_user=w.operator_a, outlet=w.bank_outlet_a)
    cards.attach_photo(app.pk, acting_user=w.operator_a, data=photo)
    cards.submit_application(app.pk, acting_user=w.operator_a)
    card = cards.produce_card(app.pk, acting_user=w.bank_operator_a, verified=True)
    cards.issue_card(card.pk, acting_user=w.bank_operator_a)
    cards.start_application(w.person_b.pk, acting_user=w.operator_b, outlet=w.bank_outlet_b)
    record_check(acting_user=w.operator_a, data=photo, person=w.person_a, channel="counter")
    export_people(acting_user=w.admin_a, query="", fmt="csv", full=False)


def _applicant():
    from sbk.portal.services import register_applicant
    from sbk.testing import PASSWORD, resident_number

    return register_applicant(
        name="网上某",
        id_number=resident_number("310112"),
        phone="13812345678",
        password=PASSWORD,
        outlet_code="BOA",
    )


def _token(user, raw: str) -> str:
    ApiToken.objects.create(user=user, name="fuzz", digest=ApiToken.digest_of(raw))
    return raw


def schemathesis(url: str, token: str, budget: int, report: Path, *extra: str) -> str | None:
    """One ``st run``; the output when it found something, else None."""
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",  # no example database left behind; the seed makes the run repeatable
        "--max-time",
        str(budget),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-shrink",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        *extra,
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=budget + 120,
        cwd=report.parent,  # nothing of schemathesis's is left in the work tree
        env={**os.environ, "NO_COLOR": "1"},
    )
    output = done.stdout + done.stderr
    print(output[-20000:])  # shown by pytest when the test fails
    return None if done.returncode == 0 else output[-20000:]


def test_openapi_fuzzing_finds_nothing(live_server, world, compliant_photo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SBK_EXPORT_APPROVAL_ROWS = 0  # exports file requests (the decision endpoints)
    _objects(world, compliant_photo)
    url = f"{live_server.url}/api/openapi.json"
    staff = _token(world.city_admin, "fuzz-" + "f" * 40)
    applicant = _token(_applicant(), "fuzz-applicant-" + "a" * 30)
    found = [
        # every operation as the city's administrator (the widest scope) …
        schemathesis(url, staff, MAX_TIME, tmp_path / "staff.xml"),
        # … and the applicant's own, which refuse staff, as an applicant
        schemathesis(
            url,
            applicant,
            max(10, MAX_TIME // 4),
            tmp_path / "applicant.xml",
            "--include-path-regex",
            "^/api/portal/",
        ),
    ]
    assert not any(found), "schemathesis found problems:\n" + "\n".join(filter(None, found))
