"""Creating and changing organisations (one action, one transaction, one audit row)."""

from django.db import transaction

from sbk.core import audit
from sbk.core.errors import ServiceError
from sbk.divisions.models import Division

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
    }


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
    reason: str = "",
) -> Organisation:
    if kind not in OrgKind.values:
        raise ServiceError("org_kind", f"机构类型 {kind} 无效", field="kind")
    allowed = PARENT_KINDS[OrgKind(kind)]
    if allowed and (parent is None or parent.kind not in allowed):
        names = "、".join(OrgKind(k).label for k in allowed)
        raise ServiceError("org_parent", f"{OrgKind(kind).label}的上级应为{names}", field="parent")
    if not allowed and parent is not None:
        raise ServiceError("org_parent", "卡中心不能有上级机构", field="parent")
    if kind == OrgKind.BANK_OUTLET and (bank is None or bank.kind != OrgKind.BANK):
        raise ServiceError("org_bank", "银行网点必须指定所属合作银行", field="bank")
    if not Division.objects.filter(code=division_code).exists():
        raise ServiceError(
            "division", f"行政区划代码 {division_code} 不存在", field="division_code"
        )
    if Organisation.objects.filter(code=code).exists():
        raise ServiceError("org_code_taken", f"机构代码 {code} 已被使用", field="code")
    org = Organisation(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        bank=bank,
        division_code=division_code,
        address=address,
    )
    org.path = org.build_path()
    org.save()
    audit.record(
        acting_user=acting_user, action="org.create", obj=org, after=_snapshot(org), reason=reason
    )
    return org
