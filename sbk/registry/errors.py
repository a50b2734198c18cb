"""Error codes of the registry, shown unchanged by the API, the console and the CLI.

The import's per-field rule codes (``sbk.registry.rules``, ``sbk.idcard``) are listed there.
"""

from enum import StrEnum


class RegistryErrorCode(StrEnum):
    DUPLICATE = "duplicate"
    REASON_REQUIRED = "reason_required"
    PERSON_CANCELLED = "person_cancelled"
    NOT_EDITABLE = "field_not_editable"
    PURPOSE_REQUIRED = "purpose_required"
    ORG_REQUIRED = "org_required"
