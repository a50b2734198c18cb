"""Error codes of the applicant portal, shown unchanged by the API and the pages."""

from enum import StrEnum


class PortalErrorCode(StrEnum):
    OUTLET_REQUIRED = "outlet_required"
    ID_NUMBER = "id_number"
    NO_ORG = "no_org"
    NAME_EMPTY = "name_empty"
    PHONE = "phone"
    IDENTITY_MISMATCH = "identity_mismatch"
    PERSON_CANCELLED = "person_cancelled"
    ALREADY_REGISTERED = "already_registered"
    PASSWORD = "password"
    # The SMS code step: one answer for a wrong, expired, used or never-sent code.
    CODE_INVALID = "code_invalid"
    TOO_MANY_CODES = "too_many_codes"
