"""Error codes of banks and card usage (合作银行与用卡), shown unchanged by the API, console
and CLI. A usage file's row problems carry the row codes of ``rules.parse_row`` (``required``,
``bad_time`` …) plus the ones below, each with its line and column."""

from enum import StrEnum


class UsageErrorCode(StrEnum):
    NOT_A_BANK = "not_a_bank"  # the organisation is not of kind bank
    BANK_EXISTS = "bank_exists"  # the bank already has its record
    BAD_STATUS = "bad_status"  # an unknown status, or a move the lifecycle does not allow
    BAD_MEDIUM = "bad_medium"
    BAD_BIN = "bad_bin"  # not digits, low > high, lengths differ
    BIN_OVERLAP = "bin_overlap"  # overlaps a range of this or another bank
    BAD_REGION = "bad_region"  # a cooperating city that is not a report region
    BAD_DATE = "bad_date"
    BAD_FILE = "bad_file"  # unreadable, not CSV, a missing column
    ROWS_REFUSED = "rows_refused"  # the file has row problems: nothing imported
    UNKNOWN_CARD = "unknown_card"  # no card with that number
    DUPLICATE_ROW_KEY = "duplicate_row_key"  # the same row key twice in one file
    ROW_KEY_CONFLICT = "row_key_conflict"  # a key imported before with other content
    CARD_NOT_ISSUED = "card_not_issued"  # used before the card was issued
    BAD_VENUE = "bad_venue"  # a field of a venue (kind, division, name …)
    VENUE_CODE_TAKEN = "venue_code_taken"
    BAD_CAMPAIGN = "bad_campaign"  # a field of a campaign (dates, rule, groups …)
    VENUE_OUT_OF_SCOPE = "venue_out_of_scope"  # a campaign's venue outside its organiser
    BAD_CASE = "bad_case"
    ALREADY_SELECTED = "already_selected"
    BAD_PERIOD = "bad_period"
