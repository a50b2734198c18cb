"""Finding cards by the numbers a usage file carries.

The usage tables never hold a card number: a row keeps the card. The look-up goes through
the card number's blind index (``Card.card_no_index``, ``sbk.cards.numbers``: HMAC-SM3
under the key ring's index key, domain ``card_no``), matching every index-key layer so a
card not yet moved by ``sbk keys reindex`` is found too. The plain ``card_no`` column is
never compared here (ADR 0008).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db import connection

from sbk.cards.models import Card

FIELDS = ("id", "person_id", "division_code", "bank_id", "issued_on")


class CardRef(NamedTuple):
    """What the import needs of a card (never its number)."""

    id: int
    person_id: int
    division_code: str
    bank_id: int | None
    issued_on: dt.date | None


SEP = "\x1f"  # the unit separator: in no card index, person id or (checked) row key


def pg_texts(values) -> tuple[str, list]:
    """A PostgreSQL ``text[]`` of ``values`` as (SQL, params): one text parameter split by
    the server, which costs the client far less than psycopg's array of 100,000 strings."""
    values = list(values)
    if any(SEP in v for v in values):
        return "%s", [values]
    return f"string_to_array(%s, chr({ord(SEP)}))", [SEP.join(values)]


def pg_ids(values) -> tuple[str, list]:
    """A PostgreSQL ``bigint[]`` of ``values`` as (SQL, params), as ``pg_texts``."""
    return "string_to_array(%s, ',')::bigint[]", [",".join(map(str, values))]


def cards_by_index(by_index: dict[str, str]) -> dict[str, CardRef]:
    """number → the card's ``CardRef`` for every number that is a card's, given the
    numbers' blind indexes (``numbers.lookup_keys``: index → number). On PostgreSQL one
    query per million indexes: for a part of a large file the planner reads the card table
    once (a parallel scan, hashing the wanted indexes), a cost mostly of the scan: at 10 M
    cards about 4 s for 200,000 indexes and 7 s for 490,000 (ADR 0008)."""
    wanted = list(by_index)
    table = Card._meta.db_table
    # ``<> ''`` lets the planner use the partial unique index on the column.
    head = f"SELECT card_no_index, {', '.join(FIELDS)} FROM {table} WHERE card_no_index <> ''"
    found: dict[str, CardRef] = {}
    if connection.vendor == "postgresql":  # one array parameter per million indexes
        with connection.cursor() as cursor:
            for i in range(0, len(wanted), 1_000_000):
                array, params = pg_texts(wanted[i : i + 1_000_000])
                cursor.execute(f"{head} AND card_no_index = ANY({array})", params)
                for index, *fields in cursor.fetchall():
                    found[by_index[index]] = CardRef(*fields)
        return found
    qs = Card.objects.exclude(card_no_index="")
    for i in range(0, len(wanted), 900):
        part = qs.filter(card_no_index__in=wanted[i : i + 900])
        for index, *fields in part.values_list("card_no_index", *FIELDS):
            found[by_index[index]] = CardRef(*fields)
    return found
