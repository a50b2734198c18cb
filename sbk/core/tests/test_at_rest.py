"""Proof: a copy of the database holds no ID number, phone, address or account in plain text.

SQLite: the test database is serialised byte for byte into a file (what a copied file
would hold) and read raw. PostgreSQL: ``pg_dump`` of the test database (committed data: a transactional test).
Names are not encrypted, so they serve as the control: the copy does hold the people.
"""

import os
import shutil
import sqlite3
import subprocess

import pytest
from django.db import connection

from sbk.core.reencrypt import encrypted_columns

from .helpers import postgres_only


@pytest.fixture
def no_photo_check(settings, tmp_path):
    settings.SBK_PHOTO_CHECK = False  # the photo checker is not what this test is about
    settings.MEDIA_ROOT = str(tmp_path / "media")


def load_people(world, n=12):
    from sbk.registry.services import change_person
    from sbk.testing import person

    people = [
        person(
            world.outlet_a if i % 2 else world.outlet_b,
            name=f"证明{i:02d}",
            phone=f"1375550{i:04d}",
            address=f"明文检查路{i}号{i * 7}室",
        )
        for i in range(n)
    ]
    change_person(
        people[0].pk,
        acting_user=world.operator_b,
        changes={"phone": "13655512345", "address": "变更后地址88号"},
        reason="测试",
    )
    load_card(world, people[1])
    return people


ACCOUNT = "6222021234567890128"


def load_card(world, person):
    """A card with a bank account (when the cards app is installed)."""
    from django.apps import apps

    if not apps.is_installed("sbk.cards"):
        return
    from sbk.cards import services
    from sbk.cards.tests.helpers import issued_card

    card = issued_card(world, person)
    services.activate_financial(card.pk, acting_user=world.bank_operator_a, account_no=ACCOUNT)


def secrets_in_database() -> set[str]:
    """Every encrypted value in every table, decrypted through the ORM."""
    values = set()
    for model, fields in encrypted_columns():
        for row in model.objects.values_list(*[f.name for f in fields]):
            values.update(v for v in row if v)
    return values


def assert_nothing_in_plain_text(blob: bytes, secrets: set[str], names: list[str]):
    for name in names:
        assert name.encode() in blob, f"control failed: {name} not in the copy"
    assert len(secrets) > 20
    from django.apps import apps

    if apps.is_installed("sbk.cards"):
        assert ACCOUNT in secrets
    leaked = [s for s in secrets if s.encode() in blob]
    assert not leaked, f"found in plain text: {leaked[:5]}"


@pytest.mark.django_db
def test_sqlite_file_reveals_nothing(world, tmp_path, no_photo_check):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only (the PostgreSQL variant reads pg_dump)")
    people = load_people(world)
    connection.ensure_connection()
    image = connection.connection.serialize()  # the bytes a file of this database would hold
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(image)
    check = sqlite3.connect(copy)  # it is a real database file, with the people in it
    assert check.execute("SELECT COUNT(*) FROM registry_person").fetchone()[0] >= len(people)
    check.close()
    assert_nothing_in_plain_text(copy.read_bytes(), secrets_in_database(), [p.name for p in people])


@postgres_only
@pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pg_dump_reveals_nothing(django_db_setup, no_photo_check):
    from sbk.testing import World

    world = World()
    people = load_people(world)
    db = connection.settings_dict
    cmd = ["pg_dump", "-h", db.get("HOST") or "127.0.0.1", "-U", db.get("USER") or "postgres"]
    if db.get("PORT"):
        cmd += ["-p", str(db["PORT"])]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    dump = subprocess.run(cmd + [db["NAME"]], capture_output=True, env=env, timeout=120)
    assert dump.returncode == 0, dump.stderr.decode()
    assert_nothing_in_plain_text(dump.stdout, secrets_in_database(), [p.name for p in people])
