"""API tokens (issue 23): issued by `sbk tokens create` and the console page, every one
expiring, revoked by a password change or a deactivation, refused at the API's door with a
code of its own, its last use shown."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sbk.accounts import services
from sbk.accounts.models import ApiToken, Role, User
from sbk.core.actors import SYSTEM
from sbk.core.api_auth import TokenAuth, TokenRefused
from sbk.core.errors import Conflict, Forbidden, NotFound, ServiceError
from sbk.core.models import AuditEntry
from sbk.testing import PASSWORD, login

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def new_token(user, acting_user=None, **kw):
    return services.create_token(acting_user=acting_user or user, user=user, **kw)


# ------------------------------------------------------------------ at the API's door
def test_a_new_token_works_and_expires_after_the_default_90_days(client, world):
    new = new_token(world.operator_a)
    assert client.get("/api/orgs", headers=bearer(new.raw)).status_code == 200
    life = new.token.expires_at - timezone.now()
    assert dt.timedelta(days=89, hours=23) < life <= dt.timedelta(days=90)
    # Code that creates rows directly gets the same default.
    direct = ApiToken.objects.create(user=world.operator_a, name="d", digest="0" * 64)
    assert abs(direct.expires_at - new.token.expires_at) < dt.timedelta(minutes=1)


def test_the_default_life_is_a_setting(world, settings):
    settings.SBK_TOKEN_DAYS = 7
    token = new_token(world.operator_a).token
    assert token.expires_at - timezone.now() <= dt.timedelta(days=7)


def test_only_the_digest_is_stored_and_the_raw_token_nowhere(world):
    new = new_token(world.operator_a, name="nightly")
    assert new.raw.startswith("sbk_") and len(new.raw) > 40
    row = ApiToken.objects.get(pk=new.token.pk)
    assert row.digest == ApiToken.digest_of(new.raw) and new.raw not in str(row.__dict__)
    entry = AuditEntry.objects.get(action="token.create")
    assert entry.actor_username == "op_a" and entry.object_id == str(row.pk)
    assert new.raw not in str(entry.after) and row.digest not in str(entry.after)
    assert entry.after["name"] == "nightly" and entry.after["user"] == "op_a"


@pytest.mark.parametrize(
    "spoil, code",
    [
        (
            lambda t: ApiToken.objects.filter(pk=t.pk).update(expires_at=timezone.now()),
            "token_expired",
        ),
        (
            lambda t: ApiToken.objects.filter(pk=t.pk).update(
                revoked_at=timezone.now(), revoked_reason="owner"
            ),
            "token_revoked",
        ),
        # Deactivated by an UPDATE that no code saw: refused all the same.
        (lambda t: User.objects.filter(pk=t.user_id).update(is_active=False), "account_inactive"),
    ],
    ids=["expired", "revoked", "inactive"],
)
def test_a_token_that_may_not_be_used_is_refused_with_its_code(client, world, spoil, code):
    new = new_token(world.operator_a)
    spoil(new.token)
    r = client.get("/api/orgs", headers=bearer(new.raw))
    assert r.status_code == 401, r.content
    assert r.json()["code"] == code and r.json()["message"]
    post = client.post(
        "/api/cards/applications",
        {"person_id": 1},
        content_type="application/json",
        headers=bearer(new.raw),
    )
    assert post.status_code == 401 and post.json()["code"] == code


def test_an_unknown_token_is_unauthenticated(client, world):
    r = client.get("/api/orgs", headers=bearer("sbk_not-a-token"))
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


def test_the_token_check_costs_one_statement_and_last_use_a_second_once_a_minute(world):
    new = new_token(world.operator_a)
    auth, rf = TokenAuth(), RequestFactory()
    with CaptureQueriesContext(connection) as first:
        assert auth.authenticate(rf.get("/api/orgs"), new.raw) == world.operator_a
    with CaptureQueriesContext(connection) as steady:
        assert auth.authenticate(rf.get("/api/orgs"), new.raw) == world.operator_a
    assert len(first) == 2 and len(steady) == 1, [q["sql"] for q in first.captured_queries]
    ApiToken.objects.filter(pk=new.token.pk).update(expires_at=timezone.now())
    with CaptureQueriesContext(connection) as refused, pytest.raises(TokenRefused):
        auth.authenticate(rf.get("/api/orgs"), new.raw)
    assert len(refused) == 1
    token = ApiToken.objects.get(pk=new.token.pk)
    assert token.last_used_at is not None


# ------------------------------------------------------------------ revoked by the platform
def test_a_password_change_revokes_the_users_tokens(client, world):
    mine, other = new_token(world.operator_a), new_token(world.operator_b)
    services.change_password(
        acting_user=world.operator_a,
        user=world.operator_a,
        old_password=PASSWORD,
        new_password="Fresh-pass-2027!",
    )
    r = client.get("/api/orgs", headers=bearer(mine.raw))
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"
    assert client.get("/api/orgs", headers=bearer(other.raw)).status_code == 200
    token = ApiToken.objects.get(pk=mine.token.pk)
    assert token.revoked_reason == ApiToken.Revoked.PASSWORD and token.revoked_at
    entry = AuditEntry.objects.get(action="staff.password_change")
    assert entry.after == {"tokens_revoked": [mine.token.pk]}
    assert not AuditEntry.objects.filter(action="token.revoke").exists()  # part of the change


def test_any_password_set_revokes_but_a_hash_upgrade_at_login_does_not(world, settings):
    """`sbk changepassword`, the admin and any other path set_password()+save()."""
    new = new_token(world.operator_a)
    # Django rehashes at login when the preferred hasher changed: not a new password.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    user = User.objects.get(pk=world.operator_a.pk)
    assert user.check_password(PASSWORD)
    assert user.password.startswith("pbkdf2_")  # upgraded and saved
    assert ApiToken.objects.get(pk=new.token.pk).revoked_at is None
    user.set_password("Shell-set-2027!")
    user.save()
    assert ApiToken.objects.get(pk=new.token.pk).revoked_reason == ApiToken.Revoked.PASSWORD
    assert user.revoked_token_ids == [new.token.pk]


def test_deactivation_revokes_the_users_tokens(client, world):
    new = new_token(world.operator_a)
    services.deactivate_user(acting_user=world.admin_a, user=world.operator_a, reason="离职")
    r = client.get("/api/orgs", headers=bearer(new.raw))
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"
    token = ApiToken.objects.get(pk=new.token.pk)
    assert token.revoked_reason == ApiToken.Revoked.DEACTIVATED
    entry = AuditEntry.objects.get(action="staff.deactivate")
    assert entry.after == {"is_active": False, "tokens_revoked": [new.token.pk]}
    with pytest.raises(Conflict):
        services.deactivate_user(acting_user=world.admin_a, user=world.operator_a)


def test_deactivation_rules(world):
    with pytest.raises(Forbidden):  # another district's clerk
        services.deactivate_user(acting_user=world.admin_a, user=world.operator_b)
    with pytest.raises(ServiceError):  # never one's own account
        services.deactivate_user(acting_user=world.admin_a, user=world.admin_a)
    with pytest.raises(Forbidden):  # an outlet clerk deactivates nobody
        services.deactivate_user(acting_user=world.operator_a, user=world.bank_operator_a)


def test_saving_an_inactive_account_revokes_its_tokens(world):
    """Deactivation by any path that saves the user (the Django admin's change form)."""
    new = new_token(world.operator_a)
    user = User.objects.get(pk=world.operator_a.pk)
    user.is_active = False
    user.save()
    assert ApiToken.objects.get(pk=new.token.pk).revoked_reason == ApiToken.Revoked.DEACTIVATED


# ------------------------------------------------------------------ who may create and revoke
def test_days_are_bounded(world):
    for days in (0, -1, 366, True):
        with pytest.raises(ServiceError) as exc:
            new_token(world.operator_a, days=days)
        assert exc.value.code == "token_days" and exc.value.field == "days"
    assert new_token(world.operator_a, days=365).token
    assert new_token(world.operator_a, days=1).token
    with pytest.raises(ServiceError) as exc:
        new_token(world.operator_a, name="x" * 65)
    assert exc.value.code == "token_name"


def test_who_may_create_a_token_for_whom(world):
    with pytest.raises(Forbidden):  # a clerk, for a colleague
        new_token(world.bank_operator_a, acting_user=world.operator_a)
    with pytest.raises(Forbidden):  # a district admin, for its own clerk: city admins only
        new_token(world.operator_a, acting_user=world.admin_a)
    assert new_token(world.operator_b, acting_user=world.city_admin).token.user == world.operator_b
    assert new_token(world.operator_b, acting_user=SYSTEM).token.user == world.operator_b
    assert new_token(world.auditor).token  # the auditor's scripts read
    applicant = User(username="app1", role=Role.APPLICANT, person=world.person_a)
    applicant.set_password(PASSWORD)
    applicant.save()
    with pytest.raises(Forbidden):
        new_token(applicant)
    with pytest.raises(ServiceError) as exc:  # nor does the shell give one to an applicant
        new_token(applicant, acting_user=SYSTEM)
    assert exc.value.code == "token_user"
    User.objects.filter(pk=world.operator_a.pk).update(is_active=False)
    with pytest.raises(ServiceError) as exc:
        new_token(User.objects.get(pk=world.operator_a.pk), acting_user=SYSTEM)
    assert exc.value.code == "token_user"


def test_who_may_revoke_whose_token(world):
    a, b = new_token(world.operator_a).token, new_token(world.operator_b).token
    with pytest.raises(NotFound):  # a colleague's token does not exist for a clerk
        services.revoke_token(a.pk, acting_user=world.bank_operator_a)
    with pytest.raises(NotFound):  # nor another district's for a district admin
        services.revoke_token(b.pk, acting_user=world.admin_a)
    with pytest.raises(NotFound):
        services.revoke_token(10**9, acting_user=world.operator_a)
    done = services.revoke_token(a.pk, acting_user=world.admin_a, reason="泄露")
    assert done.revoked_reason == ApiToken.Revoked.ADMIN
    with pytest.raises(Conflict) as exc:
        services.revoke_token(a.pk, acting_user=world.operator_a)
    assert exc.value.code == "token_already_revoked"
    own = services.revoke_token(b.pk, acting_user=world.operator_b)
    assert own.revoked_reason == ApiToken.Revoked.OWNER
    entries = AuditEntry.objects.filter(action="token.revoke").order_by("seq")
    assert [(e.actor_username, e.reason) for e in entries] == [("admin_a", "泄露"), ("op_b", "")]


# ------------------------------------------------------------------ the console page
def test_the_page_lists_ones_own_tokens_and_writes_nothing(client, world):
    mine = new_token(world.operator_a, name="日报脚本")
    new_token(world.operator_b, name="别人的脚本")
    client.get("/api/orgs", headers=bearer(mine.raw))  # used once: "last used" is shown
    used = ApiToken.objects.get(pk=mine.token.pk).last_used_at
    client.force_login(world.operator_a)
    before = (AuditEntry.objects.count(), list(ApiToken.objects.values()))
    page = client.get("/account/tokens/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "我的 API 令牌" in html and "日报脚本" in html and "别人的脚本" not in html
    assert timezone.localtime(used).strftime("%Y-%m-%d %H:%M") in html
    assert timezone.localtime(mine.token.expires_at).strftime("%Y-%m-%d %H:%M") in html
    assert "有效" in html and mine.raw not in html and mine.token.digest not in html
    assert (AuditEntry.objects.count(), list(ApiToken.objects.values())) == before


def test_create_on_the_page_shows_the_raw_token_once(client, world):
    client.force_login(world.operator_a)
    r = client.post("/account/tokens/", {"name": "导出脚本", "days": "30"})
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=world.operator_a, name="导出脚本")
    raw = r.context["raw"]
    assert 'data-testid="raw-token"' in r.content.decode() and raw in r.content.decode()
    assert token.digest == ApiToken.digest_of(raw)
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert raw not in client.get("/account/tokens/").content.decode()  # never again
    assert client.get("/api/orgs", headers=bearer(raw)).status_code == 200
    bad = client.post("/account/tokens/", {"name": "x", "days": "400"})
    assert bad.status_code == 200 and "raw" not in bad.context
    assert ApiToken.objects.filter(user=world.operator_a).count() == 1


def test_revoke_on_the_page_is_a_post_with_csrf(world):
    mine = new_token(world.operator_a)
    theirs = new_token(world.operator_b)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.operator_a)
    page = client.get("/account/tokens/")
    csrf = page.cookies["csrftoken"].value
    assert client.get("/account/tokens/revoke/").status_code == 405
    no_csrf = client.post("/account/tokens/revoke/", {"token_id": mine.token.pk})
    assert no_csrf.status_code == 403
    assert ApiToken.objects.get(pk=mine.token.pk).revoked_at is None
    r = client.post(
        "/account/tokens/revoke/", {"token_id": mine.token.pk, "csrfmiddlewaretoken": csrf}
    )
    assert r.status_code == 302 and r["Location"] == "/account/tokens/"
    assert ApiToken.objects.get(pk=mine.token.pk).revoked_reason == ApiToken.Revoked.OWNER
    assert "已吊销" in client.get("/account/tokens/").content.decode()
    # Someone else's token, even one an admin could revoke elsewhere: not on this page.
    for other in (theirs.token.pk, "x", "9" * 30):
        client.post("/account/tokens/revoke/", {"token_id": other, "csrfmiddlewaretoken": csrf})
    assert ApiToken.objects.get(pk=theirs.token.pk).revoked_at is None


