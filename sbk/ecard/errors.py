"""Error codes of the electronic card."""

from enum import StrEnum


class EcardErrorCode(StrEnum):
    QR_INVALID = "ecard_qr_invalid"  # not a code sbk made, or tampered with
    QR_EXPIRED = "ecard_qr_expired"
    NO_ECARD = "no_ecard"
