from enum import StrEnum


class HolidayErrorCode(StrEnum):
    DATE = "holiday_date"
    KIND = "holiday_kind"
    FILE = "holiday_file"
    EMPTY = "holiday_empty"
