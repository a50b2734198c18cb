"""A city admin's API token only from a TOTP-verified session, and with a short life (issue 14 §2).

A bearer token stands in for a login without its second factor, so a role that must give a
TOTP code at every login (``SBK_TOTP_REQUIRED_ROLES``) gets a token only where that code was
just given: the console after the TOTP step, or ``sbk tokens create --totp CODE``.
"""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from sbk.accounts import services
from sbk.accounts.models import ApiToken
from sbk.core.actors import SYSTEM
from sbk.core.errors import Forbidden, ServiceError
from sbk.core.models import AuditEntry
from sbk.testing import login

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def run(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("tokens", *args, stdout=out, stderr=err)
    return out.getvalue().strip()


def test_service_refuses_a_city_admin_token_without_a_proved_second_factor(world):
    with pytest.raises(Forbidden) as exc:
        services.create_token(acting_user=world.city_admin, user=world.city_admin)
    assert exc.value.code == "token_needs_totp" and "动态口令" in exc.value.message
    with pytest.raises(Forbidden):  # the shell without a code is no better
        services.create_token(acting_user=SYSTEM, user=world.city_admin)
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action="token.create").exists()
    # Roles without the TOTP rule are unaffected.
    assert services.create_token(acting_user=world.operator_a, user=world.operator_a).token


def test_a_city_admin_token_lives_at_most_the_totp_maximum(world, settings):
    new = services.create_token(
        acting_user=world.city_admin, user=world.city_admin, second_factor=True
    )
    life = new.token.expires_at - timezone.now()
    assert dt.timedelta(days=29) < life <= dt.timedelta(days=30)  # default 30, not 90
    with pytest.raises(ServiceError) as exc:
        services.create_token(
            acting_user=world.city_admin, user=world.city_admin, days=31, second_factor=True
        )
    assert exc.value.code == "token_days" and "1–30" in exc.value.message
    settings.SBK_TOKEN_TOTP_MAX_DAYS = 7
    with pytest.raises(ServiceError):
        services.create_token(
            acting_user=world.city_admin, user=world.city_admin, days=8, second_factor=True
        )
    # The same setting does not shorten other roles' tokens.
    assert services.create_token(acting_user=world.operator_a, user=world.operator_a, days=200)


def test_console_gives_the_verified_city_admin_a_token_and_says_the_limit(client, world):
    login(client, world.city_admin)  # TOTP step done
    page = client.get("/account/tokens/").content.decode()
    assert "1–30 天" in page
    r = client.post("/account/tokens/", {"name": "nightly", "days": "30"})
    assert r.status_code == 200 and "sbk_" in r.content.decode()
    assert ApiToken.objects.get().user == world.city_admin


def test_console_session_without_the_totp_step_gets_no_token(rf, world):
    """Even if a page forgot the gate, the service refuses: the view passes the session's
    verified state, here false."""
    from sbk.accounts import views

    request = rf.post("/account/tokens/", {"name": "x", "days": "5"})
    request.user = world.city_admin
    request.user.is_verified = lambda: False
    request.session = {}
    request._dont_enforce_csrf_checks = True
    response = views.tokens.__wrapped__.__wrapped__(request)  # past login + gate decorators
    assert "动态口令" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_shell_needs_the_city_admins_current_code(world):
    device = TOTPDevice.objects.create(user=world.city_admin, name="phone", confirmed=True)
    with pytest.raises(CommandError, match="token_needs_totp"):
        run("create", "city")
    raw = run("create", "city", "--totp", code_for(device), "--days", "10")
    assert ApiToken.objects.get(digest=ApiToken.digest_of(raw)).user == world.city_admin
    # A code is accepted once (django-otp remembers its time step): a replay is refused.
    with pytest.raises(CommandError, match="token_needs_totp"):
        run("create", "city", "--totp", code_for(device))
    with pytest.raises(CommandError, match="token_needs_totp"):  # a wrong code
        run("create", "city", "--totp", "000000" if code_for(device) != "000000" else "111111")
    assert ApiToken.objects.count() == 1
