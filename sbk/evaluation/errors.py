"""Error codes of the evaluation (评估), shown unchanged by the console and the CLI."""

from enum import StrEnum


class EvaluationErrorCode(StrEnum):
    BAD_PERIOD = "bad_period"  # not YYYY or YYYYQn
    BAD_RULES = "bad_rules"  # a rules file that cannot be loaded or used
    BAD_INDICATORS = "bad_indicators"  # a figure of the wrong type or range
    BAD_KEY = "bad_indicator_key"  # a hand-entered figure the indicators file does not have
    BAD_ORG = "bad_org"  # not a district, bank or outlet
    NO_SCORECARDS = "no_scorecards"  # nothing stored for the period
