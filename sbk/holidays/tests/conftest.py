# The card tests' fast photo check (autouse), for the card deadline tried here.
from sbk.cards.tests.conftest import _media_and_photo  # noqa: F401
