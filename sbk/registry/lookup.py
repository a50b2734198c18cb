"""Blind indexes and masked forms of the registry's sensitive values."""

from sbk.core import keys
from sbk.idcard import mask_number, mask_phone, normalise


def id_index(number: str) -> str:
    return keys.ring().blind_index(normalise(number), "id_number")


def phone_index(phone: str) -> str:
    return keys.ring().blind_index(phone, "phone") if phone else ""


def masked_id(number: str) -> str:
    return mask_number(number)


def masked_phone(phone: str) -> str:
    return mask_phone(phone) if phone else ""
