import io

import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def failing_photo() -> bytes:
    """A real JPEG that the checker refuses (no face, blank)."""
    buf = io.BytesIO()
    Image.new("RGB", (358, 441), "white").save(buf, "JPEG", dpi=(300, 300))
    return buf.getvalue()


@pytest.fixture
def kiosk_user(world):
    """A kiosk (自助一体机) in district A, stocked with blanks, and its machine account."""
    from sbk.accounts.models import Role
    from sbk.orgs.models import OrgKind
    from sbk.testing import org, stock_outlets, user

    machine = org("KA1", OrgKind.KIOSK, "310112", world.district_a, name="闵行区自助一体机")
    stock_outlets(world.centre, [machine], world.bank, per_outlet=2)
    return user("kiosk_a", Role.OUTLET_OPERATOR, machine)


@pytest.fixture
def off_centre_photo(compliant_photo) -> bytes:
    """The compliant face moved 45 px to the right: it fails on ``centered`` alone."""
    shifted = Image.new("RGB", (358, 441), "white")
    shifted.paste(Image.open(io.BytesIO(compliant_photo)), (45, 0))
    buf = io.BytesIO()
    shifted.save(buf, "JPEG", quality=90, dpi=(350, 350))
    return buf.getvalue()
