import pytest

from .helpers import Place


@pytest.fixture
def place(db):
    """The usage tests' organisations, banks and people (``helpers.Place``)."""
    return Place()
