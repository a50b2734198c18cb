"""End a session after SBK_IDLE_TIMEOUT seconds without a request."""

import time

from django.conf import settings
from django.contrib.auth import logout


class IdleTimeoutMiddleware:
    KEY = "sbk_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(self.KEY)
            if last is not None and now - last > settings.SBK_IDLE_TIMEOUT:
                logout(request)
                request.session["sbk_idle_logout"] = True
            else:
                request.session[self.KEY] = now
        return self.get_response(request)
