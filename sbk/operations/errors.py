"""Error codes of the operations records (运营记录), shown unchanged by the API, console and CLI."""

from enum import StrEnum


class OpsErrorCode(StrEnum):
    BAD_STEP = "order_bad_step"  # the step may not follow the order's state
    BAD_SOURCE = "order_bad_source"
    CARD_NOT_PERSONS = "order_card_not_persons"  # the card named is not the person's
    NO_OUTLET = "order_no_outlet"  # 派单 needs an outlet of the order's district
    NOT_PAUSED = "order_not_paused"
    ALREADY_PAUSED = "order_already_paused"
    CLOSED = "order_closed"
    REASON_REQUIRED = "reason_required"
    BAD_ROW = "bad_row"  # an import row that breaks a rule (the row's problems say which)
    BAD_FILE = "bad_file"  # an import that cannot be read at all
    BAD_DATE = "bad_date"
    BAD_SCORE = "bad_score"
    BAD_ORG = "bad_org"  # an organisation of the wrong kind for the record
    BAD_KIND = "bad_kind"
    DUPLICATE = "duplicate"
    TOO_SHORT = "too_short"
    ALREADY_ADOPTED = "already_adopted"
    ALREADY_DRAWN = "already_drawn"
    BAD_QUARTER = "bad_quarter"
    NOT_PENDING = "sample_not_pending"
    BAD_DOCUMENT = "bad_document"
    PURPOSE_REQUIRED = "purpose_required"  # a full view of a document names its purpose
    EMPTY = "empty"
