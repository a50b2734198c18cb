"""One card per card-number index (partial: a row written by raw SQL without it stays
possible, and ``sbk keys reindex`` rewrites it in place)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cards", "0005_card_no_index")]

    operations = [
        migrations.AddConstraint(
            model_name="card",
            constraint=models.UniqueConstraint(
                condition=models.Q(("card_no_index", ""), _negated=True),
                fields=("card_no_index",),
                name="card_no_index_unique",
            ),
        ),
    ]
