"""The applicant's API (/api/portal): register, own data, online application.

Everything but ``POST /register`` and ``POST /register/confirm`` needs an applicant's
session or token; staff are refused (403) and use the card API instead. Registration is two
calls: the details (a code goes to the phone), then the code (the account is created).
"""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status

from sbk.cards.schemas import ApplicationOut, CardOut, app_out, card_out
from sbk.cards.schemas import decode_photo as _photo
from sbk.core import idempotency
from sbk.core.api_types import Int64
from sbk.core.errors import NotFound

from . import queries, registration, services

router = Router(tags=["申请人网上服务"])


class RegisterIn(Schema):
    name: str
    id_number: str
    phone: str
    password: str
    outlet_code: str = ""
    category: str = "resident"


class ChallengeOut(Schema):
    challenge: str
    phone_masked: str
    expires_at: dt.datetime
    message: str


class ConfirmIn(Schema):
    challenge: str
    code: str


class PersonOut(Schema):
    name: str
    doc_type: str
    id_masked: str
    phone_masked: str
    category: str
    status: str


class MeOut(Schema):
    username: str
    person: PersonOut
    can_apply: bool


class ApplyIn(Schema):
    outlet_code: str = ""
    photo_base64: str = ""
    use_photo_on_file: bool = False
    studio_photo: bool = False  # no photo now: the outlet's designated studio uploads it


class NotificationOut(Schema):
    id: int
    kind: str
    phone_masked: str
    text: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


def _me(user) -> dict:
    person = services.own_person(user)
    return {
        "username": user.username,
        "person": {
            "name": person.name,
            "doc_type": person.doc_type,
            "id_masked": person.id_masked,
            "phone_masked": person.phone_masked,
            "category": person.category,
            "status": person.status,
        },
        "can_apply": services.online_kind(person) is not None,
    }


def _applicant(request):
    services.own_person(request.auth)  # refuses anyone but an applicant
    return request.auth


@router.post("/register", auth=None, response={202: ChallengeOut})
def register(request, payload: RegisterIn):
    """Step 1 of registration: a six-digit code is sent by SMS (to the phone on file for a
    person the registry knows). The answer is the same whatever the registry holds."""
    challenge = registration.start_registration(
        name=payload.name,
        id_number=payload.id_number,
        phone=payload.phone,
        password=payload.password,
        outlet_code=payload.outlet_code or None,
        category=payload.category,
    )
    return Status(202, _challenge(challenge))


@router.post("/register/confirm", auth=None, response={201: MeOut})
def confirm_register(request, payload: ConfirmIn):
    """Step 2: the code from the SMS; the account is created. Then sign in at /login/ with
    the document number."""
    user = registration.confirm_registration(token=payload.challenge, code=payload.code)
    return Status(201, _me(user))


def _challenge(challenge) -> dict:
    return {
        "challenge": challenge.token,
        "phone_masked": challenge.phone_masked,
        "expires_at": challenge.expires_at,
        "message": registration.SENT,
    }


@router.get("/me", response=MeOut)
def me(request):
    return _me(_applicant(request))


@router.get("/applications", response=list[ApplicationOut])
def applications(request):
    user = _applicant(request)
    return [app_out(a) for a in queries.my_applications(user).select_related("intake_org")[:100]]


@router.get("/applications/{app_id}", response=ApplicationOut)
def application(request, app_id: Int64):
    found = queries.my_application(_applicant(request), app_id)
    if found is None:
        raise NotFound("制卡申请")
    return app_out(found)


@router.post("/applications", response={201: ApplicationOut})
def apply(request, payload: ApplyIn):
    """Online application in one call: start (or continue the draft), photo, submit.

    Answers 201 with the application: ``status`` "submitted" when done (the SMS is in the
    outbox), "awaiting_photo" with ``studio_photo`` (the outlet's studio uploads the photo),
    "draft" when the photo failed the check (``photo_ok`` false, the reasons in
    ``photo_note``); post again with another photo to continue that draft.
    """
    user = _applicant(request)

    def act():
        app = services.apply_online(
            acting_user=user,
            outlet_code=payload.outlet_code,
            photo=_photo(payload.photo_base64),
            use_on_file=payload.use_photo_on_file,
            studio_photo=payload.studio_photo,
        )
        found = queries.my_application(user, app.pk)
        return 201, ApplicationOut(**app_out(found)).model_dump(mode="json")

    return Status(*idempotency.run(request, payload.model_dump(mode="json"), act))


@router.get("/cards", response=list[CardOut])
def cards(request):
    return [card_out(c) for c in queries.my_cards(_applicant(request))[:50]]


@router.get("/notifications", response=list[NotificationOut])
def notifications(request):
    rows = queries.my_notifications(_applicant(request))[:100]
    return [
        {
            "id": n.pk,
            "kind": n.kind,
            "phone_masked": n.phone_masked,
            "text": n.text,
            "status": n.status,
            "created_at": n.created_at,
            "sent_at": n.sent_at,
        }
        for n in rows
    ]
