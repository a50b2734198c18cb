import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def seed(apps, schema_editor):
    """The schedule ``chinese-calendar`` knows (2004–2026 in 1.11): the table starts from it."""
    from sbk.holidays.services import package_schedule

    Holiday = apps.get_model("holidays", "Holiday")
    HolidayYear = apps.get_model("holidays", "HolidayYear")
    years, days = package_schedule()
    Holiday.objects.bulk_create(
        Holiday(day=d, kind=k, name=n, source="package") for d, k, n in days
    )
    HolidayYear.objects.bulk_create(HolidayYear(year=y, source="package") for y in years)


class Migration(migrations.Migration):
    initial = True

    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="HolidayYear",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(unique=True, verbose_name="年度")),
                ("source", models.CharField(choices=[("package", "chinese-calendar 预置"), ("file", "国务院放假安排文件"), ("manual", "人工维护")], max_length=10, verbose_name="来源")),
                ("loaded_at", models.DateTimeField(auto_now=True, verbose_name="载入时间")),
            ],
            options={"verbose_name": "已知年度", "verbose_name_plural": "已知年度", "ordering": ["year"]},
        ),
        migrations.CreateModel(
            name="Holiday",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(unique=True, verbose_name="日期")),
                ("kind", models.CharField(choices=[("holiday", "放假"), ("workday", "调休上班")], max_length=8, verbose_name="类型")),
                ("name", models.CharField(blank=True, max_length=40, verbose_name="节日")),
                ("source", models.CharField(choices=[("package", "chinese-calendar 预置"), ("file", "国务院放假安排文件"), ("manual", "人工维护")], max_length=10, verbose_name="来源")),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("updated_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "节假日",
                "verbose_name_plural": "节假日",
                "ordering": ["day"],
                "constraints": [models.CheckConstraint(condition=models.Q(("kind__in", ["holiday", "workday"])), name="holiday_kind_known")],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
