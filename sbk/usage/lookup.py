"""Finding cards by the numbers a usage file carries.

The usage tables never hold a card number: a row keeps the card. The look-up goes through
the cards app's own search key for the number — its blind index when the card row keeps
one (``card_no_index``, the registry's pattern: ``sbk.core.crypto``), else its unique
``card_no`` column as ``sbk.cards.models.Card`` has it today — so that this module is the
one place to change when cards move to an encrypted number (ADR 0008).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db import connection

from sbk.cards.models import Card
from sbk.core import keys

FIELDS = ("id", "person_id", "division_code", "bank_id", "issued_on")
DOMAIN = "card_no"


def _indexed() -> bool:
    return any(f.name == "card_no_index" for f in Card._meta.get_fields())


class CardRef(NamedTuple):
    """What the import needs of a card (never its number)."""

    id: int
    person_id: int
    division_code: str
    bank_id: int | None
    issued_on: dt.date | None


def find_cards(numbers) -> dict[str, CardRef]:
    """number → the card's ``CardRef`` for every number that is a card's."""
    numbers = [n for n in set(numbers) if n]
    step = 20000 if connection.vendor == "postgresql" else 900
    found: dict[str, CardRef] = {}
    if _indexed():
        ring = keys.ring()
        by_index = {}
        for n in numbers:
            for candidate in ring.index_candidates(n, DOMAIN):
                by_index[candidate] = n
        wanted = list(by_index)
        for i in range(0, len(wanted), step):
            qs = Card.objects.filter(card_no_index__in=wanted[i : i + step])
            for index, *fields in qs.values_list("card_no_index", *FIELDS):
                found[by_index[index]] = CardRef(*fields)
        return found
    if connection.vendor == "postgresql":  # one array parameter per 200,000 numbers
        sql = f"SELECT card_no, {', '.join(FIELDS)} FROM {Card._meta.db_table} WHERE card_no = ANY(%s)"
        with connection.cursor() as cursor:
            for i in range(0, len(numbers), 200_000):
                cursor.execute(sql, [numbers[i : i + 200_000]])
                for number, *fields in cursor.fetchall():
                    found[number] = CardRef(*fields)
        return found
    for i in range(0, len(numbers), step):
        qs = Card.objects.filter(card_no__in=numbers[i : i + step])
        for number, *fields in qs.values_list("card_no", *FIELDS):
            found[number] = CardRef(*fields)
    return found
