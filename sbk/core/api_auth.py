"""API authentication: the console session (with CSRF) or a bearer token for scripts."""

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from sbk.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = (
            ApiToken.objects.select_related("user", "user__org")
            .filter(digest=ApiToken.digest_of(token), user__is_active=True)
            .first()
        )
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


class StaffSession(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_authenticated else None
