"""Error codes of the photo services, shown unchanged by the API and the console."""

from enum import StrEnum


class PhotoErrorCode(StrEnum):
    FILE_REQUIRED = "file_required"
    FILE_TOO_LARGE = "file_too_large"
    ORG_REQUIRED = "org_required"
    CHANNEL = "channel"
    PHOTO_UNFIXABLE = "photo_unfixable"
