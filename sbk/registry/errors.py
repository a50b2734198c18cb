"""Error codes of the registry, shown unchanged by the API, the console and the CLI.

The import's per-field rule codes (``sbk.registry.rules``, ``sbk.idcard``) are listed there.
"""

from enum import StrEnum


class RegistryErrorCode(StrEnum):
    DUPLICATE = "duplicate"
    # The number is registered in an organisation outside the clerk's scope (the look-up is
    # in the access log; the answer names no organisation).
    REGISTERED_ELSEWHERE = "registered_elsewhere"
    REASON_REQUIRED = "reason_required"
    PERSON_CANCELLED = "person_cancelled"
    NOT_EDITABLE = "field_not_editable"
    PURPOSE_REQUIRED = "purpose_required"
    ORG_REQUIRED = "org_required"
    # A whole document number in a URL's query string: search with POST instead.
    NUMBER_IN_QUERY = "number_in_query"
