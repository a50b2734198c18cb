"""Login, throttling, session expiry, watermark."""

import pytest
from django.conf import settings

from sbk.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_and_console_pages(client, world):
    resp = client.post("/login/", {"username": "op_a", "password": PASSWORD})
    assert resp.status_code == 302
    page = client.get("/")
    assert page.status_code == 200 and "工作台" in page.content.decode()
    assert 'data-testid="watermark"' in page.content.decode()
    assert "op_a" in page.content.decode()


def test_anonymous_is_sent_to_login(client, world):
    assert client.get("/people/").status_code == 302
    assert client.get("/api/registry/persons").status_code == 401


def test_login_is_throttled_after_repeated_failures(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "op_a", "password": "wrong"})
    resp = client.post("/login/", {"username": "op_a", "password": PASSWORD})
    assert resp.status_code == 429
    assert "锁定" in resp.content.decode()


def test_idle_session_ends(client, world, settings):
    client.post("/login/", {"username": "op_a", "password": PASSWORD})
    assert client.get("/people/").status_code == 200
    session = client.session
    session["sbk_last_seen"] = session["sbk_last_seen"] - settings.SBK_IDLE_TIMEOUT - 5
    session.save()
    assert client.get("/people/").status_code == 302


def test_sessions_expire():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_show_full_is_logged(client, world):
    from sbk.core.models import AccessLog

    client.force_login(world.operator_a)
    resp = client.post(f"/people/{world.person_a.pk}/reveal/", {"purpose": "咨询"})
    assert world.person_a.id_number in resp.content.decode()
    assert AccessLog.objects.filter(object_id=str(world.person_a.pk), username="op_a").count() == 1
    page = client.get(f"/people/{world.person_a.pk}/").content.decode()
    assert world.person_a.id_number not in page and world.person_a.id_masked in page


def test_bearer_token_calls_create_no_session(client, world):
    from django.contrib.sessions.models import Session

    from sbk.accounts.models import ApiToken

    raw = "tok-" + "c" * 40
    ApiToken.objects.create(user=world.admin_a, name="t", digest=ApiToken.digest_of(raw))
    before = Session.objects.count()
    for _ in range(3):
        resp = client.get("/api/orgs", headers={"Authorization": f"Bearer {raw}"})
        assert resp.status_code == 200
        assert "sessionid" not in resp.cookies
    assert Session.objects.count() == before
    token = ApiToken.objects.get(name="t")
    assert token.last_used_at is not None
