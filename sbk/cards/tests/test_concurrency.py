"""Two concurrent requests on the same card or application: exactly one succeeds."""

import threading

import pytest
from django.db import connection

from sbk.cards import services
from sbk.cards.tests.helpers import issued_card, submitted
from sbk.core.errors import ServiceError

# serialized_rollback: the flush would otherwise remove the rows that migrations load
# (divisions, audit chain heads) for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def race(fn, n=2):
    barrier = threading.Barrier(n)
    results = []

    def run():
        from django.db import connection as conn

        try:
            barrier.wait()
            fn()
            results.append("ok")
        except ServiceError as exc:
            results.append(exc.code)
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return sorted(results)


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip("thread concurrency needs PostgreSQL row locks (CI runs it on PostgreSQL)")


def test_concurrent_produce_only_one_card(pg, world):
    app = submitted(world)
    results = race(
        lambda: services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    )
    assert results == ["bad_transition", "ok"]
    assert world.person_a.cards.count() == 1


def test_concurrent_report_loss_only_one(pg, world):
    card = issued_card(world)
    results = race(lambda: services.report_loss(card.pk, acting_user=world.operator_a))
    assert results == ["bad_transition", "ok"]
    assert card.transactions.filter(action="card.report_loss_formal").count() == 1