def test_the_page_keeps_the_security_gate(client, world, settings):
    # A city admin who has not given the TOTP code gets no token.
    client.force_login(world.city_admin)
    r = client.get("/account/tokens/")
    assert r.status_code == 302 and r["Location"].startswith("/account/otp/")
    assert client.post("/account/tokens/", {"name": "x", "days": "5"}).status_code == 302
    assert not ApiToken.objects.exists()
    login(client, world.city_admin)
    assert client.get("/account/tokens/").status_code == 200
    # An expired password first.
    User.objects.filter(pk=world.operator_a.pk).update(
        password_changed_at=timezone.now()
        - dt.timedelta(days=settings.SBK_PASSWORD_MAX_AGE_DAYS + 1)
    )
    client.force_login(world.operator_a)
    r = client.get("/account/tokens/")
    assert r.status_code == 302 and r["Location"].startswith("/account/password/")
    # Applicants have no tokens.
    applicant = User(username="app2", role=Role.APPLICANT, person=world.person_a)
    applicant.set_password(PASSWORD)
    applicant.save()
    client.force_login(applicant)
    assert client.get("/account/tokens/")["Location"] == "/portal/"
    assert client.post("/account/tokens/", {"name": "x", "days": "5"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_anonymous_is_sent_to_login(client, world):
    r = client.get("/account/tokens/")
    assert r.status_code == 302 and "/login/" in r["Location"]


# ------------------------------------------------------------------ sbk tokens
def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("tokens", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_sbk_tokens_create_prints_the_token_once(client, world):
    out, err = run("create", "op_a", "--name", "nightly", "--days", "10")
    raw = out.strip()
    assert raw.startswith("sbk_") and "\n" not in raw and raw not in err
    assert "只显示这一次" in err
    token = ApiToken.objects.get(digest=ApiToken.digest_of(raw))
    assert token.user == world.operator_a and token.name == "nightly"
    assert dt.timedelta(days=9) < token.expires_at - timezone.now() <= dt.timedelta(days=10)
    assert AuditEntry.objects.get(action="token.create").actor_username == "system:system"
    assert client.get("/api/orgs", headers=bearer(raw)).status_code == 200

    listing, _ = run("list", "op_a")
    assert "nightly" in listing and "有效" in listing and raw not in listing
    assert '"state": "active"' in run("list", "--json")[0]
    out, _ = run("revoke", str(token.pk), "--reason", "轮换")
    assert "已吊销" in out
    assert client.get("/api/orgs", headers=bearer(raw)).json()["code"] == "token_revoked"
    assert "已吊销" in run("list")[0]


def test_sbk_tokens_refusals(world):
    with pytest.raises(CommandError, match="token_days"):
        run("create", "op_a", "--days", "0")
    with pytest.raises(CommandError, match="token_days"):
        run("create", "op_a", "--days", "366")
    with pytest.raises(CommandError, match="不存在"):
        run("create", "nobody")
    with pytest.raises(CommandError, match="not_found"):
        run("revoke", "12345")
    assert not ApiToken.objects.exists()
