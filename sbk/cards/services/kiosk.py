"""Self-service kiosk instant issuance (自助一体机现场制卡): one action that starts,
photographs, submits, produces and issues, through the application steps' own helpers."""

from __future__ import annotations

from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import NotFound, ServiceError
from sbk.orgs.models import OrgKind
from sbk.registry import lookup
from sbk.registry.models import Person

from ..errors import CardErrorCode as E
from ..models import Card, Channel, PhotoSource
from .applications import _attach_photo, _issue, _produce, _start, _submit
from .common import app_snapshot, card_snapshot, user_outlet


@actions.atomic
def kiosk_issue(
    id_number: str,
    *,
    acting_user,
    photo: bytes,
    kind: str = "first",
    replace_reason: str = "",
    proxy: dict | None = None,
    account_no: str = "",
    face_confirmed: bool = False,
) -> Card:
    """Self-service kiosk instant issuance (自助一体机现场制卡): a photo taken on the spot
    (even when one is on file), verification by the machine, production and issue at once.

    The holder is found by the document read at the machine (blind index), not by the
    kiosk's organisation scope: presenting the document is what authorises the service.
    That is why only a kiosk's own account may call it: a counter clerk who could type any
    number would otherwise reach every person in the province.
    """
    ensure(acting_user, Action.CARD_KIOSK_ISSUE)
    outlet = user_outlet(acting_user)
    if outlet is None or outlet.kind != OrgKind.KIOSK:
        raise ServiceError(E.BAD_OUTLET, "现场制卡只能由自助一体机办理", field="outlet")
    found = Person.objects.filter(id_index__in=lookup.id_indexes(id_number or "")).first()
    if found is None:
        raise NotFound("持卡人")
    person = Person.objects.select_for_update().select_related("org").get(pk=found.pk)
    now = timezone.now()
    app = _start(
        person,
        acting_user=acting_user,
        kind=kind,
        channel=int(Channel.KIOSK),
        outlet=outlet,
        replace_reason=replace_reason,
        proxy=proxy,
    )
    check_id = _attach_photo(
        app, person, acting_user=acting_user, data=photo, source=PhotoSource.KIOSK
    )
    _submit(app, now, save=False)
    card = _produce(
        app,
        person,
        acting_user=acting_user,
        verified=True,
        face_confirmed=face_confirmed,
        account_no=account_no,
        now=now,
        save=False,
    )
    app.save()
    old, _ = _issue(card, person, acting_user=acting_user, now=now, app=app)
    actions.record(
        Action.CARD_KIOSK_ISSUE,
        acting_user=acting_user,
        obj=card,
        before={"replaced": card_snapshot(old) if old else None},
        after={"application": app_snapshot(app), "card": card_snapshot(card)},
        channel=int(Channel.KIOSK),
        outlet=outlet,
        person=person,
        card=card,
        application=app,
        details={
            "card_no": card.card_no,
            "proxy": app.proxy,
            "kind": kind,
            "photo_check": check_id,
        },
        at=now,
    )
    return card
