"""Keys: start-up checks, authentication failures, encrypted files, rotation + re-encryption."""

import io
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sbk.core import files, keys
from sbk.core.crypto import DecryptionError, KeyRing
from sbk.core.models import AuditEntry, EncryptedFile
from sbk.core.reencrypt import ReencryptError, count_stale, encrypted_columns, reencrypt
from sbk.registry.models import Person, PersonChange
from sbk.registry.services import change_person

from .helpers import raw

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (48, 64), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def own_keys(settings, tmp_path):
    """A copy of the run's key file that this test may rotate."""
    path = tmp_path / "keys.json"
    shutil.copy(settings.SBK_KEYS_FILE, path)
    settings.SBK_KEYS_FILE = str(path)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return path


def test_missing_key_file_is_a_startup_error(settings, tmp_path):
    settings.SBK_KEYS_FILE = str(tmp_path / "none.json")
    errors = keys.check_key_file()
    assert [e.id for e in errors] == ["sbk.E001"]
    assert "密钥文件不存在" in errors[0].msg


def test_wrong_key_file_is_a_startup_error(world, settings, tmp_path):
    assert keys.check_keys_match_data() == []
    other = tmp_path / "other.json"
    KeyRing.generate().save(other)
    settings.SBK_KEYS_FILE = str(other)
    errors = keys.check_keys_match_data()
    assert [e.id for e in errors] == ["sbk.E002"]
    assert "不匹配" in errors[0].msg


def test_a_value_that_fails_authentication_is_an_error_not_garbage(world):
    person = world.person_a
    token = Person.objects.filter(pk=person.pk).values_list("id_index", flat=True).get()
    assert token  # the blind index is plain hex, the number is not
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM registry_person WHERE id = %s", [person.pk])
        stored = cur.fetchone()[0]
    flipped = stored[:-4] + ("AAAA" if stored[-4:] != "AAAA" else "BBBB")
    raw("UPDATE registry_person SET id_number = %s WHERE id = %s", [flipped, person.pk])
    with pytest.raises(DecryptionError, match="认证失败"):
        Person.objects.get(pk=person.pk)
    # A ciphertext moved to another column does not open either (context is bound).
    raw("UPDATE registry_person SET phone = %s WHERE id = %s", [stored, world.person_b.pk])
    with pytest.raises(DecryptionError):
        Person.objects.get(pk=world.person_b.pk)


def test_encrypted_file_round_trip_and_unreadable_without_key(own_keys):
    from PIL import Image, UnidentifiedImageError

    data = png_bytes()
    row = files.save_encrypted("photos/p1.png", data, "test.photo")
    on_disk = files.absolute("photos/p1.png").read_bytes()
    assert not on_disk.startswith(b"\x89PNG") and data not in on_disk
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(on_disk))
    assert files.read_encrypted("photos/p1.png") == data
    assert files.read_encrypted("photos/p1.png", "test.photo") == data
    with pytest.raises(DecryptionError):
        files.read_encrypted("photos/p1.png", "other.context")
    assert row.key_id == keys.ring().current and row.size == len(data)
    with pytest.raises(DecryptionError):
        KeyRing.generate().decrypt_bytes(on_disk, "test.photo")
    for bad in ("/etc/passwd", "../x.png", "a/../../x"):
        with pytest.raises(ValueError):
            files.save_encrypted(bad, b"x", "c")
    files.delete_encrypted("photos/p1.png")
    assert not EncryptedFile.objects.exists()


def test_encrypted_columns_are_discovered():
    found = {f.crypto_context for _, fs in encrypted_columns() for f in fs}
    assert {
        "registry.person.id_number",
        "registry.person.phone",
        "registry.person.address",
    } <= found
    assert "registry.personchange.old_secret" in found


def _tokens():
    out = []
    for model, fields in encrypted_columns():
        cols = ", ".join(f.column for f in fields)
        with connection.cursor() as cur:
            cur.execute(f"SELECT {cols} FROM {model._meta.db_table}")
            out += [t for row in cur.fetchall() for t in row if t]
    return out


