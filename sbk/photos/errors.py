"""Error codes of the photo services, shown unchanged by the API and the console."""

from enum import StrEnum


class PhotoErrorCode(StrEnum):
    FILE_REQUIRED = "file_required"
    FILE_TOO_LARGE = "file_too_large"
    ORG_REQUIRED = "org_required"
    CHANNEL = "channel"
    PHOTO_UNFIXABLE = "photo_unfixable"
    # operator override (人工放行)
    OVERRIDE_NOT_FAILED = "override_not_failed"
    OVERRIDE_HARD_RULES = "override_hard_rules"
    OVERRIDE_ALREADY = "override_already"
    OVERRIDE_REASON = "override_reason"
    OVERRIDE_TEXT = "override_text"
    # renewal: a photo on file older than SBK_PHOTO_MAX_AGE_MONTHS is not reused
    PHOTO_ON_FILE_TOO_OLD = "photo_on_file_too_old"
