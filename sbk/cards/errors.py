"""Error codes of the card services, shown unchanged by the API and the console."""

from enum import StrEnum


class CardErrorCode(StrEnum):
    PERSON_CANCELLED = "person_cancelled"
    HAS_VALID_CARD = "has_valid_card"
    NO_VALID_CARD = "no_valid_card"
    OPEN_APPLICATION = "open_application"
    REPLACEMENT_NOT_ALLOWED = "replacement_not_allowed"
    # 补换卡 at the card's own bank on the original data (seed 002 §二(三)).
    REPLACEMENT_OTHER_BANK = "replacement_other_bank"
    BANK_CHANGE = "bank_change"  # the holder's change of partner bank cannot be recorded
    BAD_TRANSITION = "bad_transition"
    BAD_KIND = "bad_kind"
    BAD_CHANNEL = "bad_channel"
    BAD_OUTLET = "bad_outlet"
    PHOTO_REQUIRED = "photo_required"
    PHOTO_NOT_ON_FILE = "photo_not_on_file"
    STATED = "stated"  # what the applicant stated for the card face is unusable
    PHOTO_ON_FILE_FAILED = "photo_on_file_failed"  # fails the rules in force today
    PHOTO_FAILED = "photo_failed"
    PROXY_INCOMPLETE = "proxy_incomplete"
    NOT_VERIFIED = "identity_not_verified"
    INTERCEPTED = "card_face_intercepted"
    REASON_REQUIRED = "reason_required"
    ALREADY_ACTIVATED = "already_activated"
    ACCOUNT_INVALID = "account_invalid"
    LOSS_KIND = "loss_kind"
    TRANSFER_TARGET = "transfer_target"
    CARD_NO_TAKEN = "card_no_taken"
    READ_ONLY = "read_only"
    PHOTO_SOURCE = "photo_source"
    PHOTO_STUDIO = "photo_studio"
    PHOTO_ENCODING = "photo_encoding"
