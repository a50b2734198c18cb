import pytest


@pytest.fixture
def world(db):
    from sbk.testing import World

    return World()
