from django.db import migrations

GENESIS = "0" * 64


def create(apps, schema_editor):
    ChainHead = apps.get_model("core", "ChainHead")
    for name in ("audit", "access"):
        ChainHead.objects.get_or_create(name=name, defaults={"seq": 0, "last_hash": GENESIS})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
