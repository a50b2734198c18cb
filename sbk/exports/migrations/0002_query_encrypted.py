"""An export request's search text is kept encrypted, and masked for display.

The text as typed may be a whole document number; it was stored in the clear. The column
becomes an ``EncryptedTextField`` (bound to ``exports.exportrequest.query``) and the
existing rows are encrypted in place; ``query_shown`` holds what lists and the API show.
"""

from django.db import migrations, models

import sbk.core.fields

CONTEXT = "exports.exportrequest.query"


def seal_existing(apps, schema_editor):
    from sbk.core import keys
    from sbk.registry.queries import shown_query

    conn = schema_editor.connection
    with conn.cursor() as cur:
        cur.execute("SELECT id, query FROM exports_exportrequest WHERE query <> ''")
        rows = cur.fetchall()
    for pk, text in rows:
        with conn.cursor() as cur:
            cur.execute(
                "UPDATE exports_exportrequest SET query = %s, query_shown = %s WHERE id = %s",
                [keys.ring().encrypt(text, CONTEXT), shown_query(text)[:200], pk],
            )


class Migration(migrations.Migration):
    dependencies = [("exports", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="exportrequest",
            name="query_shown",
            field=models.CharField(blank=True, max_length=200, verbose_name="筛选条件（显示）"),
        ),
        migrations.AlterField(
            model_name="exportrequest",
            name="query",
            field=sbk.core.fields.EncryptedTextField(blank=True, verbose_name="筛选条件"),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
