"""Issue 15: card blanks per bank AND card version (卡版本).

Serials, balances, ledger entries and close snapshots name their card version; every row
already there gets the current one (``SBK_CARD_VERSION``). On PostgreSQL the new columns
are added with a default (no row is updated, so the append-only triggers do not fire). On
SQLite, Django rebuilds a table to add a NOT NULL column or a constraint, and the rebuilt
table has lost its triggers: ``restore_triggers`` puts them back (the SQL of 0002,
written out again on purpose: a migration must not change later).
"""

from django.conf import settings
from django.db import migrations, models

import sbk.stock.models

REBUILT = ("stock_entry", "stock_daysnapshot", "stock_monthsnapshot", "stock_stocktake")


def serials_get_the_current_version(apps, schema_editor):
    Serial = apps.get_model("stock", "Serial")
    Serial.objects.exclude(version=settings.SBK_CARD_VERSION).update(
        version=settings.SBK_CARD_VERSION
    )


def restore_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in REBUILT:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_update")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_delete")
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'sbk: UPDATE on {table} refused: append-only'); END"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only_delete BEFORE DELETE ON {table} "
            "WHEN NOT sbk_purge_allowed() "
            f"BEGIN SELECT RAISE(ABORT, 'sbk: DELETE on {table} refused: append-only'); END"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0004_awaiting_photo_and_bank_change"),
        ("orgs", "0001_initial"),
        ("stock", "0002_append_only_triggers"),
    ]

    operations = [
        # Backwards, this runs last: the tables rebuilt back to 0002 get their triggers.
        migrations.RunPython(migrations.RunPython.noop, restore_triggers),
        migrations.RemoveConstraint(
            model_name="balance",
            name="one_balance_row",
        ),
        migrations.RemoveConstraint(
            model_name="daysnapshot",
            name="one_snapshot_row",
        ),
        migrations.RemoveConstraint(
            model_name="monthsnapshot",
            name="one_month_snapshot_row",
        ),
        migrations.RemoveIndex(
            model_name="serial",
            name="serial_pick",
        ),
        migrations.AddField(
            model_name="balance",
            name="version",
            field=models.CharField(
                default=sbk.stock.models.current_version, max_length=10, verbose_name="卡版本"
            ),
        ),
        migrations.AddField(
            model_name="daysnapshot",
            name="version",
            field=models.CharField(
                default=sbk.stock.models.current_version, max_length=10, verbose_name="卡版本"
            ),
        ),
        migrations.AddField(
            model_name="entry",
            name="version",
            field=models.CharField(
                default=sbk.stock.models.current_version, max_length=10, verbose_name="卡版本"
            ),
        ),
        migrations.AddField(
            model_name="monthsnapshot",
            name="version",
            field=models.CharField(
                default=sbk.stock.models.current_version, max_length=10, verbose_name="卡版本"
            ),
        ),
        migrations.AddField(
            model_name="stocktake",
            name="version",
            field=models.CharField(blank=True, max_length=10, verbose_name="卡版本"),
        ),
        migrations.AlterField(
            model_name="serial",
            name="version",
            field=models.CharField(
                blank=True,
                default=sbk.stock.models.current_version,
                max_length=10,
                verbose_name="卡版本",
            ),
        ),
        migrations.AddIndex(
            model_name="serial",
            index=models.Index(
                fields=["org", "state", "item", "version", "bank", "serial"], name="serial_pick"
            ),
        ),
        migrations.AddConstraint(
            model_name="balance",
            constraint=models.UniqueConstraint(
                fields=("org", "item", "bank", "version"), name="one_balance_row"
            ),
        ),
        migrations.AddConstraint(
            model_name="daysnapshot",
            constraint=models.UniqueConstraint(
                fields=("org", "day", "item", "bank", "version"), name="one_snapshot_row"
            ),
        ),
        migrations.AddConstraint(
            model_name="monthsnapshot",
            constraint=models.UniqueConstraint(
                fields=("org", "month", "item", "bank", "version"), name="one_month_snapshot_row"
            ),
        ),
        migrations.RunPython(serials_get_the_current_version, migrations.RunPython.noop),
        migrations.RunPython(restore_triggers, migrations.RunPython.noop),
    ]
