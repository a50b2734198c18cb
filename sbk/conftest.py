import pytest


def pytest_configure(config):
    from sbk.testing import quick_hashing

    quick_hashing()


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


def pytest_collection_modifyitems(config, items):
    """``SBK_DB_TESTS_ONLY=1`` (the PostgreSQL pass of ``make test``): only the tests that
    touch the database. The pure-rule tests (ID checks, photo rules, scoring, report
    arithmetic) do not depend on the database and have already run in the SQLite pass; nor
    do the browser tests (marker ``browser``), which drive the pages the service and API tests
    already run on both databases, and are the slowest of the suite (ADR 0012)."""
    import os

    if os.environ.get("SBK_DB_TESTS_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        names = getattr(item, "fixturenames", ())
        uses_db = item.get_closest_marker("django_db") is not None or any(
            n in names for n in ("db", "transactional_db", "django_db_setup", "live_server")
        )
        in_browser = item.get_closest_marker("browser") is not None
        (keep if uses_db and not in_browser else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
