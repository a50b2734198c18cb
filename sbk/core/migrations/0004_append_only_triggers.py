"""The logs refuse UPDATE and DELETE in the database itself (see sbk/core/appendonly.py).

PostgreSQL: a row trigger (and a TRUNCATE trigger) raise unless the transaction has set
``sbk.purge = 'on'``. SQLite: triggers raise unless
``sbk_purge_allowed()`` (a function only sbk's own connections define) returns 1.
"""

from django.db import migrations

TABLES = ("core_auditentry", "core_accesslog", "core_chainanchor")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION sbk_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') AND coalesce(current_setting('sbk.purge', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'sbk: % on % refused: the log is append-only', TG_OP, TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            if table == TABLES[0]:
                schema_editor.execute(PG_FUNCTION, None)
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
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS sbk_append_only()")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_anchors_encrypted_files")]
    operations = [migrations.RunPython(forwards, backwards)]
