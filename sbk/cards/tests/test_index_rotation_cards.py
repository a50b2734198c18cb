"""An application stated under the old blind-index layer (issue 14 §2, see
sbk/core/tests/test_index_rotation.py)."""

import io
import shutil

import pytest
from django.core.management import call_command

from sbk.cards import services as cards
from sbk.cards.tests.helpers import submitted
from sbk.core.reindex import reindex
from sbk.registry import lookup

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_keys(settings, tmp_path):
    path = tmp_path / "keys.json"
    shutil.copy(settings.SBK_KEYS_FILE, path)
    settings.SBK_KEYS_FILE = str(path)
    return path


def _new_layer(path):
    call_command("keys", "rotate-index", stdout=io.StringIO())


def test_an_application_stated_under_the_old_layer_still_passes_interception(world, own_keys):
    """The application keeps only the index of the stated number: the pass moves it without
    the number, and until then production compares both at the current layer."""

    app = submitted(world, world.person_a, user=world.operator_a, outlet=world.bank_outlet_a)
    _new_layer(own_keys)
    assert not app.stated_id_index.startswith("i2$")
    card = cards.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    assert card.person == world.person_a
    reindex()
    app.refresh_from_db()
    assert app.stated_id_index == lookup.id_index(world.person_a.id_number)