def test_rotation_then_reencrypt_leaves_everything_readable(world, own_keys):
    change_person(
        world.person_a.pk,
        acting_user=world.operator_a,
        changes={"phone": "13800001111", "address": "新地址 9 号"},
        reason="测试",
    )
    files.save_encrypted("photos/a.png", png_bytes(), "test.photo")
    before = {p.pk: (p.id_number, p.phone, p.address) for p in Person.objects.all()}
    secrets = sorted((c.old_secret, c.new_secret) for c in PersonChange.objects.all())
    old = keys.ring()
    new = old.rotated()
    new.save(own_keys, overwrite=True)
    assert keys.ring().current == new.current != old.current
    assert {KeyRing.key_id_of(t) for t in _tokens()} == {old.current}
    rows, nfiles = count_stale()
    assert rows >= 3 and nfiles == 1

    out = io.StringIO()
    call_command("keys", "reencrypt", "--batch", "1", "--quiet", stdout=out)
    assert "完成" in out.getvalue()
    assert {KeyRing.key_id_of(t) for t in _tokens()} == {new.current}
    assert count_stale() == (0, 0)
    assert EncryptedFile.objects.get().key_id == new.current
    # Readable with a ring that no longer holds the old key at all.
    only_new = KeyRing({new.current: new.keys[new.current]}, new.current, new.index_key)
    only_new.save(own_keys, overwrite=True)
    assert {p.pk: (p.id_number, p.phone, p.address) for p in Person.objects.all()} == before
    assert sorted((c.old_secret, c.new_secret) for c in PersonChange.objects.all()) == secrets
    assert files.read_encrypted("photos/a.png") == png_bytes()
    assert AuditEntry.objects.filter(action="keys.reencrypt").count() == 1
    # Running again is a no-op (resumable: only values under an old key are touched).
    out = io.StringIO()
    call_command("keys", "reencrypt", "--quiet", stdout=out)
    assert "无需重新加密" in out.getvalue()


def test_reencrypt_resumes_after_an_interruption(world, own_keys):
    for _ in range(4):
        from sbk.testing import person

        person(world.outlet_a)
    keys.ring().rotated().save(own_keys, overwrite=True)
    total, _ = count_stale()
    seen = []

    def stop_after_two(n):
        seen.append(n)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reencrypt(batch=1, progress=stop_after_two)
    left, _ = count_stale()
    assert left == total - 2
    report = reencrypt(batch=2)
    assert report.rows == left and count_stale() == (0, 0)


def test_reencrypt_names_a_value_it_cannot_open(world, own_keys):
    keys.ring().rotated().save(own_keys, overwrite=True)
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM registry_person WHERE id = %s", [world.person_b.pk])
        stored = cur.fetchone()[0]
    raw(
        "UPDATE registry_person SET id_number = %s WHERE id = %s",
        [stored[:-4] + "AAAA", world.person_b.pk],
    )
    with pytest.raises(ReencryptError, match=f"主键 {world.person_b.pk}"):
        reencrypt()
    with pytest.raises(CommandError, match="decrypt_failed"):
        call_command("keys", "reencrypt", "--quiet")


def test_console_and_api_show_a_clear_error_for_a_tampered_value(client, world):
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM registry_person WHERE id = %s", [world.person_a.pk])
        stored = cur.fetchone()[0]
    raw(
        "UPDATE registry_person SET id_number = %s WHERE id = %s",
        [stored[:-4] + ("AAAA" if stored[-4:] != "AAAA" else "BBBB"), world.person_a.pk],
    )
    client.force_login(world.operator_a)
    page = client.get(f"/people/{world.person_a.pk}/")
    assert page.status_code == 500 and "decrypt_failed" in page.content.decode()
    api = client.get(f"/api/registry/persons/{world.person_a.pk}")
    assert api.status_code == 500 and api.json()["code"] == "decrypt_failed"
