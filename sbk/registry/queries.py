"""Read-side helpers for the registry: scoped search."""

import re

from django.db.models import Q, QuerySet

from sbk.idcard import check_id_number, normalise
from sbk.orgs.scope import scoped

from . import lookup
from .models import Person

_PARTIAL = re.compile(r"^[0-9A-Z]{2,18}$")


def scoped_people(user) -> QuerySet[Person]:
    """Staff: the people of their organisations; an applicant: their own record."""
    return scoped(user, Person.objects.select_related("org"))


def search_people(user, query: str) -> QuerySet[Person]:
    """Search by name or by document number, full or partial.

    A full, valid number is found through its blind index. A partial number matches the
    stored masked form (first ten and last four characters visible), so "6125011990" and
    "123X" find a person but the hidden middle never can be searched.
    """
    qs = scoped_people(user)
    text = (query or "").strip()
    if not text:
        return qs.order_by("-id")
    number = normalise(text)
    result = check_id_number(number)
    if result.valid:
        full = result.upgraded or result.number
        return qs.filter(id_index=lookup.id_index(full)).order_by("id")
    if _PARTIAL.match(number) and any(c.isdigit() for c in number):
        return qs.filter(Q(id_masked__startswith=number) | Q(id_masked__endswith=number)).order_by(
            "id_masked"
        )
    return qs.filter(name__contains=text).order_by("name", "id")
