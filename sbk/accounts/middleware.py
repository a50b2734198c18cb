"""Session rules: idle timeout, the second factor, password expiry, applicants kept out
of the staff console."""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


class IdleTimeoutMiddleware:
    """End a session after SBK_IDLE_TIMEOUT seconds without a request."""

    KEY = "sbk_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            last = request.session.get(self.KEY)
            if last is not None and int(time.time()) - last > settings.SBK_IDLE_TIMEOUT:
                logout(request)
                request.session["sbk_idle_logout"] = True
        response = self.get_response(request)
        # After the view: a login in this very request starts the clock too. Only a
        # session login has a clock: a bearer-token call must not create a session.
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and hasattr(request, "session")
            and request.session.get(SESSION_KEY) is not None
        ):
            request.session[self.KEY] = int(time.time())
        return response


EXEMPT_PREFIXES = ("/account/", "/login/", "/logout/", "/static/", "/favicon")

# The one rule that keeps applicants (申请人) out of the staff console and the staff API:
# an applicant may use these paths and nothing else. The staff API's authentication
# (sbk.core.api_auth) applies the same rule to bearer tokens.
APPLICANT_PREFIXES = (*EXEMPT_PREFIXES, "/portal/", "/api/portal/")


def applicant_refused(user, path: str) -> bool:
    """True when ``user`` is an applicant and ``path`` is not one of theirs."""
    return bool(getattr(user, "is_applicant", False)) and not path.startswith(APPLICANT_PREFIXES)


def needs_second_factor(user) -> bool:
    from django_otp import user_has_device

    return user.totp_required or user_has_device(user, confirmed=True)


class SecurityGateMiddleware:
    """A signed-in user who still owes a TOTP code or a new password gets nothing else.

    Console pages redirect to the TOTP page (enrolment when the role requires a device
    and there is none) or to the password change page; API calls on the session get a 403
    with a stable code. Bearer-token API calls are not session logins and pass.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        path = request.path_info
        if user is not None and user.is_authenticated and applicant_refused(user, path):
            return self._refuse_applicant(request, path)
        if (
            user is not None
            and user.is_authenticated
            and not path.startswith(EXEMPT_PREFIXES)
            and hasattr(user, "totp_required")
        ):
            blocked = self._blocked(request, user)
            if blocked:
                code, message, url = blocked
                if path.startswith("/api/"):
                    return JsonResponse({"code": code, "message": message}, status=403)
                return redirect(f"{reverse(url)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _refuse_applicant(request, path):
        """Staff pages: an applicant's GET goes to the portal, anything else is refused."""
        message = "申请人账户只能使用网上申请服务"
        if path.startswith("/api/"):
            return JsonResponse({"code": "applicant_forbidden", "message": message}, status=403)
        if request.method in ("GET", "HEAD"):
            return redirect("portal:home")
        return HttpResponseForbidden(message)

    @staticmethod
    def _blocked(request, user):
        if not request.user.is_verified() and needs_second_factor(user):
            return "otp_required", "请先完成动态口令（TOTP）验证", "accounts:otp"
        if user.password_expired:
            return "password_expired", "密码已过期，请先修改密码", "accounts:password"
        return None
