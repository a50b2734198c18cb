"""API authentication: the console session (with CSRF) or a bearer token for scripts.

A bearer token that is known but may not be used — expired, revoked (by its owner, an
admin, a password change, the account's deactivation), or its account deactivated — is
refused with 401 and a code of its own (``token_expired``, ``token_revoked``,
``account_inactive``), decided from the one row the token's statement reads. An unknown
token is ``unauthenticated``, as is a request with no credentials.
"""

import datetime as dt

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from sbk.accounts.middleware import applicant_refused
from sbk.accounts.models import ApiToken
from sbk.core import idempotency
from sbk.core.errors import ServiceError

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TokenRefused(ServiceError):
    """A known token that may not be used (the API answers 401 with its code)."""

    status = 401


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        tokens = ApiToken.objects.select_related("user", "user__org").filter(
            digest=ApiToken.digest_of(token)
        )
        # The same statement looks the request's Idempotency-Key up, if it has one.
        found = next(iter(idempotency.with_lookup(tokens, request)[:1]), None)  # digest: unique
        if found is None:
            return None
        now = timezone.now()
        refused = found.refusal(now)  # expiry, revocation, the account: no further statement
        if refused is not None:
            raise TokenRefused(*refused)
        idempotency.remember(request, found.user, found)
        if applicant_refused(found.user, request.path_info):
            return None
        # "Last used" to the minute is enough; a write on every read would cost a commit.
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class StaffSession(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None or not user.is_authenticated:
            return None
        return None if applicant_refused(user, request.path_info) else user
