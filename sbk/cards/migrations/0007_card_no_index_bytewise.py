"""PostgreSQL: the card-number index in byte order, covering what the usage import reads.

A usage file names up to millions of cards. ``sbk.usage.lookup.cards_by_index`` finds a
large set of them through a temporary table of the wanted indexes, sorted, each looked up
here by an index-only descent: at 10 M cards 1.9 s for a part's 450,000 numbers, against
6.3 s for the hash join over the card table the planner chooses without it (ADR 0008,
benchmarks/RESULTS.md). The byte-order ("C") collation is what makes it cheap: the
indexes are hex digests, and under the database's locale every comparison of a sort or a
descent is a ``strcoll``; in byte order it is a ``memcmp``. The plain column stays as it
is (``card_no_index_unique`` remains the constraint, on every database): the collation
is the index's expression only.

An earlier migration of the same number (``0007_card_lookup_covering_index``, index
``card_no_index_lookup`` under the database collation) was landed and removed the same
day: a database that applied it loses that index here.

SQLite has neither collation nor covering indexes (and no need): nothing is done there.
Built ``CONCURRENTLY`` so a province's card table stays writable meanwhile; hence the
migration is not atomic."""

from django.db import migrations

NAME = "card_no_index_bytewise"
OLD = "card_no_index_lookup"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {OLD}")
    schema_editor.execute(
        f'CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON cards_card ((card_no_index COLLATE "C"))'
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
