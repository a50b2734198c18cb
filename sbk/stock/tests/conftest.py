# The card tests' fast photo check and temporary media (production needs a photo).
from sbk.cards.tests.conftest import _media_and_photo  # noqa: F401
