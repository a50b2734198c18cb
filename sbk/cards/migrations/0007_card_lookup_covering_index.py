"""PostgreSQL: a covering index for finding cards by their number's blind index.

A usage file names up to millions of cards; ``sbk.usage.lookup.find_cards`` reads, for each,
the card's id, holder, division, bank and issue day. With this index those reads are
index-only scans walked in the index's order, instead of one random visit of the cards'
heap per number (at 10 M cards that visit was the largest single cost of a usage import:
ADR 0008). It is not unique: ``card_no_index_unique`` stays the constraint, on every
database. SQLite has no covering indexes (and no need): nothing is created there.

Built ``CONCURRENTLY`` so a province's card table stays writable while it is built; hence
the migration is not atomic."""

from django.db import migrations

NAME = "card_no_index_lookup"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON cards_card (card_no_index)"
        " INCLUDE (id, person_id, division_code, bank_id, issued_on)"
        " WHERE card_no_index <> ''"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("cards", "0006_card_no_index_unique")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
