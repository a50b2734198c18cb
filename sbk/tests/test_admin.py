import pytest

from sbk.accounts.models import User

pytestmark = pytest.mark.django_db


def test_admin_shows_people_masked_and_read_only(client, world):
    root = User.objects.create_superuser("root", password="Root-pass-2026")
    client.force_login(root)
    listing = client.get("/admin/registry/person/").content.decode()
    assert world.person_a.id_masked in listing and world.person_a.id_number not in listing
    page = client.get(f"/admin/registry/person/{world.person_a.pk}/change/")
    assert page.status_code == 200
    assert world.person_a.id_number not in page.content.decode()
    assert world.person_a.phone not in page.content.decode()
    assert client.get("/admin/orgs/organisation/").status_code == 200
    assert client.get("/admin/divisions/division/?q=612501").status_code == 200
