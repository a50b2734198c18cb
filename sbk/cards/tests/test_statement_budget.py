"""SQL statements per write request (issue 13): a regression here fails CI.

"Report loss" ≤ 6 statements (10 asked) and "produce card" ≤ 9 (14 asked; the card blank
consumed and the e-card included) on PostgreSQL, counted for the whole API request
(bearer token, Idempotency-Key, the service, the response, the idempotency record), BEGIN and
COMMIT included. Inside a test's transaction they are a SAVEPOINT and its RELEASE: the same
count. The token is one in steady use (its "last used" is written at most once a minute).
PostgreSQL writes the audit row and moves the chain head in one statement, picks the card
blank and moves its counter in one (data-modifying CTEs), and sends the action's
independent writes (new status, e-card, SMS, journal row) with the chain head's lock and
the audit row, the head's move and the stored answer together at the request's end
(``sbk.core.batch``, ADR 0014); SQLite has none of these, so there each is a statement of
its own (``SQLITE_EXTRA``).
benchmarks/RESULTS.md lists the statements one by one.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sbk.cards import services
from sbk.cards.models import ServiceTransaction
from sbk.cards.tests.helpers import issued_card, submitted
from sbk.cards.tests.test_api import post, token_for
from sbk.core.errors import Forbidden
from sbk.core.models import AuditEntry

pytestmark = pytest.mark.django_db

REPORT_LOSS_BUDGET = 6
PRODUCE_CARD_BUDGET = 9
SQLITE_EXTRA = {"loss": 4, "produce": 7}


def _budget(budget: int, kind: str) -> int:
    return budget + (SQLITE_EXTRA[kind] if connection.vendor == "sqlite" else 0)


def _statements(cq) -> str:
    return "\n".join(f"{i:2}. {q['sql'][:140]}" for i, q in enumerate(cq.captured_queries, 1))


@pytest.fixture
def bank(client, world):
    """A bank-outlet operator's bearer token, used once already (as in steady use)."""
    headers = token_for(world.bank_operator_a)
    assert client.get("/api/ping").status_code == 200
    assert client.get("/api/cards/cards?limit=1", **headers).status_code == 200
    return headers


def test_report_loss_request_within_budget(client, world, bank):
    card = issued_card(world)
    with CaptureQueriesContext(connection) as cq:
        r = post(client, f"/cards/{card.pk}/loss", {"kind": "formal"}, bank, key="loss-1")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "lost"
    assert len(cq) <= _budget(REPORT_LOSS_BUDGET, "loss"), _statements(cq)


def test_produce_card_request_within_budget(client, world, bank):
    app = submitted(world, world.person_b, user=world.operator_b, outlet=world.bank_outlet_a)
    with CaptureQueriesContext(connection) as cq:
        r = post(client, f"/applications/{app.pk}/produce", {"verified": True}, bank, key="p-1")
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "produced" and r.json()["org_code"] == "BOA"
    assert len(cq) <= _budget(PRODUCE_CARD_BUDGET, "produce"), _statements(cq)


def test_a_retry_is_answered_from_the_stored_record(client, world, bank):
    """The token query looks the key up; a retry still gets the stored answer, acting once."""
    card = issued_card(world)
    first = post(client, f"/cards/{card.pk}/loss", {"kind": "formal"}, bank, key="again")
    again = post(client, f"/cards/{card.pk}/loss", {"kind": "formal"}, bank, key="again")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert (
        ServiceTransaction.objects.filter(card=card, action="card.report_loss_formal").count() == 1
    )
    assert AuditEntry.objects.filter(action="card.report_loss_formal").count() == 1


def test_holder_then_card_locked_by_one_statement(world):
    """Lock order person → card, as everywhere (FOR UPDATE OF takes them in that order)."""
    card = issued_card(world)
    with CaptureQueriesContext(connection) as cq:
        services.report_loss(card.pk, acting_user=world.bank_operator_a)
    locks = [q["sql"] for q in cq.captured_queries if "FOR UPDATE" in q["sql"]]
    if connection.vendor == "postgresql":
        assert 'FOR UPDATE OF "registry_person", "cards_card"' in locks[0], locks
        assert "core_chainhead" in locks[1] and len(locks) == 2, locks


def test_production_outlet_outside_scope_is_refused_without_writing(world):
    """The application is visible (the clerk took it) but the production outlet is in
    another district: the lock query answers the scope, the policy refuses as before."""
    app = submitted(world, world.person_a, user=world.operator_a, outlet=world.bank_outlet_b)
    audit = AuditEntry.objects.count()
    with pytest.raises(Forbidden, match="管辖范围"):
        services.produce_card(app.pk, acting_user=world.operator_a, verified=True)
    assert AuditEntry.objects.count() == audit and not world.person_a.cards.exists()
    card = services.produce_card(app.pk, acting_user=world.bank_user, verified=True)
    with pytest.raises(Forbidden, match="管辖范围"):
        services.issue_card(card.pk, acting_user=world.operator_a)
    assert services.issue_card(card.pk, acting_user=world.bank_user).status == "issued"
