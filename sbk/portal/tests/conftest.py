import io

import pytest
from PIL import Image

from sbk.testing import PASSWORD, resident_number


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
def applicant(world):
    """An applicant registered online as a new person (district A's bank outlet chosen)."""
    from sbk.portal.services import register_applicant

    number = resident_number("310112")
    user = register_applicant(
        name="网上某",
        id_number=number,
        phone="13812345678",
        password=PASSWORD,
        outlet_code=world.bank_outlet_a.code,
    )
    user.id_number = number  # for the tests' convenience only
    return user


@pytest.fixture
def applicant_b(world):
    """The account of district B's person_b (an existing registry person)."""
    from sbk.portal.services import register_applicant

    return register_applicant(
        name=world.person_b.name,
        id_number=world.person_b.id_number,
        phone=world.person_b.phone,
        password=PASSWORD,
    )
