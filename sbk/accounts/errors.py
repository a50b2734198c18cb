"""Error codes of the account services, shown unchanged by the API and the console.

A password the validators refuse carries the validator's own code (``password_too_short``,
``password_classes``, ``password_reused``…); ``PASSWORD`` is the fallback for one without.
"""

from enum import StrEnum


class AccountErrorCode(StrEnum):
    ROLE = "role"
    ROLE_ORG = "role_org"
    USERNAME_TAKEN = "username_taken"
    PASSWORD = "password"
    OLD_PASSWORD = "old_password"
    FORBIDDEN = "forbidden"  # not the user's own account (password, TOTP device)
