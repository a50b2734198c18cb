"""Test set-up shared by every app.

- A key file of the run's own, never the developer's.
- On PostgreSQL, a test database name of the run's own, so that two runs on one server
  (a developer and CI, or two developers) never drop or lock each other's database.
"""

import os
import tempfile
from pathlib import Path

import pytest


def pytest_configure(config):
    if not config.pluginmanager.hasplugin("django"):
        return  # pure-module runs with -p no:django
    from django.conf import settings

    from sbk.core.crypto import KeyRing

    path = Path(tempfile.mkdtemp(prefix="sbk-test-keys-")) / "keys.json"
    KeyRing.generate().save(path)
    settings.SBK_KEYS_FILE = str(path)
    # The logs refuse DELETE in the database; Django's flush after a transactional test may.
    from sbk.core.appendonly import allow_test_flush

    allow_test_flush()
    # PBKDF2's million rounds cost ~0.2 s a user; tests create hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        # xdist workers of one run share PYTEST_XDIST_TESTRUNUID; pytest-django adds _gwN.
        run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:8] or str(os.getpid())
        db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_{run_id}"


@pytest.fixture(scope="session", autouse=True)
def _close_stray_pg_sessions(request):
    """Threads of the live server can leave a PostgreSQL session open on the test database,
    which then cannot be dropped: end such sessions before pytest-django drops it."""
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with blocker.unblock(), connection.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
