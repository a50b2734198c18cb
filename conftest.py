"""Test set-up shared by every app.

- A key file of the run's own, never the developer's.
- On PostgreSQL, a test database name of the run's own, so that two runs on one server
  (a developer and CI, or two developers) never drop or lock each other's database.
"""

import os
import tempfile
from pathlib import Path


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
