import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sbk.settings")
application = get_wsgi_application()


def _refuse_without_keys() -> None:
    """A WSGI server started directly (not by ``sbk serve``) runs no system checks: a
    missing or wrong key file must still stop it before it serves a page."""
    from sbk.core.keys import check_key_file, check_keys_match_data

    problems = check_key_file() or check_keys_match_data()
    if problems:
        raise ImproperlyConfigured("; ".join(f"{p.id}: {p.msg}" for p in problems))


_refuse_without_keys()
