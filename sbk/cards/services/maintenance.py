"""Jobs run by ``sbk worker``: lapse expired temporary loss reports, mark unclaimed cards.

The worker acts as the system (``sbk.core.actors.WORKER``): each change has its audit row,
but no journal row — nobody was served, so no service item or channel is counted.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.actors import WORKER
from sbk.core.catalogue import Action
from sbk.registry.models import Person

from .. import rules
from ..models import Card
from ..transitions import transition_card
from .common import card_snapshot

BATCH = 500


def _each(qs, transition: str, action: Action, now, fields, acting_user) -> int:
    ensure(acting_user, action)
    n = 0
    for pk, person_id in list(qs.values_list("pk", "person_id")[:BATCH]):
        with transaction.atomic():
            Person.objects.select_for_update().filter(pk=person_id).first()
            card = Card.objects.select_for_update().select_related("org").get(pk=pk)
            if card.status not in rules.CARD_TRANSITIONS[transition][0]:
                continue  # changed by a clerk since the query
            before = card_snapshot(card)
            transition_card(card, transition, at=now, acting_user=acting_user, **fields)
            actions.record(
                action,
                acting_user=acting_user,
                obj=card,
                before=before,
                after=card_snapshot(card),
                at=now,
            )
            n += 1
    return n


def lapse_temporary_losses(now: dt.datetime | None = None, *, acting_user=WORKER) -> int:
    """临时挂失到期: a temporary loss report lapses after SBK_TEMP_LOSS_DAYS."""
    now = now or timezone.now()
    qs = Card.objects.filter(status=rules.TEMP_LOST, temp_loss_until__lte=now).order_by("pk")
    fields = {"temp_loss_until": None, "lost_at": None}
    action = Action.CARD_LAPSE_TEMPORARY_LOSS
    return _each(qs, "lapse_temporary_loss", action, now, fields, acting_user)


def mark_unclaimed(now: dt.datetime | None = None, *, acting_user=WORKER) -> int:
    """滞发: a card not collected SBK_UNCLAIMED_AFTER_DAYS after production."""
    now = now or timezone.now()
    limit = now - dt.timedelta(days=settings.SBK_UNCLAIMED_AFTER_DAYS)
    qs = Card.objects.filter(status=rules.PRODUCED, produced_at__lt=limit).order_by("pk")
    return _each(qs, "mark_unclaimed", Action.CARD_MARK_UNCLAIMED, now, {}, acting_user)


def run_due(now: dt.datetime | None = None) -> dict[str, int]:
    counts = {"lapsed": lapse_temporary_losses(now), "unclaimed": mark_unclaimed(now)}
    return {k: v for k, v in counts.items() if v}
