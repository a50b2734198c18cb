"""Creating and changing organisations (one action, one transaction, one audit row).

The tree is kept as a materialised ``path``; moving an organisation (a new parent or a new
code) rewrites the paths of everything below it in the same transaction, so scope never
reads a stale path. The Django admin goes through these functions too.
"""

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import ServiceError
from sbk.divisions.models import Division
from sbk.idcard.text import is_mobile, mask_phone, normalise

from .errors import OrgErrorCode as E
from .models import Organisation, OrgKind

PARENT_KINDS = {
    OrgKind.CENTRE: set(),
    OrgKind.CITY: {OrgKind.CENTRE},
    OrgKind.DISTRICT: {OrgKind.CENTRE, OrgKind.CITY},
    OrgKind.BANK: {OrgKind.CENTRE},
    OrgKind.COMMUNITY_OUTLET: {OrgKind.DISTRICT},
    OrgKind.BANK_OUTLET: {OrgKind.DISTRICT},
    OrgKind.KIOSK: {OrgKind.DISTRICT, OrgKind.CITY, OrgKind.CENTRE},
    OrgKind.SERVICE_CENTRE: {OrgKind.DISTRICT, OrgKind.CITY, OrgKind.CENTRE},
}


def _snapshot(o: Organisation) -> dict:
    return {
        "code": o.code,
        "name": o.name,
        "kind": o.kind,
        "parent": o.parent.code if o.parent_id else None,
        "bank": o.bank.code if o.bank_id else None,
        "division_code": o.division_code,
        "active": o.active,
        "duty_phone": o.duty_phone_masked,  # masked: the audit trail never holds the number
    }


def _policy_ensure(acting_user, action, obj=None):
    # accounts sits above orgs (its users belong to organisations): asked at call time.
    from sbk.accounts.policy import ensure

    ensure(acting_user, action, obj)


def set_duty_phone(org: Organisation, phone: str) -> None:
    """The duty mobile (值班手机), checked, with its masked form; empty clears it."""
    phone = normalise(phone)
    if phone and not is_mobile(phone):
        raise ServiceError(E.BAD_PHONE, "值班手机须为 11 位手机号码", field="duty_phone")
    org.duty_phone, org.duty_phone_masked = phone, mask_phone(phone) if phone else ""


def check_organisation(kind, parent, bank, division_code, *, code="", instance=None) -> None:
    """Every rule of an organisation's place in the tree (the admin form asks it too)."""
    _check(kind, parent, bank, division_code)
    taken = Organisation.objects.filter(code=code)
    if instance is not None:
        taken = taken.exclude(pk=instance.pk)
    if code and taken.exists():
        raise ServiceError(E.CODE_TAKEN, f"机构代码 {code} 已被使用", field="code")
    if instance is not None and parent is not None and parent.path.startswith(instance.path):
        raise ServiceError(E.CYCLE, "上级机构不能是本机构或其下级机构", field="parent")


def _check(kind, parent, bank, division_code) -> None:
    if kind not in OrgKind.values:
        raise ServiceError(E.BAD_KIND, f"机构类型 {kind} 无效", field="kind")
    allowed = PARENT_KINDS[OrgKind(kind)]
    if allowed and (parent is None or parent.kind not in allowed):
        names = "、".join(OrgKind(k).label for k in allowed)
        raise ServiceError(E.BAD_PARENT, f"{OrgKind(kind).label}的上级应为{names}", field="parent")
    if not allowed and parent is not None:
        raise ServiceError(E.BAD_PARENT, "卡中心不能有上级机构", field="parent")
    if kind == OrgKind.BANK_OUTLET and (bank is None or bank.kind != OrgKind.BANK):
        raise ServiceError(E.BANK_REQUIRED, "银行网点必须指定所属合作银行", field="bank")
    if not Division.objects.filter(code=division_code).exists():
        raise ServiceError(
            E.UNKNOWN_DIVISION, f"行政区划代码 {division_code} 不存在", field="division_code"
        )


@transaction.atomic
def create_organisation(
    *,
    acting_user,
    code: str,
    name: str,
    kind: str,
    division_code: str,
    parent: Organisation | None = None,
    bank: Organisation | None = None,
    address: str = "",
    duty_phone: str = "",
    reason: str = "",
) -> Organisation:
    _policy_ensure(acting_user, Action.ORG_CREATE, parent)
    _check(kind, parent, bank, division_code)
    if Organisation.objects.filter(code=code).exists():
        raise ServiceError(E.CODE_TAKEN, f"机构代码 {code} 已被使用", field="code")
    org = Organisation(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        bank=bank,
        division_code=division_code,
        address=address,
    )
    set_duty_phone(org, duty_phone)
    org.path = org.build_path()
    org.save()
    actions.record(
        Action.ORG_CREATE, acting_user=acting_user, obj=org, after=_snapshot(org), reason=reason
    )
    return org


EDITABLE = (
    "code", "name", "kind", "parent", "bank", "division_code", "address", "active", "duty_phone",
)  # fmt: skip


@transaction.atomic
def change_organisation(
    org_id: int, *, acting_user, changes: dict, reason: str = ""
) -> Organisation:
    """Change an organisation (修改机构); a new code or parent moves its whole subtree."""
    org = (
        Organisation.objects.select_for_update(of=("self",))
        .select_related("parent", "bank")
        .get(pk=org_id)
    )
    _policy_ensure(acting_user, Action.ORG_CHANGE, org)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ServiceError(E.FIELD_NOT_EDITABLE, f"不能修改字段：{'、'.join(sorted(unknown))}")
    before = _snapshot(org)
    old_path = org.path
    for name, value in changes.items():
        if name == "duty_phone":
            set_duty_phone(org, value or "")
        else:
            setattr(org, name, value)
    check_organisation(
        org.kind, org.parent, org.bank, org.division_code, code=org.code, instance=org
    )
    new_path = org.build_path()
    org.path = new_path
    org.save()
    if new_path != old_path:
        # Descendants keep their tail and take the new head, in one statement.
        Organisation.objects.filter(path__startswith=old_path).exclude(pk=org.pk).update(
            path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
        )
    after = _snapshot(org)
    if after == before:
        return org
    actions.record(
        Action.ORG_CHANGE,
        acting_user=acting_user,
        obj=org,
        before=before,
        after={**after, "moved_descendants": new_path != old_path},
        reason=reason,
    )
    return org
