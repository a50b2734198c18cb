"""Test set-up shared by every app: a key file of the run's own, never the developer's."""

import tempfile
from pathlib import Path


def pytest_configure(config):
    from django.conf import settings

    from sbk.core.crypto import KeyRing

    path = Path(tempfile.mkdtemp(prefix="sbk-test-keys-")) / "keys.json"
    KeyRing.generate().save(path)
    settings.SBK_KEYS_FILE = str(path)
