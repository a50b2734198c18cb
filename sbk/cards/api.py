"""Card endpoints: translate HTTP to the card services, nothing more.

Every mutating endpoint goes through ``sbk.core.idempotency.run`` (Idempotency-Key).
"""

from __future__ import annotations

from ninja import Router, Status

from sbk.core import idempotency
from sbk.core.api_types import Int64
from sbk.core.errors import NotFound
from sbk.orgs.models import Organisation, OrgKind
from sbk.registry.api import PersonOut
from sbk.registry.queries import scoped_people

from . import services
from .models import Application, Card
from .queries import (
    applications_for,
    cards_for,
    overdue_applications,
    production_queue,
    transactions_for,
)
from .schemas import (
    ActivateIn,
    ApplicationIn,
    ApplicationOut,
    BankChangeIn,
    CancelIn,
    CardOut,
    ChangeIn,
    EnquiryIn,
    HistoryOut,
    KioskIn,
    LossIn,
    PhotoIn,
    ProduceIn,
    ReasonIn,
    SubmitIn,
    TransactionOut,
    TransferIn,
    app_out,
    card_out,
    decode_photo,
    txn_out,
)

router = Router(tags=["社保卡业务"])


def _page(qs, limit: int, offset: int):
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    return qs[offset : offset + limit]


def _json(schema, data):
    return schema(**data).model_dump(mode="json")


def _card(user, pk):
    return cards_for(user).get(pk=pk)


def _app(user, pk):
    return applications_for(user).get(pk=pk)


def _studio(code: str):
    if not code:
        return None
    org = Organisation.objects.filter(code=code).first()
    if org is None:
        raise NotFound("照相馆所属银行")
    return org


def _mutate(request, payload, act):
    return idempotency.run(request, payload.model_dump(mode="json"), act)


# ------------------------------------------------------------------------- applications
@router.get("/applications", response=list[ApplicationOut])
def list_applications(
    request,
    status: str = "",
    person_id: Int64 | None = None,
    limit: Int64 = 100,
    offset: Int64 = 0,
):
    qs = applications_for(request.auth).select_related("intake_org")
    if status:
        qs = qs.filter(status=status)
    if person_id:
        qs = qs.filter(person_id=person_id)
    return [app_out(a) for a in _page(qs, limit, offset)]


@router.get("/applications/{app_id}", response=ApplicationOut)
def get_application(request, app_id: Int64):
    try:
        return app_out(_app(request.auth, app_id))
    except Application.DoesNotExist:
        raise NotFound("制卡申请") from None


@router.post("/applications", response={201: ApplicationOut})
def create_application(request, payload: ApplicationIn):
    """Start an application; with a photo (or the one on file) and ``submit`` it is
    submitted in the same call (online one-step application)."""
    user = request.auth

    def act():
        app = services.start_application(
            payload.person_id,
            acting_user=user,
            kind=payload.kind,
            channel=payload.channel,
            outlet=payload.outlet_code or None,
            replace_reason=payload.replace_reason,
            proxy=payload.proxy.model_dump() if payload.proxy else None,
            reason=payload.reason,
            stated=payload.stated.model_dump() if payload.stated else None,
        )
        data = decode_photo(payload.photo_base64)
        if data or payload.use_photo_on_file:
            services.attach_photo(
                app.pk,
                acting_user=user,
                data=data,
                source=payload.photo_source,
                studio=_studio(payload.studio_code),
                use_on_file=payload.use_photo_on_file,
            )
        if payload.submit:
            services.submit_application(app.pk, acting_user=user)
        return 201, _json(ApplicationOut, app_out(_app(user, app.pk)))

    return Status(*_mutate(request, payload, act))


@router.post("/applications/{app_id}/photo", response=ApplicationOut)
def application_photo(request, app_id: Int64, payload: PhotoIn):
    user = request.auth

    def act():
        app = services.attach_photo(
            app_id,
            acting_user=user,
            data=decode_photo(payload.photo_base64),
            source=payload.photo_source,
            studio=_studio(payload.studio_code),
            use_on_file=payload.use_photo_on_file,
        )
        return 200, _json(ApplicationOut, app_out(_app(user, app.pk)))

    return _mutate(request, payload, act)[1]


