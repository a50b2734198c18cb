"""Error codes of the export services, shown unchanged by the API and the console."""

from enum import StrEnum


class ExportErrorCode(StrEnum):
    EXPORT_FORMAT = "export_format"
    PURPOSE_REQUIRED = "purpose_required"
    ORG_REQUIRED = "org_required"
    EXPORT_DECIDED = "export_decided"
    EXPORT_NOT_APPROVED = "export_not_approved"
