# The card tests' fast photo check and temporary media directory (autouse), for the card
# services these tests drive.
from sbk.cards.tests.conftest import _media_and_photo  # noqa: F401
