"""Writes held inside a business action and sent with its next statement (sbk.core.batch).

On PostgreSQL a held write goes with the next statement; a read never misses it, a failed
action drops it, a second write to the same table sends the first; outside an action and
on SQLite nothing is held. Each test states what it counts, so it fails when writes are
not held (the statement count) or held too long (the rows seen).
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sbk.cards import services
from sbk.cards.models import Card, ServiceTransaction
from sbk.cards.tests.helpers import issued_card, submitted
from sbk.cards.tests.test_api import post, token_for
from sbk.core import actions, batch, chain, prepared
from sbk.core.catalogue import Action
from sbk.core.errors import ServiceError
from sbk.core.models import AuditEntry, IdempotencyRecord
from sbk.notify.models import Notification

pytestmark = pytest.mark.django_db
pg_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="writable CTEs: PostgreSQL only"
)


def _note(world, key: str) -> Notification:
    return Notification(dedup_key=key, kind="ready", person=world.person_a, text="t")


def _journal(world, **kw) -> ServiceTransaction:
    return ServiceTransaction(
        item=7,
        channel=1,
        action="enquiry.record",
        outlet=world.outlet_a,
        operator=world.operator_a,
        person=world.person_a,
        at=timezone.now(),
        **kw,
    )


def _sent(cq) -> list[str]:
    """The statements sent, without the savepoint a test's own transaction adds around
    the action."""
    return [q["sql"] for q in cq.captured_queries if "SAVEPOINT" not in q["sql"]]


def _no_wrapper_left():
    assert batch.held(connection) == 0
    assert batch._send_first not in connection.execute_wrappers


@pg_only
def test_held_writes_go_as_one_statement_and_get_their_ids(world):
    card = issued_card(world)
    with CaptureQueriesContext(connection) as cq:
        with actions.atomic():
            note = prepared.insert(_note(world, "h-1"), defer=True)
            row = prepared.insert(_journal(world), defer=True)
            card.account_masked = "6222****0001"
            prepared.update(card, ["account_masked"], defer=True)
            assert note.pk is None and batch.held(connection) == 3
            assert _sent(cq) == []  # nothing sent yet
    (sent,) = _sent(cq)
    assert sent.startswith('WITH sbk_w0 AS (INSERT INTO "notify_notification"')
    assert note.pk and row.pk and not note._state.adding
    assert Notification.objects.get(pk=note.pk).dedup_key == "h-1"
    assert ServiceTransaction.objects.filter(pk=row.pk).exists()
    assert Card.objects.get(pk=card.pk).account_masked == "6222****0001"
    _no_wrapper_left()


@pg_only
def test_a_read_sends_them_first(world):
    with actions.atomic():
        note = prepared.insert(_note(world, "h-2"), defer=True)
        assert note.pk is None
        assert Notification.objects.filter(dedup_key="h-2").count() == 1  # sent before it
        assert note.pk is not None
        _no_wrapper_left()


@pg_only
def test_a_second_write_to_the_same_table_sends_the_first(world):
    with actions.atomic():
        first = prepared.insert(_note(world, "h-3"), defer=True)
        second = prepared.insert(_note(world, "h-4"), defer=True)
        assert first.pk is not None and second.pk is None
    assert {first.pk, second.pk} == set(
        Notification.objects.filter(dedup_key__in=["h-3", "h-4"]).values_list("pk", flat=True)
    )


@pg_only
def test_the_chain_lock_carries_them_and_record_returns_the_journal_id(world):
    card = issued_card(world)
    with CaptureQueriesContext(connection) as cq:
        with actions.atomic():
            prepared.insert(_note(world, "h-5"), defer=True)
            recorded = actions.record(
                Action.ENQUIRY,
                acting_user=world.operator_a,
                obj=card,
                channel=1,
                outlet=world.outlet_a,
                person=world.person_a,
                card=card,
            )
    assert recorded.journal.pk and recorded.audit.pk
    # lock (with the two writes), audit insert + head move: two statements in all
    lock, audit = _sent(cq)
    assert "FOR UPDATE" in lock and '"core_chainhead"' in lock
    assert '"notify_notification"' in lock and '"cards_servicetransaction"' in lock
    assert '"core_auditentry"' in audit
    assert ServiceTransaction.objects.get(pk=recorded.journal.pk).card == card


@pg_only
def test_a_failed_action_drops_what_it_held(world):
    with transaction.atomic():
        with pytest.raises(ServiceError):
            with actions.atomic():
                prepared.insert(_note(world, "h-6"), defer=True)
                raise ServiceError("x", "refused")
        _no_wrapper_left()
        assert not Notification.objects.filter(dedup_key="h-6").exists()


@pg_only
def test_a_held_update_that_misses_its_row_fails_the_action(world):
    card = issued_card(world)
    gone = Card(pk=card.pk + 10_000, account_masked="x")
    with pytest.raises(DatabaseError, match="affected 0 rows"):
        with actions.atomic():
            prepared.update(gone, ["account_masked"], defer=True)
            prepared.insert(_note(world, "h-7"), defer=True)
    _no_wrapper_left()
    assert not Notification.objects.filter(dedup_key="h-7").exists()


def test_outside_an_action_nothing_is_held(world):
    note = prepared.insert(_note(world, "h-8"), defer=True)
    assert note.pk is not None and batch.held(connection) == 0


def test_a_database_without_writable_ctes_holds_nothing(world, monkeypatch):
    """SQLite (on PostgreSQL the connection is told it is one: the same branch)."""
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with actions.atomic():
        note = prepared.insert(_note(world, "h-9"), defer=True)
        assert note.pk is not None and batch.held(connection) == 0


def test_a_card_action_writes_what_it_wrote_before(world):
    """Report loss through the service: the card's new status, its journal row and its
    audit row are all there afterwards, on either database."""
    card = issued_card(world)
    audit = AuditEntry.objects.count()
    services.report_loss(card.pk, acting_user=world.bank_operator_a)
    card.refresh_from_db()
    assert card.status == "lost"
    assert ServiceTransaction.objects.filter(card=card, action="card.report_loss_formal").count()
    assert AuditEntry.objects.count() == audit + 1
    _no_wrapper_left()


def test_an_api_request_writes_every_row_and_keeps_the_chain(client, world):
    """Through the API the service's action block sits inside the request's: the inner
    block keeps holding, the request's block sends the audit row, the chain head's move and
    the stored answer at its end (PostgreSQL: one statement). Every row is there and the
    chain verifies, for two audited requests in a row."""
    headers = token_for(world.bank_operator_a)
    app = submitted(world, world.person_b, user=world.operator_b, outlet=world.bank_outlet_a)
    audit = AuditEntry.objects.count()
    with CaptureQueriesContext(connection) as cq:
        r = post(client, f"/applications/{app.pk}/produce", {"verified": True}, headers, key="k1")
    sent = _sent(cq)  # now: the next request clears the connection's log
    assert r.status_code == 201, r.content
    card = Card.objects.get(pk=r.json()["id"])
    r = post(client, f"/cards/{card.pk}/issue", {}, headers, key="k2")
    assert r.status_code == 200, r.content
    assert AuditEntry.objects.count() == audit + 2
    assert set(AuditEntry.objects.order_by("-seq").values_list("action", flat=True)[:2]) == {
        "card.produce",
        "card.issue",
    }
    assert ServiceTransaction.objects.filter(card=card).count() == 2
    assert IdempotencyRecord.objects.filter(key__in=["k1", "k2"]).count() == 2
    assert chain.verify(AuditEntry).ok
    _no_wrapper_left()
    if connection.vendor == "postgresql":
        last = sent[-1]
        assert last.startswith('WITH sbk_w0 AS (INSERT INTO "core_auditentry"')
        assert '"core_idempotencyrecord"' in last and 'UPDATE "core_chainhead"' in last
