from enum import StrEnum


class ReportErrorCode(StrEnum):
    PERIOD = "report_period"  # not YYYY-MM / YYYYQn, or in the future
    TABLE = "report_table"  # not 0 (monthly) or 1–4
    PROVINCE = "report_province"  # no province given and none to default to
    CHECKS = "report_checks"  # consistency checks failed: not stored
    CELL = "report_cell"  # a cell the centre enters: unknown column or bad value
    CATALOGUE = "report_catalogue"  # catalogue item: number or name invalid
