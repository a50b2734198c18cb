"""Jobs run by ``sbk worker``: lapse expired temporary loss reports, mark unclaimed cards."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sbk.core import audit
from sbk.registry.models import Person

from .. import rules
from ..models import Card, Channel, ServiceItem
from .common import card_snapshot, record_txn


def _each(qs, action: str, mutate, now) -> int:
    n = 0
    for pk, person_id in list(qs.values_list("pk", "person_id")[:500]):
        with transaction.atomic():
            Person.objects.select_for_update().filter(pk=person_id).first()
            card = Card.objects.select_for_update().get(pk=pk)
            if card.status not in rules.CARD_TRANSITIONS[action][0]:
                continue
            before = card_snapshot(card)
            mutate(card)
            card.save()
            record_txn(
                item=ServiceItem.OTHER,
                channel=Channel.OTHER,
                action=f"card.{action}",
                acting_user=None,
                person=card.person,
                card=card,
                outlet=card.org,
                details={"card_no": card.card_no},
                at=now,
            )
            audit.record(
                acting_user=None,
                action=f"card.{action}",
                obj=card,
                before=before,
                after=card_snapshot(card),
            )
            n += 1
    return n


def lapse_temporary_losses(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()

    def mutate(card):
        card.status, card.temp_loss_until, card.lost_at = rules.ISSUED, None, None

    qs = Card.objects.filter(status=rules.TEMP_LOST, temp_loss_until__lte=now)
    return _each(qs, "lapse_temporary_loss", mutate, now)


def mark_unclaimed(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    limit = now - dt.timedelta(days=settings.SBK_UNCLAIMED_AFTER_DAYS)

    def mutate(card):
        card.status = rules.UNCLAIMED

    qs = Card.objects.filter(status=rules.PRODUCED, produced_at__lt=limit)
    return _each(qs, "mark_unclaimed", mutate, now)


def run_due(now: dt.datetime | None = None) -> dict[str, int]:
    counts = {"lapsed": lapse_temporary_losses(now), "unclaimed": mark_unclaimed(now)}
    return {k: v for k, v in counts.items() if v}
