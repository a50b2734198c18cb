import pytest

from sbk.cards import photo as photo_module
from sbk.cards.photo import PhotoCheck

GOOD = b"\xff\xd8GOOD-PHOTO"
BAD = b"BAD-PHOTO"


@pytest.fixture(autouse=True)
def _media_and_photo(request, settings, tmp_path, monkeypatch):
    """Photos go to a temporary directory; the photo check is a fast fake (GOOD passes,
    BAD fails) unless a test is marked ``real_photo_check``."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def fake(data, *, id_number="", name=""):
        if data.startswith(b"BAD"):
            failure = {"rule": "size_px", "message": "照片尺寸不符"}
            return PhotoCheck(True, False, [failure], "照片机检未通过：照片尺寸不符")
        return PhotoCheck(True, True, [], "照片机检通过")

    if "real_photo_check" not in request.keywords:
        monkeypatch.setattr(photo_module, "check", fake)
