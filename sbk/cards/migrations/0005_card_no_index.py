"""A card number's blind index (``Card.card_no_index``, ADR 0008), filled for every card.

The backfill reads the key ring in the migration, as ``exports.0002`` does to encrypt the
kept queries: the index is an HMAC under the ring's index key, so it cannot be computed by
SQL, and a separate management step would leave a window in which the usage import (which
finds cards only through the index) finds none of the existing cards. A database without
cards does not read the key file at all. Rows are written in batches of 2,000 (one
``executemany`` each); the unique partial index follows in 0006, once every row holds its
own value.
"""

from django.db import migrations

import sbk.cards.numbers

BATCH = 2000


def fill_indexes(apps, schema_editor):
    conn = schema_editor.connection
    last = 0
    while True:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT id, card_no FROM cards_card WHERE id > %s ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cur.fetchall()
            if not rows:
                return
            cur.executemany(
                "UPDATE cards_card SET card_no_index = %s WHERE id = %s",
                [[sbk.cards.numbers.card_no_index(no), pk] for pk, no in rows],
            )
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("cards", "0004_awaiting_photo_and_bank_change")]

    operations = [
        migrations.AddField(
            model_name="card",
            name="card_no_index",
            field=sbk.cards.numbers.CardNoIndexField(
                blank=True, default="", editable=False, max_length=64
            ),
        ),
        migrations.RunPython(fill_indexes, migrations.RunPython.noop),
    ]
