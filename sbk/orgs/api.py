from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from .scope import visible_orgs

router = Router(tags=["机构"])


class OrgOut(Schema):
    code: str
    name: str
    kind: str
    division_code: str
    parent: str | None
    bank: str | None
    active: bool

    @staticmethod
    def resolve_parent(obj):
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_bank(obj):
        return obj.bank.code if obj.bank_id else None


@router.get("", response=list[OrgOut])
def list_orgs(request, kind: str = ""):
    qs = visible_orgs(request.auth).select_related("parent", "bank")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs)


@router.get("/{code}", response=OrgOut)
def get_org(request, code: str):
    return get_object_or_404(visible_orgs(request.auth).select_related("parent", "bank"), code=code)
