"""The kept payer spans again, by the region a card had on each day (ADR 0008, issue 19 §4).

Until now a person's spans were written in the region of the card as it is now, so after a
move the new region counted the payer at earlier ends while the holder counts (ADR 0005)
counted the holder in the old one: payer coverage over 100 % there. ``sbk.usage.kept``
now splits a span on each move's day (``reports.HolderMove``, the history the holder counts
keep); this writes every person's spans and the counts again that way, from the cards,
their moves and the first-use days (the same rule as ``kept.spans_for``, read through the
historical models).
"""

from collections import defaultdict

from django.db import migrations
from django.db.models import F


def fill(apps, schema_editor):
    from sbk.usage.kept import spans_for

    FirstUse = apps.get_model("usage", "FirstUse")
    Card = apps.get_model("cards", "Card")
    HolderMove = apps.get_model("reports", "HolderMove")
    Span = apps.get_model("usage", "PayerSpan")
    Count = apps.get_model("usage", "PayerCount")
    Span.objects.all().delete()
    Count.objects.all().delete()
    firsts = defaultdict(dict)
    for pid, kind, day in FirstUse.objects.values_list("person_id", "kind", "day").iterator():
        firsts[pid][kind] = day
    ids = sorted(firsts)
    deltas = defaultdict(int)
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        cards = defaultdict(list)
        for pid, *rest in Card.objects.filter(
            person_id__in=part, issued_on__isnull=False
        ).values_list("person_id", "id", "issued_on", "invalid_on", "division_code", "bank_id"):
            cards[pid].append(tuple(rest))
        moves = defaultdict(list)
        card_ids = [c[0] for held in cards.values() for c in held]
        for cid, *move in (
            HolderMove.objects.filter(card_id__in=card_ids)
            .exclude(old_division=F("new_division"))
            .order_by("card_id", "day", "id")
            .values_list("card_id", "day", "old_division", "new_division")
        ):
            moves[cid].append(tuple(move))
        spans = []
        for pid in part:
            for kind, division, bank, start, end in spans_for(cards[pid], firsts[pid], moves):
                spans.append(
                    Span(person_id=pid, kind=kind, division=division, bank=bank, start=start,
                         end=end)
                )  # fmt: skip
                deltas[(start, division, bank, kind)] += 1
                if end is not None:
                    deltas[(end, division, bank, kind)] -= 1
        Span.objects.bulk_create(spans, batch_size=2000)
    Count.objects.bulk_create(
        [
            Count(day=d, division=r, bank=b, kind=k, delta=n)
            for (d, r, b, k), n in deltas.items()
            if n
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0003_import_indexes"),
        ("reports", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
