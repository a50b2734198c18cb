"""Load the national GB/T 2260 table (every period) shipped with python-stdnum."""

from django.db import migrations


def load(apps, schema_editor):
    from sbk.divisions.table import load_table

    Division = apps.get_model("divisions", "Division")
    Division.objects.bulk_create(
        [
            Division(
                code=r.code,
                name=r.name,
                level=r.level,
                parent_code=r.parent or "",
                valid_from=r.valid_from,
                valid_to=r.valid_to,
            )
            for r in load_table().all()
        ],
        batch_size=2000,
    )


def unload(apps, schema_editor):
    apps.get_model("divisions", "Division").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("divisions", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
