"""Registry endpoints: translate HTTP to the registry services, nothing more.

Search by a whole document number goes in a body: ``POST /persons/search`` with
``{"q": ...}``. ``GET /persons?q=`` answers names and partial numbers and refuses a whole
number (400 ``number_in_query``): a URL is written to the access logs of the server and
of every proxy on the way (issue 23).
"""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from sbk.core import idempotency
from sbk.core.api_types import Int64, Pagination
from sbk.core.errors import NotFound, ServiceError
from sbk.orgs.models import Organisation
from sbk.orgs.scope import visible_orgs

from . import services
from .errors import RegistryErrorCode
from .models import PersonChange
from .queries import refuse_number_in_query, scoped_people, search_people

router = Router(tags=["持卡库"])


class PersonOut(Schema):
    id: int
    name: str
    doc_type: str
    id_masked: str
    gender: str
    birth_date: dt.date
    nationality: str
    phone_masked: str
    residence_division: str
    category: str
    category_note: str
    org_code: str
    status: str
    name_printable: bool

    @staticmethod
    def resolve_org_code(obj):
        # A person, or the stored answer an idempotent replay (and the first answer) returns.
        org = getattr(obj, "org", None)
        return org.code if org is not None else getattr(obj, "org_code", "")


class PersonIn(Schema):
    name: str
    id_number: str
    doc_type: str = ""
    gender: str = ""
    birth_date: str = ""
    nationality: str = ""
    phone: str = ""
    address: str = ""
    residence_division: str = ""
    category: str
    category_note: str = ""
    org_code: str = ""
    reason: str = ""


class PersonChangeIn(Schema):
    changes: dict
    reason: str
    channel: Int64 | None = None  # 1–10; default: the channel of the clerk's organisation


class SearchIn(Schema):
    q: str = ""


class RevealIn(Schema):
    purpose: str


class RevealOut(Schema):
    id_number: str
    phone: str
    address: str


class ChangeOut(Schema):
    at: dt.datetime
    field: str
    old_value: str
    new_value: str
    reason: str
    actor: str | None

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.username if obj.actor_id else None


@router.get("/persons", response=list[PersonOut])
@paginate(Pagination)
def list_persons(request, q: str = ""):
    """People in scope, by name or partial number; a whole number: ``POST /persons/search``."""
    refuse_number_in_query(q)
    return search_people(request.auth, q)


@router.post("/persons/search", response=list[PersonOut])
@paginate(Pagination)
def search_persons(request, payload: SearchIn):
    """Search by name or number, whole or partial, with the text in the body. Reads only."""
    return search_people(request.auth, payload.q)


@router.get("/persons/{person_id}", response=PersonOut)
def get_person(request, person_id: Int64):
    return get_object_or_404(scoped_people(request.auth), pk=person_id)


def _org_for(user, code: str) -> Organisation:
    if not code:
        if user.org is None:
            raise ServiceError(
                RegistryErrorCode.ORG_REQUIRED, "请指定经办机构 org_code", field="org_code"
            )
        return user.org
    org = visible_orgs(user).filter(code=code).first()
    if org is None:
        raise NotFound("经办机构")
    return org


def _run(request, body, act):
    """``idempotency.run``; a ``registered_elsewhere`` refusal keeps its access-log row,
    which the request's rolled-back transaction took with it."""
    try:
        return idempotency.run(request, body, act)
    except services.RegisteredElsewhere as exc:
        exc.record_lookup()
        raise


@router.post("/persons", response={201: PersonOut, 200: PersonOut})
def create_person(request, payload: PersonIn):
    user = request.auth
    data = payload.model_dump()
    reason = data.pop("reason")
    org = _org_for(user, data.pop("org_code"))

    def act():
        person = services.create_person(
            acting_user=user, org=org, data=data, reason=reason, access_channel="api"
        )
        return 201, PersonOut.from_orm(person).model_dump(mode="json")

    return Status(*_run(request, payload.model_dump(), act))


@router.patch("/persons/{person_id}", response=PersonOut)
def change_person(request, person_id: Int64, payload: PersonChangeIn):
    user = request.auth

    def act():
        person = services.change_person(
            person_id,
            acting_user=user,
            changes=payload.changes,
            reason=payload.reason,
            channel=payload.channel,
            access_channel="api",
        )
        return 200, PersonOut.from_orm(person).model_dump(mode="json")

    return _run(request, payload.model_dump(), act)[1]


@router.post("/persons/{person_id}/reveal", response=RevealOut)
def reveal_person(request, person_id: Int64, payload: RevealIn):
    """Full document number, phone and address. Every call writes an access-log row."""
    return services.reveal_person(
        person_id, acting_user=request.auth, purpose=payload.purpose, channel="api"
    )


@router.get("/persons/{person_id}/changes", response=list[ChangeOut])
def person_changes(request, person_id: Int64):
    person = get_object_or_404(scoped_people(request.auth), pk=person_id)
    return list(PersonChange.objects.filter(person=person).select_related("actor"))
