"""Prepared statements (sbk.core.prepared): the same rows and objects as the ORM's, the
scope honoured per user, and the ORM whenever a statement cannot be prepared safely."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import signals
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sbk.cards.models import Card, ServiceTransaction
from sbk.cards.services import common
from sbk.cards.tests.helpers import issued_card
from sbk.core import prepared
from sbk.core.errors import NotFound
from sbk.core.models import IdempotencyRecord
from sbk.notify.models import Notification
from sbk.testing import person

pytestmark = pytest.mark.django_db


def _row(model, pk) -> dict:
    values = model.objects.filter(pk=pk).values().get()
    values.pop("id")
    return values


def test_insert_writes_the_row_save_writes(world):
    at = timezone.now()
    kw = dict(
        item=2,
        channel=1,
        action="card.produce",
        outlet=world.outlet_a,
        operator=world.operator_a,
        person=world.person_a,
        at=at,
        outcome="success",
        details={"card_no": "A1", "n": [1, 2]},
    )
    by_orm = ServiceTransaction.objects.create(**kw)
    by_statement = prepared.insert(ServiceTransaction(**kw))
    assert by_statement.pk and by_statement.pk != by_orm.pk
    assert not by_statement._state.adding
    assert _row(ServiceTransaction, by_statement.pk) == _row(ServiceTransaction, by_orm.pk)


def test_insert_encrypts_and_fills_auto_now_add(world):
    """Field preparation is save()'s own: the phone is stored encrypted, read back clear."""
    row = prepared.insert(
        Notification(dedup_key="t-1", kind="ready", person=world.person_a, phone="13900000001")
    )
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM notify_notification WHERE id = %s", [row.pk])
        stored = cur.fetchone()[0]
    assert "13900000001" not in str(stored)
    assert Notification.objects.get(pk=row.pk).phone == "13900000001"
    record = prepared.insert(
        IdempotencyRecord(
            user=world.operator_a, key="k", fingerprint="f", status_code=200, response={}
        )
    )
    assert IdempotencyRecord.objects.get(pk=record.pk).created_at is not None


def test_upsert_keeps_the_row_and_returns_its_id(world):
    first = prepared.insert(
        Notification(dedup_key="dup", kind="ready", text="一"), upsert=(("dedup_key",),) * 2
    )
    again = prepared.insert(
        Notification(dedup_key="dup", kind="ready", text="二"), upsert=(("dedup_key",),) * 2
    )
    assert again.pk == first.pk
    assert Notification.objects.filter(dedup_key="dup").get().text == "一"


def test_a_listened_model_is_saved_by_the_orm(world):
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    signals.post_save.connect(listener, sender=ServiceTransaction)
    try:
        row = prepared.insert(
            ServiceTransaction(
                item=2, channel=1, action="x", outlet=world.outlet_a, at=timezone.now()
            )
        )
    finally:
        signals.post_save.disconnect(listener, sender=ServiceTransaction)
    assert seen == [row]


def test_an_expression_value_goes_through_the_orm(world):
    row = ServiceTransaction(item=2, channel=1, action="x", outlet=world.outlet_a, at=Now())
    prepared.insert(row)
    assert ServiceTransaction.objects.get(pk=row.pk).at is not None


def test_update_writes_only_the_named_columns(world):
    card = issued_card(world)
    stale = Card.objects.get(pk=card.pk)
    card.account_masked = "****9999"
    card.division_code = "999999"  # changed in memory, not named: not written
    prepared.update(card, ["account_masked", "updated_at"])
    fresh = Card.objects.get(pk=card.pk)
    assert fresh.account_masked == "****9999"
    assert fresh.updated_at >= stale.updated_at
    assert fresh.division_code == stale.division_code
    gone = Card(pk=10**9, person=world.person_a)
    with pytest.raises(Exception, match="did not affect any rows"):
        prepared.update(gone, ["account_masked"])


# --------------------------------------------------------------------------- locks
def _orm_lock_card(user, pk):
    qs = common.Card.objects.filter(common.card_scope(user)).select_related("person", "org", "bank")
    return qs.annotate(**{common.SCOPE_FLAG: common._flag(common.org_q(user, "org__"))}).get(pk=pk)


def test_the_prepared_lock_builds_what_the_orm_builds(world):
    card = issued_card(world)
    user = world.operator_a
    person, locked = common.lock_card(user, card.pk, org_scope=True)
    person, again = common.lock_card(user, card.pk, org_scope=True)  # from the cache
    orm = _orm_lock_card(user, card.pk)
    for got in (locked, again):
        assert {f.attname: getattr(got, f.attname) for f in Card._meta.concrete_fields} == {
            f.attname: getattr(orm, f.attname) for f in Card._meta.concrete_fields
        }
        assert got.person.id_number == orm.person.id_number and got.person.pk == person.pk
        assert got.org.code == orm.org.code and got.bank_id == orm.bank_id
        assert getattr(got, common.SCOPE_FLAG) is getattr(orm, common.SCOPE_FLAG)


def test_the_lock_is_compiled_once_per_shape(world):
    card = issued_card(world)
    other = issued_card(world, person(world.outlet_a))
    common.lock_card(world.operator_a, card.pk)
    with CaptureQueriesContext(connection) as cq:
        common.lock_card(world.operator_a, other.pk)
    assert len(cq) == 1
    assert all(v is not None for v in common._card_lock._cache.values())


def test_another_users_scope_is_not_borrowed_from_the_cache(world):
    card = issued_card(world)  # made at district A
    common.lock_card(world.operator_a, card.pk)
    with pytest.raises(NotFound):
        common.lock_card(world.operator_b, card.pk)  # district B: not in scope
    common.lock_card(world.operator_a, card.pk)


def test_a_moved_organisation_is_a_new_shape():
    """The key holds the scope's Q, values included: a path that changed is another key."""
    from sbk.orgs.models import Organisation
    from sbk.orgs.scope import org_q

    class U:
        is_authenticated, is_active, is_superuser = True, True, False
        org = Organisation(pk=7, path="/1/2/7/", kind="outlet")

    before = org_q(U(), "org__")
    U.org = Organisation(pk=7, path="/1/3/7/", kind="outlet")
    assert org_q(U(), "org__") != before and hash(org_q(U(), "org__")) != hash(before)


def test_a_value_the_compiler_rewrites_is_not_prepared(world):
    """``startswith`` turns the value into a pattern: the marker is not found as it was
    given, so the query runs through the ORM every time (and is still right)."""
    card = issued_card(world)
    query = prepared.PreparedQuery({"prefix": str})

    def build(prefix):
        return Card.objects.filter(card_no__startswith=prefix)

    for _ in range(2):
        found = query.fetch("by-prefix", build, prefix=card.card_no[:6])
        assert card in found
    assert list(query._cache.values()) == [None]
