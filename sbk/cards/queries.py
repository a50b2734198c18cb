"""Read side of the card business: scoped querysets and the validity-at-a-date query.

Scope is decided by :func:`sbk.orgs.scope.org_q` only: a card is visible to the users
whose scope holds the organisation that made it or the holder's registering
organisation; an application to those whose scope holds its production outlet, its
intake outlet or the applicant's organisation. An applicant sees their own only.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from sbk.core.actors import is_system, require_actor
from sbk.orgs.scope import org_q, person_q

from . import rules
from .models import Application, Card, ServiceTransaction


def _visible(user, *prefixes: str, own: str | None = None) -> Q:
    """Through the organisations at ``prefixes``; an applicant, their own (``own``) only."""
    require_actor(user)
    if is_system(user):
        return Q()  # everything (and an empty Q would vanish from the OR below)
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= org_q(user, prefix=prefix)
    if own is not None:
        q |= person_q(user, prefix=own)
    return q


def card_scope(user) -> Q:
    return _visible(user, "org__", "person__org__", own="person__")


def application_scope(user) -> Q:
    # The designated studio (照相馆) sees the applications waiting for its photo.
    return _visible(
        user, "outlet__", "intake_org__", "person__org__", "photo_studio__", own="person__"
    )


def cards_for(user) -> QuerySet[Card]:
    return Card.objects.filter(card_scope(user)).select_related("person", "org", "bank")


def applications_for(user) -> QuerySet[Application]:
    return Application.objects.filter(application_scope(user)).select_related(
        "person", "outlet", "card"
    )


def transactions_for(user) -> QuerySet[ServiceTransaction]:
    return ServiceTransaction.objects.filter(
        _visible(user, "outlet__", "person__org__", own="person__")
    ).select_related("operator", "card", "outlet")


def production_queue(user) -> QuerySet[Application]:
    """Applications waiting at the outlets in the user's scope, oldest first."""
    return (
        Application.objects.filter(_visible(user, "outlet__"))
        .filter(status__in=[rules.SUBMITTED, rules.APP_PRODUCED])
        .select_related("person", "outlet", "card")
        .order_by("submitted_at", "id")
    )


def overdue_applications(user, today: dt.date | None = None) -> QuerySet[Application]:
    """Open applications past their 7-day deadline."""
    today = today or timezone.localdate()
    return (
        applications_for(user)
        .filter(status=rules.SUBMITTED, deadline__lt=today)
        .order_by("outlet__code", "deadline", "id")
    )


def overdue_by_outlet(user, today: dt.date | None = None) -> list[dict]:
    groups: dict[int, dict] = {}
    for app in overdue_applications(user, today):
        g = groups.setdefault(app.outlet_id, {"outlet": app.outlet, "applications": []})
        g["applications"].append(app)
    return list(groups.values())


def valid_cards_at(day: dt.date) -> QuerySet[Card]:
    """Cards valid on ``day``: issued on or before it, not cancelled or replaced by then.

    A replaced card's ``invalid_on`` is the issue date of the card that replaced it; a
    cancelled card's, its cancellation date.
    """
    return Card.objects.filter(issued_on__lte=day).filter(
        Q(invalid_on__isnull=True) | Q(invalid_on__gt=day)
    )


def photo_on_file(person, exclude_pk: int | None = None) -> Application | None:
    """The latest application of ``person`` whose photo may be reused (沿用已有照片): one
    that went forward (submitted, produced, issued) and did not fail the photo check."""
    qs = (
        Application.objects.filter(person=person)
        .exclude(photo="")
        .exclude(photo_ok=False)
        .filter(status__in=[rules.APP_PRODUCED, rules.APP_ISSUED, rules.SUBMITTED])
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("-id").first()


def current_photo(person):
    """The person's current photo (with its check and date), if any."""
    from sbk.photos.models import PersonPhoto  # the photo capability is optional (cards.photo)

    return PersonPhoto.objects.select_related("photo_check").filter(person=person).first()


def counter_photo(person):
    """The latest accepted photo a counter collected for ``person`` within
    ``SBK_COUNTER_PHOTO_DAYS`` (30): what a kiosk may use instead of a retake. Accepted is
    a passing check or a failed one an operator overrode (人工放行, ``photo.override``)."""
    from sbk.photos.models import PhotoCheck  # the photo capability is optional (cards.photo)

    since = timezone.now() - dt.timedelta(days=int(getattr(settings, "SBK_COUNTER_PHOTO_DAYS", 30)))
    return (
        PhotoCheck.objects.filter(person=person, channel="counter", at__gte=since)
        .filter(Q(ok=True) | Q(overridden=True))
        .order_by("-at", "-id")
        .first()
    )


def held_card(person) -> Card | None:
    return Card.objects.filter(person=person, status__in=rules.HELD).first()
