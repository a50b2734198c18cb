"""What an applicant sees of their own: through the scoped query helpers only."""

from __future__ import annotations

from django.db.models import QuerySet

from sbk.cards.models import Application, Card
from sbk.cards.queries import applications_for, cards_for, photo_on_file
from sbk.notify.models import Notification
from sbk.registry.queries import scoped_people


def my_person(user):
    return scoped_people(user).first()


def my_applications(user) -> QuerySet[Application]:
    return applications_for(user).order_by("-id")


def my_application(user, app_id: int) -> Application | None:
    return applications_for(user).filter(pk=app_id).first()


def my_cards(user) -> QuerySet[Card]:
    return cards_for(user).order_by("-id")


def my_notifications(user) -> QuerySet[Notification]:
    """The SMS sent (or queued) to the applicant's own record, newest first."""
    return Notification.objects.filter(person__in=scoped_people(user)).order_by("-id")


def my_photo_on_file(user) -> Application | None:
    person = my_person(user)
    return photo_on_file(person) if person is not None else None
