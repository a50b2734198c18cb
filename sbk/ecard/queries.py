"""Reads of the electronic card."""

from __future__ import annotations

from .models import ElectronicCard


def ecard_of(person) -> ElectronicCard | None:
    return ElectronicCard.objects.select_related("card", "card__org").filter(person=person).first()
