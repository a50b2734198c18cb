from django.db import migrations

CATALOGUE_SIZE = 102  # 人社部发〔2014〕52号 社会保障卡应用目录: 102 items


def seed(apps, schema_editor):
    """The catalogue's 102 numbered items, for the centre to name (the open rate divides by
    the active items). The names are entered from the ministry's document in the console
    (报表 → 应用目录) or through the API; sbk does not invent them."""
    CatalogueItem = apps.get_model("reports", "CatalogueItem")
    CatalogueItem.objects.bulk_create(
        CatalogueItem(number=n, name=f"应用目录第{n}项", domain="", use="other", active=True)
        for n in range(1, CATALOGUE_SIZE + 1)
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
