"""Staff accounts (creation, password, second factor, deactivation) and API tokens."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from sbk.core import actions
from sbk.core.actors import is_system
from sbk.core.catalogue import Action
from sbk.core.errors import Conflict, Forbidden, NotFound, Problem, ServiceError
from sbk.orgs.models import OrgKind

from .errors import AccountErrorCode as E
from .models import ApiToken, Role, User, token_days, token_max_days_for
from .policy import CITY, DISTRICT, SYSTEM, can, ensure, role_of


class TokenErrorCode(StrEnum):
    """Codes of the token and deactivation services. (The refusals of a token at the API's
    door, ``token_expired`` / ``token_revoked`` / ``account_inactive``, are
    ``ApiToken.refusal``'s.)"""

    TOKEN_DAYS = "token_days"  # a life outside 1..SBK_TOKEN_MAX_DAYS days
    TOKEN_NAME = "token_name"  # a name longer than 64 characters
    TOKEN_USER = "token_user"  # an applicant or a deactivated account gets no token
    TOKEN_ALREADY_REVOKED = "token_already_revoked"
    # A token for a user whose role needs a second factor (the city admin) is created only
    # where that second factor was just proved: a TOTP-verified console session, or a
    # current TOTP code given to ``sbk tokens create --totp``.
    TOKEN_NEEDS_TOTP = "token_needs_totp"
    ALREADY_INACTIVE = "already_inactive"


T = TokenErrorCode
# Who may act on another user's tokens (within scope); anyone else only on their own.
CREATE_FOR_OTHERS = frozenset({CITY, SYSTEM})
REVOKE_FOR_OTHERS = frozenset({CITY, DISTRICT, SYSTEM})

ROLE_ORG_KINDS = {
    Role.CITY_ADMIN: {OrgKind.CENTRE, OrgKind.CITY},
    Role.DISTRICT_ADMIN: {OrgKind.DISTRICT},
    Role.OUTLET_OPERATOR: {
        OrgKind.COMMUNITY_OUTLET,
        OrgKind.KIOSK,
        OrgKind.SERVICE_CENTRE,
        OrgKind.BANK_OUTLET,
    },
    Role.BANK_OPERATOR: {OrgKind.BANK, OrgKind.BANK_OUTLET},
    Role.AUDITOR: {OrgKind.CENTRE, OrgKind.CITY, OrgKind.DISTRICT},
}


@transaction.atomic
def create_staff(
    *,
    acting_user,
    username: str,
    password: str,
    role: str,
    org,
    full_name: str = "",
    password_hash: str = "",
) -> User:
    """A staff account. ``password_hash``: ``make_password(password)`` done by the caller,
    for the demo, whose accounts share one published password (hashed once, not 44 times
    at ~0.4 s each); the password rules still apply to ``password``."""
    ensure(acting_user, Action.STAFF_CREATE, org)
    if role not in Role.values:
        raise ServiceError(E.ROLE, f"角色 {role} 无效", field="role")
    if org.kind not in ROLE_ORG_KINDS[Role(role)]:
        raise ServiceError(
            E.ROLE_ORG, f"{Role(role).label}不能属于{org.get_kind_display()}", field="org"
        )
    if User.objects.filter(username=username).exists():
        raise ServiceError(E.USERNAME_TAKEN, f"用户名 {username} 已存在", field="username")
    user = User(username=username, role=role, org=org, full_name=full_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError.from_problems(
            [Problem(e.code or E.PASSWORD, list(e)[0], "password") for e in exc.error_list]
        ) from None
    if password_hash:
        user.password = password_hash  # the caller hashed ``password`` itself
    else:
        user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    actions.record(
        Action.STAFF_CREATE,
        acting_user=acting_user,
        obj=user,
        after={"username": username, "role": role, "org": org.code},
    )
    return user


@transaction.atomic
def change_password(*, acting_user, user: User, old_password: str, new_password: str) -> User:
    """A user changes their own password: old one checked, rules and history applied."""
    ensure(acting_user, Action.STAFF_PASSWORD_CHANGE)
    if acting_user.pk != user.pk:
        raise ServiceError(E.FORBIDDEN, "只能修改自己的密码")
    if not user.check_password(old_password):
        raise ServiceError(E.OLD_PASSWORD, "原密码不正确", field="old_password")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ServiceError.from_problems(
            [Problem(e.code or E.PASSWORD, list(e)[0], "new_password") for e in exc.error_list]
        ) from None
    user.set_password(new_password)
    user.save()  # revokes the user's API tokens (User.save)
    revoked = user.revoked_token_ids
    actions.record(
        Action.STAFF_PASSWORD_CHANGE,
        acting_user=acting_user,
        obj=user,
        after={"tokens_revoked": revoked} if revoked else None,
    )
    return user


@transaction.atomic
def confirm_totp(*, acting_user, device, token: str) -> bool:
    """Confirm a new TOTP device with a first valid code (enrolment)."""
    ensure(acting_user, Action.STAFF_TOTP_ENROL)
    if device.user_id != acting_user.pk:
        raise ServiceError(E.FORBIDDEN, "只能绑定自己的动态口令设备")
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    actions.record(
        Action.STAFF_TOTP_ENROL,
        acting_user=acting_user,
        obj=acting_user,
        after={"device": device.pk},
    )
    return True


@transaction.atomic
def deactivate_user(*, acting_user, user: User, reason: str = "") -> User:
    """Deactivate an account (it can no longer sign in); its API tokens are revoked."""
    ensure(acting_user, Action.STAFF_DEACTIVATE, user)
    if not is_system(acting_user) and acting_user.pk == user.pk:
        raise ServiceError(E.FORBIDDEN, "不能停用自己的账号")
    if not user.is_active:
        raise Conflict(T.ALREADY_INACTIVE, f"账号 {user.username} 已停用")
    user.is_active = False
    user.save(update_fields=["is_active"])  # revokes the user's API tokens (User.save)
    actions.record(
        Action.STAFF_DEACTIVATE,
        acting_user=acting_user,
        obj=user,
        before={"is_active": True},
        after={"is_active": False, "tokens_revoked": user.revoked_token_ids},
        reason=reason,
    )
    return user


# ------------------------------------------------------------------------- API tokens
@dataclass(frozen=True)
class NewToken:
    """A token just created and its raw value, which is shown once and stored nowhere."""

    token: ApiToken
    raw: str


def _is_own(acting_user, user) -> bool:
    return not is_system(acting_user) and acting_user.pk == user.pk


@transaction.atomic
def create_token(
    *,
    acting_user,
    user: User,
    name: str = "",
    days: int | None = None,
    second_factor: bool = False,
) -> NewToken:
    """A bearer token for ``user``, living ``days`` days (default SBK_TOKEN_DAYS).

    Staff create their own; a city admin (or the operator's shell) may create one for a
    staff member in scope. Only the token's SHA-256 is kept.

    A token stands in for a login without its second factor, so for a user whose role
    requires TOTP (``SBK_TOTP_REQUIRED_ROLES``, the city admin by default) it is created
    only when ``second_factor`` says the caller has just proved one (a TOTP-verified
    session, or a code checked by the shell), and it lives at most
    ``SBK_TOKEN_TOTP_MAX_DAYS`` days.
    """
    ensure(acting_user, Action.TOKEN_CREATE)
    if not _is_own(acting_user, user):
        if role_of(acting_user) not in CREATE_FOR_OTHERS:
            raise Forbidden("只能为自己创建 API 令牌")
        ensure(acting_user, Action.TOKEN_CREATE, user)
    if user.is_applicant:
        raise ServiceError(T.TOKEN_USER, "申请人账户不能使用 API 令牌")
    if not user.is_active:
        raise ServiceError(T.TOKEN_USER, f"账号 {user.username} 已停用，不能创建 API 令牌")
    if user.totp_required and not second_factor:
        raise Forbidden(
            f"账号 {user.username} 的角色须动态口令验证：其 API 令牌只能在已通过动态口令"
            "（TOTP）验证的会话中创建",
            code=T.TOKEN_NEEDS_TOTP,
        )
    name = (name or "").strip() or "api"
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ServiceError(T.TOKEN_NAME, "令牌名称不能超过 64 个字符", field="name")
    longest = token_max_days_for(user)
    days = min(token_days(), longest) if days is None else days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= longest:
        raise ServiceError(T.TOKEN_DAYS, f"有效期应为 1–{longest} 天", field="days")
    raw = ApiToken.new_raw()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        digest=ApiToken.digest_of(raw),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    actions.record(
        Action.TOKEN_CREATE,
        acting_user=acting_user,
        obj=token,
        after={
            "user": user.username,
            "name": name,
            "expires_at": token.expires_at.isoformat(timespec="seconds"),
        },
    )
    return NewToken(token, raw)


def totp_code_valid(user: User, code: str) -> bool:
    """Whether ``code`` is a current TOTP code of one of ``user``'s confirmed devices (each
    code is accepted once: django-otp remembers the last time step used)."""
    code = (code or "").strip()
    return any(device.verify_token(code) for device in TOTPDevice.objects.devices_for_user(user))


@transaction.atomic
def revoke_token(token_id: int, *, acting_user, reason: str = "") -> ApiToken:
    """Revoke a token: one's own, or (a city or district admin, or the shell) the token of
    a user in scope. Another's token outside that does not exist for the caller (404)."""
    ensure(acting_user, Action.TOKEN_REVOKE)
    token = ApiToken.objects.select_related("user", "user__org").filter(pk=token_id).first()
    if token is None:
        raise NotFound("API 令牌")
    own = _is_own(acting_user, token.user)
    if not own and (
        role_of(acting_user) not in REVOKE_FOR_OTHERS
        or not can(acting_user, Action.TOKEN_REVOKE, token.user)
    ):
        raise NotFound("API 令牌")
    why = ApiToken.Revoked.OWNER if own else ApiToken.Revoked.ADMIN
    now = timezone.now()
    done = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=why
    )
    if not done:
        raise Conflict(T.TOKEN_ALREADY_REVOKED, f"API 令牌 {token.name} 已吊销")
    token.revoked_at, token.revoked_reason = now, why
    actions.record(
        Action.TOKEN_REVOKE,
        acting_user=acting_user,
        obj=token,
        before={"revoked_at": None},
        after={"user": token.user.username, "name": token.name, "reason": why.value},
        reason=reason,
    )
    return token
