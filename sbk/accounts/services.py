"""Creating staff accounts."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import Problem, ServiceError
from sbk.orgs.models import OrgKind

from .errors import AccountErrorCode as E
from .models import Role, User
from .policy import ensure

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
    *, acting_user, username: str, password: str, role: str, org, full_name: str = ""
) -> User:
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
    user.save()
    actions.record(Action.STAFF_PASSWORD_CHANGE, acting_user=acting_user, obj=user)
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
