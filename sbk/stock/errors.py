"""Error codes of the card-blank stock (卡基台账), shown unchanged by the API, console and CLI."""

from enum import StrEnum


class StockErrorCode(StrEnum):
    NO_BLANK = "no_blank"  # production with no blank of the card's bank and version in stock
    # production where the outlet holds blanks of the card's bank, but none of its version
    NO_BLANK_OF_VERSION = "no_blank_of_version"
    NOT_HERE = "serial_not_here"  # the serial is not where the movement says it is
    UNKNOWN_SERIAL = "unknown_serial"
    SERIAL_EXISTS = "serial_exists"  # an inbound serial that the books already know
    DUPLICATE_SERIAL = "duplicate_serial"  # the same serial twice in one movement
    BAD_ITEM = "bad_item"  # the item does not fit the movement (write off a blank, …)
    BAD_ROUTE = "bad_route"  # from/to do not fit the movement
    BAD_KIND = "bad_kind"
    BAD_BANK = "bad_bank"
    BAD_VERSION = "bad_version"  # an unknown card version, or serials of another version
    BAD_DATE = "bad_date"
    NO_SERIALS = "no_serials"
    NOTE_REQUIRED = "note_required"
    REASON_REQUIRED = "reason_required"
    NOT_CORRECTABLE = "not_correctable"
    DAY_CLOSED = "day_closed"
    DAY_MISMATCH = "day_mismatch"  # cards produced that day ≠ blanks consumed
    DAYS_OPEN = "days_open"  # a month cannot close while days with movements are open
    MONTH_CLOSED = "month_closed"
    BAD_COUNT = "bad_count"
    DISCREPANCY_STATE = "discrepancy_state"
    NOT_RECTIFIED = "not_rectified"  # the rectification does not make book and count agree
