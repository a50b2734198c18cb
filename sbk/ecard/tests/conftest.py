"""The card tests' photo stand-in and media folder apply here too (cards are made)."""

from sbk.cards.tests.conftest import _media_and_photo  # noqa: F401
