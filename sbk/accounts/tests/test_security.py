"""Passwords (rules, expiry, history), idle sessions, TOTP required per role."""

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from sbk.accounts import services
from sbk.accounts.models import PasswordHistory, User
from sbk.core.errors import ServiceError
from sbk.core.models import AuditEntry
from sbk.testing import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return (
        f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"
    )


def login(client, username, password=PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def test_password_rules(world):
    for bad in ("Short1!", "alllowercase1", "ALLUPPER-ONLY"):
        with pytest.raises(ServiceError):
            services.change_password(
                acting_user=world.operator_a,
                user=world.operator_a,
                old_password=PASSWORD,
                new_password=bad,
            )
    services.change_password(
        acting_user=world.operator_a,
        user=world.operator_a,
        old_password=PASSWORD,
        new_password="Better-pass-77",
    )
    assert AuditEntry.objects.filter(action="staff.password_change").count() == 1


def test_last_n_passwords_are_not_reused(world, settings):
    settings.SBK_PASSWORD_HISTORY = 3
    user = world.operator_a
    used = [PASSWORD, "Second-pass-1", "Third-pass-22", "Fourth-pass-333"]
    old = PASSWORD
    for new in used[1:]:
        services.change_password(acting_user=user, user=user, old_password=old, new_password=new)
        old = new
    assert PasswordHistory.objects.filter(user=user).count() == 3
    for recent in used[1:]:  # the current one and the two before it
        with pytest.raises(ServiceError) as exc:
            services.change_password(
                acting_user=user, user=user, old_password=old, new_password=recent
            )
        assert exc.value.code == "password_reused"
    # The oldest fell out of the last 3 and may be used again.
    services.change_password(acting_user=user, user=user, old_password=old, new_password=PASSWORD)


def test_expired_password_forces_the_change_page(client, world, settings):
    User.objects.filter(pk=world.operator_a.pk).update(
        password_changed_at=timezone.now()
        - dt.timedelta(days=settings.SBK_PASSWORD_MAX_AGE_DAYS + 1)
    )
    assert login(client, "op_a").status_code == 302
    resp = client.get("/people/")
    assert resp.status_code == 302 and resp["Location"].startswith("/account/password/")
    assert client.get("/api/registry/persons").json()["code"] == "password_expired"
    page = client.get(resp["Location"])
    assert 'data-testid="password-expired"' in page.content.decode()
    same = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password": PASSWORD, "new_password2": PASSWORD},
    )
    assert same.status_code == 200 and "最近" in same.content.decode()
    done = client.post(
        "/account/password/?next=/people/",
        {
            "old_password": PASSWORD,
            "new_password": "Renewed-pass-9",
            "new_password2": "Renewed-pass-9",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/people/"
    assert client.get("/people/").status_code == 200  # still signed in, no longer expired


def test_idle_session_ends_and_says_so(client, world, settings):
    login(client, "op_a")
    assert client.get("/people/").status_code == 200
    session = client.session
    session["sbk_last_seen"] -= settings.SBK_IDLE_TIMEOUT + 5
    session.save()
    resp = client.get("/people/")
    assert resp.status_code == 302 and "/login/" in resp["Location"]
    assert "长时间未操作" in client.get("/login/").content.decode()


def test_other_roles_log_in_without_totp(client, world):
    assert login(client, "op_a").status_code == 302
    assert client.get("/people/").status_code == 200


def test_city_admin_enrols_at_first_login_then_needs_codes(client, world):
    assert login(client, "city").status_code == 302
    resp = client.get("/people/")
    assert resp.status_code == 302 and resp["Location"].startswith("/account/otp/")
    assert client.get("/api/registry/persons").json()["code"] == "otp_required"
    resp = client.get(resp["Location"])
    assert resp.status_code == 302 and resp["Location"].startswith("/account/otp/enrol/")
    page = client.get(resp["Location"]).content.decode()
    assert "otpauth://totp/" in page and "<svg" in page
    device = TOTPDevice.objects.get(user=world.city_admin, confirmed=False)
    wrong = client.post("/account/otp/enrol/", {"token": "000000"})
    assert wrong.status_code == 200 and "不正确" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post("/account/otp/enrol/?next=/people/", {"token": code_for(device)})
    assert ok.status_code == 302 and ok["Location"] == "/people/"
    assert client.get("/people/").status_code == 200
    assert AuditEntry.objects.filter(action="staff.totp_enrol").count() == 1

    # Next login: the code is asked for, and a wrong one is refused.
    client.post("/logout/")
    login(client, "city")
    resp = client.get("/people/")
    assert resp["Location"].startswith("/account/otp/?")
    assert client.get("/account/otp/enrol/").status_code == 302  # no second device
    bad = client.post("/account/otp/", {"token": "123456"})
    assert bad.status_code == 200 and client.get("/people/").status_code == 302
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.last_t = -1
    device.save()
    good = client.post("/account/otp/?next=/people/", {"token": code_for(device)})
    assert good.status_code == 302 and client.get("/people/").status_code == 200


def test_totp_roles_are_configurable(client, world, settings):
    settings.SBK_TOTP_REQUIRED_ROLES = ["outlet_operator"]
    login(client, "op_a")
    assert client.get("/people/").status_code == 302
    client.post("/logout/")
    login(client, "city")
    assert client.get("/people/").status_code == 200


def test_staff_creation_follows_the_policy(world):
    from sbk.accounts.models import Role
    from sbk.core.errors import Forbidden

    args = {"password": "Zx9!long-enough-pw", "role": Role.OUTLET_OPERATOR}
    with pytest.raises(Forbidden):  # an operator creates no accounts
        services.create_staff(
            acting_user=world.operator_a, username="n1", org=world.outlet_a, **args
        )
    with pytest.raises(Forbidden):  # nor a district administrator outside the district
        services.create_staff(acting_user=world.admin_a, username="n2", org=world.outlet_b, **args)
    assert not User.objects.filter(username__in=["n1", "n2"]).exists()
    made = services.create_staff(
        acting_user=world.admin_a, username="n3", org=world.outlet_a, **args
    )
    entry = AuditEntry.objects.get(action="staff.create", object_id=str(made.pk))
    assert entry.actor_username == "admin_a" and entry.after["org"] == world.outlet_a.code
    with pytest.raises(ServiceError) as exc:
        services.create_staff(acting_user=world.admin_a, username="n3", org=world.outlet_a, **args)
    assert exc.value.code == "username_taken"
