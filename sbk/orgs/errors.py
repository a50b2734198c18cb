"""Error codes of the organisation services, shown unchanged by the API, console and CLI."""

from enum import StrEnum


class OrgErrorCode(StrEnum):
    BAD_KIND = "org_kind"
    BAD_PARENT = "org_parent"
    BANK_REQUIRED = "org_bank"
    UNKNOWN_DIVISION = "division"
    CODE_TAKEN = "org_code_taken"
    CYCLE = "org_cycle"
    FIELD_NOT_EDITABLE = "field_not_editable"
    BAD_CHANNEL = "bad_channel"
    OUTLET_REQUIRED = "outlet_required"
    BAD_PHONE = "bad_phone"
