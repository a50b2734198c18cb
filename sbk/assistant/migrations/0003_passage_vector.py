"""Passages get their embedding (ADR 0006, thirteenth round); those already loaded are
embedded here, once, so that no index build has to."""

from django.db import migrations, models

BATCH = 200


def embed_loaded_passages(apps, schema_editor):
    Passage = apps.get_model("assistant", "Passage")
    pending = Passage.objects.filter(vector__isnull=True)
    if not pending.exists():
        return
    # Imported here: a database with no passage (a new one, every test database) never maps
    # the model.
    from sbk.assistant import dense

    encoder = dense.shared_encoder()
    while True:
        batch = list(
            pending.select_related("document").order_by("pk")[:BATCH].only(
                "pk", "heading", "text", "document__title"
            )
        )
        if not batch:
            return
        texts = [dense.passage_text(p.document.title, p.heading, p.text) for p in batch]
        for p, vector in zip(batch, encoder.passages(texts), strict=True):
            p.vector = dense.to_bytes(vector)
        Passage.objects.bulk_update(batch, ["vector"])


class Migration(migrations.Migration):
    dependencies = [("assistant", "0002_taught_question")]

    operations = [
        migrations.AddField(
            model_name="passage",
            name="vector",
            field=models.BinaryField(editable=False, null=True, verbose_name="语义向量"),
        ),
        migrations.RunPython(embed_loaded_passages, migrations.RunPython.noop),
    ]
