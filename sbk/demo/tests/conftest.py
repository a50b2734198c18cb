import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """The demo's live applications store ID photos: in a temporary directory, not var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
