"""Blind-index key rotation (issue 14 §2): a new layer, look-ups that match every layer while
the resumable ``sbk keys reindex`` pass moves the stored indexes, nothing duplicated meanwhile."""

import io
import shutil

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models

from sbk.core import keys
from sbk.core.crypto import KeyError_, KeyRing, hmac_sm3
from sbk.core.errors import ServiceError
from sbk.core.models import AuditEntry
from sbk.core.reindex import count_stale, index_columns, reindex
from sbk.registry.models import Person
from sbk.registry.queries import search_people
from sbk.registry.services import find_by_number
from sbk.testing import person

# ---------------------------------------------------------------- the key ring (pure)


def test_the_index_is_hmac_sm3_of_domain_and_value_every_time():
    # The ring keys its HMAC once and copies it per value: the stored indexes must stay
    # what the definition gives, call after call (a copy must not consume the keyed state).
    ring = KeyRing.generate()
    expected = hmac_sm3(ring.index_key, b"card_no\x1fU000000001").hex()
    assert [ring.blind_index("U000000001", "card_no") for _ in range(3)] == [expected] * 3
    assert ring.blind_index("U000000002", "card_no") != expected


def test_a_layer_wraps_the_old_index_and_says_so():
    ring = KeyRing.generate()
    first = ring.blind_index("310112197001010011", "id_number")
    assert len(first) == 64 and "$" not in first
    two = ring.with_new_index_layer()
    second = two.blind_index("310112197001010011", "id_number")
    assert second.startswith("i2$") and len(second) == 64 and second != first
    assert two.index_candidates("310112197001010011", "id_number") == [first, second]
    assert two.current_index(first) == second == two.current_index(second)
    three = two.with_new_index_layer()
    assert three.current_index(first) == three.current_index(second)
    assert three.current_index(first).startswith("i3$")
    # The file keeps the layers; a ring without a layer cannot read a value made under it.
    again = KeyRing.from_json(three.to_json())
    assert again.blind_index("x", "d") == three.blind_index("x", "d")
    with pytest.raises(KeyError_):
        ring.current_index(second)
    # Another domain or value: another index.
    assert two.blind_index("310112197001010011", "phone") != second


def test_a_damaged_layer_list_is_refused():
    ring = KeyRing.generate().with_new_index_layer()
    text = ring.to_json().replace('"id": "i2"', '"id": "x2"')
    with pytest.raises(KeyError_):
        KeyRing.from_json(text)


# ---------------------------------------------------------------- in the database
pytestmark_db = pytest.mark.django_db


@pytest.fixture
def own_keys(settings, tmp_path):
    path = tmp_path / "keys.json"
    shutil.copy(settings.SBK_KEYS_FILE, path)
    settings.SBK_KEYS_FILE = str(path)
    return path


def _new_layer(path):
    call_command("keys", "rotate-index", stdout=io.StringIO())
    return keys.ring()


@pytestmark_db
def test_lookups_find_rows_at_either_layer_until_and_after_the_pass(world, own_keys):
    old = person(world.outlet_a, name="旧索引")
    ring = _new_layer(own_keys)
    assert ring.index_layer == "i2"
    assert AuditEntry.objects.filter(action="keys.index_rotate").count() == 1
    new = person(world.outlet_a, name="新索引")
    assert Person.objects.get(pk=new.pk).id_index.startswith("i2$")
    assert not Person.objects.get(pk=old.pk).id_index.startswith("i2$")
    for p in (old, new):  # before the pass: both are found, by every kind of look-up
        assert list(find_by_number(world.admin_a, p.id_number)) == [p]
        assert list(search_people(world.admin_a, p.id_number)) == [p]
    # A registration of the old row's number is still a duplicate (not a second person).
    with pytest.raises(ServiceError) as exc:
        person(world.outlet_a, id_number=old.id_number)
    assert exc.value.code == "duplicate" and Person.objects.filter(name="测试人").count() == 0
    stale = [
        value
        for p in Person.objects.all()
        for value in (p.id_index, p.phone_index)
        if value and not value.startswith("i2$")
    ]
    assert count_stale() == len(stale) > 0
    out = io.StringIO()
    call_command("keys", "reindex", "--quiet", stdout=out)
    assert "完成" in out.getvalue() and count_stale() == 0
    assert all(p.id_index.startswith("i2$") for p in Person.objects.all())
    for p in (old, new):
        assert list(find_by_number(world.admin_a, p.id_number)) == [p]
    assert AuditEntry.objects.get(action="keys.reindex").after["rows"] > 0
    out = io.StringIO()
    call_command("keys", "reindex", "--quiet", stdout=out)
    assert "无需重建" in out.getvalue()


@pytestmark_db
def test_reindex_resumes_after_an_interruption(world, own_keys):
    for _ in range(4):
        person(world.outlet_a)
    _new_layer(own_keys)
    total = count_stale()
    seen = []

    def stop_after_two(n):
        seen.append(n)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reindex(batch=1, progress=stop_after_two)
    assert count_stale() == total - 2
    assert reindex(batch=3).rows == total - 2 and count_stale() == 0


def test_every_blind_index_column_is_listed():
    """A model field holding a blind index (named *_index, 64 characters) is moved by reindex."""
    listed = {f"{m._meta.label}.{m._meta.get_field(c).name}" for m, c in _columns()}
    found = {
        f"{m._meta.label}.{f.name}"
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if isinstance(f, models.CharField) and f.name.endswith("_index") and f.max_length == 64
    }
    assert found and found == listed == set(settings.SBK_BLIND_INDEX_COLUMNS)


def _columns():
    return [(m, next(f.name for f in m._meta.fields if f.column == c)) for m, c in index_columns()]
