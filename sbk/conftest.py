import pytest


@pytest.fixture
def world(db):
    from sbk.testing import World

    return World()


@pytest.fixture(scope="session")
def compliant_photo() -> bytes:
    """A photo that passes every rule: the fixer's output for a real portrait (scikit-image)."""
    import io

    from PIL import Image
    from skimage import data

    from sbk.photos.fix import fix_photo

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, format="PNG")
    result = fix_photo(buf.getvalue())
    assert result.ok, result.reasons
    return result.jpeg
