"""The stock ledger, the close snapshots, the stocktakes and the discrepancy history refuse
UPDATE and DELETE in the database, as the audit log does (sbk/core/appendonly.py and core
migration 0004, whose PostgreSQL function ``sbk_append_only`` these triggers call).
The SQL is written out here on purpose: a migration must not change later.
"""

from django.db import migrations

TABLES = (
    "stock_entry",
    "stock_dayclose",
    "stock_daysnapshot",
    "stock_monthclose",
    "stock_monthsnapshot",
    "stock_stocktake",
    "stock_discrepancyevent",
)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION sbk_append_only()"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION sbk_append_only()"
            )
        elif vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'sbk: UPDATE on {table} refused: append-only'); END"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only_delete BEFORE DELETE ON {table} "
                "WHEN NOT sbk_purge_allowed() "
                f"BEGIN SELECT RAISE(ABORT, 'sbk: DELETE on {table} refused: append-only'); END"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {table}_append_only_truncate ON {table}"
            )
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_update")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_delete")


class Migration(migrations.Migration):
    dependencies = [("stock", "0001_initial"), ("core", "0004_append_only_triggers")]
    operations = [migrations.RunPython(forwards, backwards)]
