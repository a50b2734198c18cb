"""Creating staff accounts."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sbk.core import audit
from sbk.core.errors import Problem, ServiceError
from sbk.orgs.models import OrgKind

from .models import Role, User

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
    if role not in Role.values:
        raise ServiceError("role", f"角色 {role} 无效", field="role")
    if org.kind not in ROLE_ORG_KINDS[Role(role)]:
        raise ServiceError(
            "role_org", f"{Role(role).label}不能属于{org.get_kind_display()}", field="org"
        )
    if User.objects.filter(username=username).exists():
        raise ServiceError("username_taken", f"用户名 {username} 已存在", field="username")
    user = User(username=username, role=role, org=org, full_name=full_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError.from_problems(
            [Problem(e.code or "password", list(e)[0], "password") for e in exc.error_list]
        ) from None
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    audit.record(
        acting_user=acting_user,
        action="staff.create",
        obj=user,
        after={"username": username, "role": role, "org": org.code},
    )
    return user


@transaction.atomic
def change_password(*, acting_user, user: User, old_password: str, new_password: str) -> User:
    """A user changes their own password: old one checked, rules and history applied."""
    if acting_user is None or acting_user.pk != user.pk:
        raise ServiceError("forbidden", "只能修改自己的密码")
    if not user.check_password(old_password):
        raise ServiceError("old_password", "原密码不正确", field="old_password")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ServiceError.from_problems(
            [Problem(e.code or "password", list(e)[0], "new_password") for e in exc.error_list]
        ) from None
    user.set_password(new_password)
    user.save()
    audit.record(acting_user=acting_user, action="staff.password_change", obj=user)
    return user


@transaction.atomic
def confirm_totp(*, acting_user, device, token: str) -> bool:
    """Confirm a new TOTP device with a first valid code (enrolment)."""
    if device.user_id != acting_user.pk:
        raise ServiceError("forbidden", "只能绑定自己的动态口令设备")
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(
        acting_user=acting_user,
        action="staff.totp_enrol",
        obj=acting_user,
        after={"device": device.pk},
    )
    return True