@router.post("/applications/{app_id}/submit", response=ApplicationOut)
def submit_application(request, app_id: Int64, payload: SubmitIn):
    """Submit; with ``studio_code`` and no photo, the application waits for the designated
    studio's photo (status ``awaiting_photo``) and its clock starts when the photo comes."""
    user = request.auth

    def act():
        app = services.submit_application(
            app_id, acting_user=user, reason=payload.reason, studio=_studio(payload.studio_code)
        )
        return 200, _json(ApplicationOut, app_out(_app(user, app.pk)))

    return _mutate(request, payload, act)[1]


@router.post("/applications/{app_id}/reject", response=ApplicationOut)
def reject_application(request, app_id: Int64, payload: ReasonIn):
    user = request.auth

    def act():
        app = services.reject_application(app_id, acting_user=user, reason=payload.reason)
        return 200, _json(ApplicationOut, app_out(_app(user, app.pk)))

    return _mutate(request, payload, act)[1]


def _produce_endpoint(request, app_id, payload: ProduceIn, produce):
    user = request.auth

    def act():
        card = produce(
            app_id,
            acting_user=user,
            verified=payload.verified,
            face_confirmed=payload.face_confirmed,
            account_no=payload.account_no,
            reason=payload.reason,
        )
        return 201, _json(CardOut, card_out(card))  # loaded by the service: no re-read

    return Status(*_mutate(request, payload, act))


@router.post("/applications/{app_id}/produce", response={201: CardOut})
def produce_card(request, app_id: Int64, payload: ProduceIn):
    return _produce_endpoint(request, app_id, payload, services.produce_card)


@router.post("/applications/{app_id}/produce-on-the-spot", response={201: CardOut})
def produce_on_the_spot(request, app_id: Int64, payload: ProduceIn):
    """窗口现场制卡: produce and hand over at once (the card comes back issued; no SMS)."""
    return _produce_endpoint(request, app_id, payload, services.produce_on_the_spot)


@router.get("/queue", response=list[ApplicationOut])
def queue(request):
    """The production queue of the outlets in the caller's scope."""
    return [app_out(a) for a in production_queue(request.auth)[:500]]


@router.get("/overdue", response=list[ApplicationOut])
def overdue(request):
    return [app_out(a) for a in overdue_applications(request.auth)[:1000]]


# -------------------------------------------------------------------------------- cards
@router.get("/cards", response=list[CardOut])
def list_cards(
    request,
    person_id: Int64 | None = None,
    status: str = "",
    limit: Int64 = 100,
    offset: Int64 = 0,
):
    qs = cards_for(request.auth).select_related("replaces")
    if person_id:
        qs = qs.filter(person_id=person_id)
    if status:
        qs = qs.filter(status=status)
    return [card_out(c) for c in _page(qs, limit, offset)]


@router.get("/cards/{card_id}", response=CardOut)
def get_card(request, card_id: Int64):
    try:
        return card_out(_card(request.auth, card_id))
    except Card.DoesNotExist:
        raise NotFound("社保卡") from None


def _card_endpoint(request, payload, fn, **kwargs):
    user = request.auth

    def act():
        # The service returns the card it locked through the user's scope, with its holder,
        # organisation and bank: no re-read.
        card = fn(acting_user=user, **kwargs)
        return 200, _json(CardOut, card_out(card))

    return _mutate(request, payload, act)[1]


@router.post("/cards/{card_id}/issue", response=CardOut)
def issue_card(request, card_id: Int64, payload: ReasonIn):
    return _card_endpoint(
        request, payload, services.issue_card, card_id=card_id, reason=payload.reason
    )


@router.post("/cards/{card_id}/loss", response=CardOut)
def report_loss(request, card_id: Int64, payload: LossIn):
    return _card_endpoint(
        request,
        payload,
        services.report_loss,
        card_id=card_id,
        kind=payload.kind,
        channel=payload.channel,
        reason=payload.reason,
    )


@router.post("/cards/{card_id}/unlock-loss", response=CardOut)
def unlock_loss(request, card_id: Int64, payload: ReasonIn):
    return _card_endpoint(
        request,
        payload,
        services.unlock_loss,
        card_id=card_id,
        channel=payload.channel,
        reason=payload.reason,
    )


@router.post("/cards/{card_id}/activate", response=CardOut)
def activate_financial(request, card_id: Int64, payload: ActivateIn):
    return _card_endpoint(
        request,
        payload,
        services.activate_financial,
        card_id=card_id,
        account_no=payload.account_no,
        channel=payload.channel,
        reason=payload.reason,
    )


