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

from django.db import connection, transaction

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


TEMP_TABLE_FROM = 10_000  # wanted indexes from which they go through ``_joined``


def cards_by_index(by_index: dict[str, str]) -> dict[str, CardRef]:
    """number → the card's ``CardRef`` for every number that is a card's, given the
    numbers' blind indexes (``numbers.lookup_keys``: index → number).

    On PostgreSQL a large set (a part of a bank's file: some hundred thousand numbers) is
    copied, sorted, into a temporary table and looked up in the byte-order covering index
    of ``cards.0007`` (``_joined``), index-only. A small set (an upload of a few rows) is
    one query with an array parameter, through the unique index (ADR 0008)."""
    wanted = list(by_index)
    found: dict[str, CardRef] = {}
    if not wanted:
        return found
    table = Card._meta.db_table
    if connection.vendor == "postgresql" and len(wanted) >= TEMP_TABLE_FROM:
        # A transaction for the temporary table (ON COMMIT DROP) where the caller has none:
        # the importer's helper thread looks up on a connection of its own, in autocommit.
        with transaction.atomic(), connection.cursor() as cursor:
            rows = _joined(cursor, table, wanted)
    elif connection.vendor == "postgresql":
        # ``<> ''`` lets the planner use the partial unique index on the column.
        with connection.cursor() as cursor:
            array, params = pg_texts(wanted)
            cursor.execute(
                f"SELECT card_no_index, {', '.join(FIELDS)} FROM {table}"
                f" WHERE card_no_index <> '' AND card_no_index = ANY({array})",
                params,
            )
            rows = cursor.fetchall()
    else:
        qs = Card.objects.exclude(card_no_index="")
        rows = [
            row
            for i in range(0, len(wanted), 900)
            for row in qs.filter(card_no_index__in=wanted[i : i + 900]).values_list(
                "card_no_index", *FIELDS
            )
        ]
    for index, *fields in rows:
        found[by_index[index]] = CardRef(*fields)
    return found


WANTED = "usage_wanted_cards"


def _joined(cursor, table: str, wanted: list[str]) -> list[tuple]:
    """The cards of ``wanted`` through a temporary table holding them in byte order, each
    looked up in ``card_no_index_bytewise`` (whose expression, ``card_no_index COLLATE
    "C"``, is what the join compares) by a nested loop: consecutive numbers descend to
    neighbouring index pages, which stay cached. Measured at 10 M cards for 450,000 numbers
    (RESULTS.md): 1.9 s; the same numbers unsorted 4.2 s; a merge join 4.0 s (it reads
    all 10 M index entries); the hash join the planner prefers 6.3 s (it reads the whole
    card table). Hash and merge joins are switched off for this statement only: the
    previous settings are put back."""
    cursor.execute(
        f'CREATE TEMP TABLE IF NOT EXISTS {WANTED} (card_no_index text COLLATE "C") ON COMMIT DROP'
    )
    cursor.execute(f"TRUNCATE {WANTED}")
    ordered = sorted(wanted)  # code point order: byte order for these ASCII digests
    with cursor.cursor.copy(f"COPY {WANTED} (card_no_index) FROM STDIN") as copy:
        for i in range(0, len(ordered), 50_000):
            copy.write("".join(f"{index}\n" for index in ordered[i : i + 50_000]))
    cursor.execute(f"ANALYZE {WANTED}")
    cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")
    hashjoin, mergejoin = cursor.fetchone()
    cursor.execute(
        "SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)"
    )
    cursor.execute(
        f"SELECT w.card_no_index, {', '.join('c.' + f for f in FIELDS)}"
        f' FROM {WANTED} w JOIN {table} c ON (c.card_no_index COLLATE "C") = w.card_no_index'
        " WHERE c.card_no_index <> ''"
    )
    rows = cursor.fetchall()
    cursor.execute(
        "SELECT set_config('enable_hashjoin', %s, true), set_config('enable_mergejoin', %s, true)",
        [hashjoin, mergejoin],
    )
    return rows
