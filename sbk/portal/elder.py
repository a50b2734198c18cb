"""Elder mode (长辈版) of the public pages: switched by ``?elder=1`` / ``?elder=0`` on any
public page and remembered in a cookie, so an anonymous visitor keeps it too.

A cookie rather than the session: the register and login pages are seen before there is an
account, and a session row per anonymous visitor would be written by a GET. The view
decorator rather than a middleware: only the public pages have the mode (the console's
pages do not), and they are all served by views that carry it.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings

COOKIE = "sbk_elder"
PARAM = "elder"
ONE_YEAR = 365 * 24 * 3600


def requested(value: str | None) -> bool | None:
    """The mode a ``?elder=`` value asks for; None when it asks for nothing."""
    if value in ("1", "on", "true"):
        return True
    if value in ("0", "off", "false"):
        return False
    return None


def public_page(view):
    """Sets ``request.elder`` (bool) from ``?elder=`` or the cookie; remembers a switch."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        asked = requested(request.GET.get(PARAM))
        request.elder = asked if asked is not None else request.COOKIES.get(COOKIE) == "1"
        response = view(request, *args, **kwargs)
        if asked is not None:
            response.set_cookie(
                COOKIE,
                "1" if asked else "0",
                max_age=ONE_YEAR,
                samesite="Lax",
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    return wrapper
