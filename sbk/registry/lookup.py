"""Blind indexes and masked forms of the registry's sensitive values."""

from sbk.core import keys
from sbk.idcard import mask_number, mask_phone, normalise


def id_index(number: str) -> str:
    """The index to store for a document number (under the current index key)."""
    return keys.ring().blind_index(normalise(number), "id_number")


def id_indexes(number: str) -> list[str]:
    """What a look-up by number matches: its index under every index-key layer, so that a
    row not yet moved by ``sbk keys reindex`` is found too (``id_index__in=…``)."""
    return keys.ring().index_candidates(normalise(number), "id_number")


def lookup_keys(numbers) -> dict[str, str]:
    """For bulk look-ups: every index a stored row of these numbers may hold (any layer),
    mapped to the current index, so ``id_index__in=list(keys)`` finds them all and
    ``keys[found.id_index]`` says which number each row is."""
    ring = keys.ring()
    found: dict[str, str] = {}
    for number in numbers:
        candidates = ring.index_candidates(normalise(number), "id_number")
        for candidate in candidates:
            found[candidate] = candidates[-1]
    return found


def phone_index(phone: str) -> str:
    return keys.ring().blind_index(phone, "phone") if phone else ""


def current_index(stored: str) -> str:
    """A stored index (at any layer) as it reads under the current layer: compare these."""
    return keys.ring().current_index(stored)


def masked_id(number: str) -> str:
    return mask_number(number)


def masked_phone(phone: str) -> str:
    return mask_phone(phone) if phone else ""