@router.post("/cards/{card_id}/change-bank", response=CardOut)
def change_bank(request, card_id: Int64, payload: BankChangeIn):
    """变更合作银行: the card's replacement will be made by this partner bank."""
    bank = Organisation.objects.filter(kind=OrgKind.BANK, code=payload.bank_code).first()
    return _card_endpoint(
        request, payload, services.change_bank, card_id=card_id, bank=bank, reason=payload.reason
    )


@router.post("/cards/{card_id}/change-pin", response=CardOut)
def change_pin(request, card_id: Int64, payload: ReasonIn):
    """修改社保功能密码: record that the holder set a new PIN at the PIN pad."""
    return _card_endpoint(
        request,
        payload,
        services.change_pin,
        card_id=card_id,
        channel=payload.channel,
        reason=payload.reason,
    )


@router.post("/cards/{card_id}/unlock-pin", response=CardOut)
def unlock_pin(request, card_id: Int64, payload: ReasonIn):
    return _card_endpoint(
        request,
        payload,
        services.unlock_pin,
        card_id=card_id,
        channel=payload.channel,
        reason=payload.reason,
    )


@router.post("/kiosk/issue", response={201: CardOut})
def kiosk_issue(request, payload: KioskIn):
    """自助一体机现场制卡. A photo taken now is checked and recorded first, in its own
    transaction, so that a refused issuance still counts the attempt (not on a retry)."""
    user = request.auth
    photo = decode_photo(payload.photo_base64) or b""
    check = None
    if payload.photo_source == "kiosk" and not idempotency.answered(request):
        check = services.record_kiosk_photo(payload.id_number, acting_user=user, photo=photo)

    def act():
        card = services.kiosk_issue(
            payload.id_number,
            acting_user=user,
            photo=photo,
            photo_source=payload.photo_source,
            photo_check=check,
            kind=payload.kind,
            replace_reason=payload.replace_reason,
            proxy=payload.proxy.model_dump() if payload.proxy else None,
            account_no=payload.account_no,
        )
        return 201, _json(CardOut, card_out(_card(user, card.pk)))

    return Status(*_mutate(request, payload, act))


# ------------------------------------------------------------------------------ persons
def _person_endpoint(request, payload, fn, **kwargs):
    from sbk.registry.api import PersonOut

    user = request.auth

    def act():
        person = fn(acting_user=user, **kwargs)
        return 200, PersonOut.from_orm(person).model_dump(mode="json")

    return _mutate(request, payload, act)[1]


@router.post("/persons/{person_id}/change", response=PersonOut)
def change_info(request, person_id: Int64, payload: ChangeIn):
    return _person_endpoint(
        request,
        payload,
        services.change_info,
        person_id=person_id,
        changes=payload.changes,
        reason=payload.reason,
        channel=payload.channel,
    )


@router.post("/persons/{person_id}/cancel", response=PersonOut)
def cancel_person(request, person_id: Int64, payload: CancelIn):
    return _person_endpoint(
        request,
        payload,
        services.cancel_person,
        person_id=person_id,
        reason=payload.reason,
        cancelled_on=payload.cancelled_on,
        channel=payload.channel,
    )


@router.post("/persons/{person_id}/transfer", response=PersonOut)
def transfer(request, person_id: Int64, payload: TransferIn):
    return _person_endpoint(
        request,
        payload,
        services.transfer,
        person_id=person_id,
        kind=payload.kind,
        target_org=payload.target_org,
        destination=payload.destination,
        reason=payload.reason,
        channel=payload.channel,
    )


@router.get("/persons/{person_id}/history", response=HistoryOut)
def person_history(request, person_id: Int64):
    user = request.auth
    if not scoped_people(user).filter(pk=person_id).exists():
        raise NotFound("持卡人")
    return {
        "cards": [card_out(c) for c in cards_for(user).filter(person_id=person_id)],
        "applications": [
            app_out(a)
            for a in applications_for(user).filter(person_id=person_id).select_related("intake_org")
        ],
        "transactions": [
            txn_out(t) for t in transactions_for(user).filter(person_id=person_id)[:200]
        ],
    }


@router.post("/enquiries", response={201: TransactionOut})
def record_enquiry(request, payload: EnquiryIn):
    user = request.auth

    def act():
        txn = services.record_enquiry(
            acting_user=user,
            topic=payload.topic,
            person_id=payload.person_id,
            channel=payload.channel,
            answer=payload.answer,
        )
        return 201, _json(TransactionOut, txn_out(txn))

    return Status(*_mutate(request, payload, act))
