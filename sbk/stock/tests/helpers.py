"""Shortcuts for the stock tests: serials, movements and production through the services."""

import datetime as dt
import itertools

from sbk.cards import services as cards
from sbk.cards.tests.helpers import submitted
from sbk.core.actors import SYSTEM
from sbk.stock import services
from sbk.stock.models import Balance

_seq = itertools.count(1)


def serials(n: int, prefix: str = "T") -> list[str]:
    return [f"{prefix}{next(_seq):07d}" for _ in range(n)]


def inbound(world, n: int, bank=None, day=None) -> list[str]:
    got = serials(n)
    services.allocate_blanks(
        acting_user=SYSTEM,
        source=None,
        target=world.centre,
        bank=bank or world.bank,
        serials=got,
        day=day,
    )
    return got


def stock_at(world, org, n: int, bank=None, day=None) -> list[str]:
    """``n`` new blanks allocated from the centre to ``org`` and received there."""
    got = inbound(world, n, bank, day)
    services.allocate_blanks(
        acting_user=SYSTEM,
        source=world.centre,
        target=org,
        bank=bank or world.bank,
        serials=got,
        day=day,
    )
    services.receive(acting_user=SYSTEM, target=org, serials=got, day=day)
    return got


def qty(org, item="blank", bank=None) -> int:
    qs = Balance.objects.filter(org=org, item=item)
    if bank is not None:
        qs = qs.filter(bank=bank)
    return sum(b.qty for b in qs)


def produce(world, person, outlet, user):
    app = submitted(world, person, user=world.city_admin, outlet=outlet)
    return cards.produce_card(app.pk, acting_user=user, verified=True)


def yesterday() -> dt.date:
    from django.utils import timezone

    return timezone.localdate() - dt.timedelta(days=1)
