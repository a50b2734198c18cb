"""Twenty concurrent productions at an outlet holding its last five blanks: exactly five
cards, fifteen clear refusals, and the books still add up (PostgreSQL: threads, each with
its own connection)."""

import threading

import pytest
from django.db import connection

from sbk.cards import services as cards
from sbk.cards.models import Card
from sbk.cards.tests.helpers import submitted
from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.stock import services
from sbk.stock.models import Serial
from sbk.stock.verify import verify
from sbk.testing import person

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_twenty_productions_over_the_last_five_blanks(world):
    if connection.vendor != "postgresql":
        pytest.skip("thread concurrency needs PostgreSQL row locks (CI runs it on PostgreSQL)")
    outlet = world.bank_outlet_a
    extra = list(Serial.objects.filter(org=outlet, state="stock").order_by("serial"))[5:]
    services.transfer(
        acting_user=SYSTEM,
        source=outlet,
        target=world.outlet_a,
        serials=[s.serial for s in extra],
    )
    apps = [
        submitted(world, person(world.outlet_a), user=world.city_admin, outlet=outlet)
        for _ in range(20)
    ]
    barrier = threading.Barrier(20)
    results = []

    def run(app_id):
        from django.db import connection as conn

        try:
            barrier.wait()
            cards.produce_card(app_id, acting_user=world.bank_operator_a, verified=True)
            results.append("ok")
        except ServiceError as exc:
            results.append(exc.code)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(a.pk,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count("ok") == 5 and results.count("no_blank") == 15, results
    made = Card.objects.filter(org=outlet)
    assert made.count() == 5 and len({c.blank_serial for c in made}) == 5
    assert not Serial.objects.filter(org=outlet, state="stock", item="blank").exists()
    assert verify() == []
