"""Taught questions get their embedding (ADR 0006, twenty-first round); those already
taught are embedded here, once, so that no index build has to."""

from django.db import migrations, models


def embed_taught_questions(apps, schema_editor):
    TaughtQuestion = apps.get_model("assistant", "TaughtQuestion")
    pending = list(TaughtQuestion.objects.filter(vector__isnull=True).order_by("pk"))
    if not pending:
        return
    # Imported here: a database with no taught question (a new one, every test database)
    # never maps the model.
    from sbk.assistant import dense

    encoder = dense.shared_encoder()
    for taught in pending:
        taught.vector = dense.to_bytes(encoder.question(taught.text))
    TaughtQuestion.objects.bulk_update(pending, ["vector"], batch_size=200)


class Migration(migrations.Migration):
    dependencies = [("assistant", "0003_passage_vector")]

    operations = [
        migrations.AddField(
            model_name="taughtquestion",
            name="vector",
            field=models.BinaryField(editable=False, null=True, verbose_name="语义向量"),
        ),
        migrations.RunPython(embed_taught_questions, migrations.RunPython.noop),
    ]
