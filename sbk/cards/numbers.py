"""The blind index of a card number (``Card.card_no_index``, ADR 0008).

A usage file from a bank or the payment network names cards by number. The number is
looked up through its blind index — HMAC-SM3 under the key ring's index key, domain
``card_no``, the registry's pattern for document numbers (``sbk.registry.lookup``) — so that
the usage import never compares, keeps or logs card numbers, and a later move of
``card_no`` to an encrypted column changes nothing for the readers of the index.

The index is computed in one place: ``CardNoIndexField.pre_save``, which Django calls for
every ``save()`` and ``bulk_create`` that writes the field (and the card benchmark's COPY
calls it too). So the index goes into the same INSERT (or UPDATE) that writes the number:
no statement of its own, and no caller has to remember it. ``sbk keys reindex`` moves the
stored indexes to the current index-key layer (``SBK_BLIND_INDEX_COLUMNS``); a look-up
matches every layer (``card_no_indexes``) so rows not yet moved are found.
"""

from __future__ import annotations

from django.db import models

from sbk.core import keys

DOMAIN = "card_no"


def normalise(card_no: str) -> str:
    """A card number as indexed: no spaces, upper case (the cards importer's form)."""
    return (card_no or "").replace(" ", "").strip().upper()


def card_no_index(card_no: str) -> str:
    """The index to store for a card number (current index-key layer); "" for no number."""
    number = normalise(card_no)
    return keys.ring().blind_index(number, DOMAIN) if number else ""


def lookup_keys(numbers) -> dict[str, str]:
    """Every index a stored card of these numbers may hold (any layer) → the number as
    given, so ``card_no_index__in=list(found)`` finds them all and says which is which."""
    ring = keys.ring()
    found: dict[str, str] = {}
    for number in numbers:
        plain = normalise(number)
        if plain:
            for candidate in ring.index_candidates(plain, DOMAIN):
                found[candidate] = number
    return found


class CardNoIndexField(models.CharField):
    """The blind index of the model's ``card_no``, computed as the row is written."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        value = card_no_index(model_instance.card_no)
        setattr(model_instance, self.attname, value)
        return value
