"""Card numbers through their blind index (issue 19 §用卡, ADR 0008): every way a card row
gets its number writes ``card_no_index`` in the same statement, the usage import finds cards
only through it, at either index-key layer while ``sbk keys reindex`` has not run."""

import io
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sbk.cards import numbers
from sbk.cards.models import Card
from sbk.cards.transitions import create_card
from sbk.core import keys
from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.core.tests.helpers import postgres_only
from sbk.testing import person, stock_outlets
from sbk.usage import lookup
from sbk.usage.models import UsageRecord

from .helpers import cards, load

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["array", "joined"])
def held(request, place, tmp_path, monkeypatch):
    """Two cards, looked up as a small set (one query with an array) or as a large one
    (``lookup.TEMP_TABLE_FROM`` lowered: on PostgreSQL through the temporary table joined
    with the byte-order index); returns which."""
    if request.param == "joined":
        monkeypatch.setattr(lookup, "TEMP_TABLE_FROM", 1)
    cards(
        tmp_path,
        [
            ("SC0000001", "310112", "测试银行", "2026-01-05"),
            ("SC0000002", "310115", "测试银行", "2026-02-01"),
        ],
    )
    return request.param


def _row(card_no, key):
    return (card_no, "2026-03-01 10:00", "pay_medical", "1", "", "310112", key)


def test_a_usage_import_finds_cards_through_the_number_index(held):
    for card in Card.objects.all():  # the legacy import (bulk_create) filled it
        assert card.card_no_index and card.card_no_index == numbers.card_no_index(card.card_no)
        assert card.card_no not in card.card_no_index
    # The index, not the number column, is what the import compares: a card whose index is
    # missing is not found although its number is in the table.
    Card.objects.filter(card_no="SC0000002").update(card_no_index="")
    with pytest.raises(ServiceError) as caught:
        load([_row("SC0000001", "a"), _row("SC0000002", "b")])
    assert [(p.field, p.code) for p in caught.value.problems] == [("3:card_no", "unknown_card")]
    # The number as the cards app keeps it (upper case) is what is indexed.
    assert load([_row("sc0000001", "c")]).new_rows == 1
    assert UsageRecord.objects.get(row_key="c").card.card_no == "SC0000001"


def test_a_produced_card_gets_its_index_in_its_own_insert(place):
    stock_outlets(place.centre, [place.bank_outlet], place.bank, per_outlet=1)
    holder = person(place.outlet)
    card = Card(
        person=holder, card_no="SP0000009X", division_code="310112", org=place.bank_outlet,
        bank=place.bank, version=settings.SBK_CARD_VERSION, category="employee",
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        create_card(card, at=timezone.now(), acting_user=SYSTEM)
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "cards_card"')]
    assert len(inserts) == 1 and "card_no_index" in inserts[0]
    stored = Card.objects.get(pk=card.pk)
    assert stored.card_no_index == numbers.card_no_index("SP0000009X") != ""


@pytest.fixture
def own_keys(settings, tmp_path):
    path = tmp_path / "keys.json"
    shutil.copy(settings.SBK_KEYS_FILE, path)
    settings.SBK_KEYS_FILE = str(path)
    return path


def test_cards_are_found_at_either_index_layer_and_reindex_moves_them(held, own_keys):
    call_command("keys", "rotate-index", stdout=io.StringIO())
    assert keys.ring().index_layer == "i2"
    assert not Card.objects.filter(card_no_index__startswith="i2$").exists()
    assert load([_row("SC0000001", "before")]).new_rows == 1  # the old layer still matches
    call_command("keys", "reindex", "--quiet", stdout=io.StringIO())
    assert all(c.card_no_index.startswith("i2$") for c in Card.objects.all())
    assert load([_row("SC0000002", "after")]).new_rows == 1


@postgres_only  # the temporary table and the index are PostgreSQL's
def test_a_large_set_is_joined_with_the_bytewise_index_and_the_settings_put_back(held):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [
            "card_no_index_bytewise"])  # fmt: skip
        (definition,) = cursor.fetchone()
    assert 'COLLATE "C"' in definition and "INCLUDE (id, person_id" in definition
    with CaptureQueriesContext(connection) as queries:
        load([_row("SC0000001", "x1"), _row("SC0000002", "x2")])
    joined = [q["sql"] for q in queries if lookup.WANTED in q["sql"] and "JOIN" in q["sql"]]
    assert len(joined) == (1 if held == "joined" else 0)
    with connection.cursor() as cursor:  # still in the test's transaction
        cursor.execute(
            "SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')"
        )
        assert cursor.fetchone() == ("on", "on")
