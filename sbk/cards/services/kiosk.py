"""Instant issuance (现场制卡): the card made and handed over in one step.

- At a self-service kiosk (自助一体机): one action that starts, photographs, submits,
  produces and issues, through the application steps' own helpers.
- At a counter with a printer: a submitted application produced and issued at once, the
  holder waiting — so no "come and collect" SMS.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import NotFound, ServiceError
from sbk.orgs.models import OrgKind
from sbk.registry import lookup
from sbk.registry.models import Person

from .. import photo as photo_checker
from ..errors import CardErrorCode as E
from ..models import Card, Channel, PhotoSource
from .applications import _issue, _produce, _start, _submit, produce_action
from .common import (
    app_snapshot,
    card_snapshot,
    user_outlet,
)
from .photo_steps import attach_photo_to as _attach_photo

KIOSK_SOURCES = (PhotoSource.KIOSK, PhotoSource.ON_FILE, PhotoSource.COUNTER)


def _kiosk_outlet(acting_user):
    outlet = user_outlet(acting_user)
    if outlet is None or outlet.kind != OrgKind.KIOSK:
        raise ServiceError(E.BAD_OUTLET, "现场制卡只能由自助一体机办理", field="outlet")
    return outlet


def _holder(id_number: str) -> Person:
    found = Person.objects.filter(id_index__in=lookup.id_indexes(id_number or "")).first()
    if found is None:
        raise NotFound("持卡人")
    return found


def record_kiosk_photo(id_number: str, *, acting_user, photo: bytes):
    """Check and record a photo taken at the kiosk (重拍 included), in its own transaction:
    the attempt stays recorded, counted for the kiosk, even when the issuance it was taken
    for is then refused (a failing photo, an interception). Returns the photo check."""
    ensure(acting_user, Action.CARD_KIOSK_ISSUE)
    _kiosk_outlet(acting_user)
    if not photo:
        raise ServiceError(E.PHOTO_REQUIRED, "请拍摄照片", field="photo")
    person = _holder(id_number)
    verdict = photo_checker.check(photo, id_number=person.id_number, name=person.name)
    if verdict.verdict is None:
        return None  # no checker here: the photo goes with the application, unchecked
    # The photo capability is optional (sbk.cards.photo): imported where it is used.
    from sbk.photos.services import record_check

    with transaction.atomic():
        return record_check(
            acting_user=acting_user,
            data=photo,
            person=person,
            channel="kiosk",
            verdict=verdict.verdict,
            person_authorised=True,
            part_of=Action.CARD_KIOSK_ISSUE,  # the issuance's audit row names the check
        )


def kiosk_issue(
    id_number: str,
    *,
    acting_user,
    photo: bytes | None = None,
    photo_source: str = PhotoSource.KIOSK,
    photo_check=None,
    kind: str = "first",
    replace_reason: str = "",
    proxy: dict | None = None,
    account_no: str = "",
    face_confirmed: bool = False,
) -> Card:
    """Self-service kiosk instant issuance (自助一体机现场制卡): the photo, verification by
    the machine, production and issue at once (seed 002 §二(二)).

    The photo (``photo_source``): taken on the spot (``kiosk``: ``photo`` or a check already
    recorded by ``record_kiosk_photo``), the one on file (``on_file``, re-checked under the
    current rules), or the one a counter collected for this application's holder
    (``counter``: their latest passing counter photo). A photo taken here is recorded first,
    in its own transaction, so a refused issuance still counts the attempt (called inside a
    caller's transaction, it shares that transaction's fate).

    The holder is found by the document read at the machine (blind index), not by the
    kiosk's organisation scope: presenting the document is what authorises the service.
    That is why only a kiosk's own account may call it: a counter clerk who could type any
    number would otherwise reach every person in the province.
    """
    if photo_source not in KIOSK_SOURCES:
        raise ServiceError(E.PHOTO_SOURCE, f"照片来源“{photo_source}”无效", field="photo_source")
    if photo_source == PhotoSource.KIOSK and photo_check is None:
        photo_check = record_kiosk_photo(id_number, acting_user=acting_user, photo=photo or b"")
    return _kiosk_issue(
        id_number,
        acting_user=acting_user,
        photo=photo,
        photo_source=photo_source,
        photo_check=photo_check,
        kind=kind,
        replace_reason=replace_reason,
        proxy=proxy,
        account_no=account_no,
        face_confirmed=face_confirmed,
    )


@actions.atomic
def _kiosk_issue(
    id_number,
    *,
    acting_user,
    photo,
    photo_source,
    photo_check,
    kind,
    replace_reason,
    proxy,
    account_no,
    face_confirmed,
) -> Card:
    ensure(acting_user, Action.CARD_KIOSK_ISSUE)
    outlet = _kiosk_outlet(acting_user)
    found = _holder(id_number)
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
        app,
        person,
        acting_user=acting_user,
        data=photo,
        source=photo_source,
        use_on_file=photo_source == PhotoSource.ON_FILE,
        from_counter=photo_source == PhotoSource.COUNTER,
        recorded=photo_check,
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
            "photo_source": photo_source,
            "photo_check": check_id,
        },
        at=now,
    )
    return card


@actions.atomic
def produce_on_the_spot(
    app_id: int,
    *,
    acting_user,
    verified: bool,
    face_confirmed: bool = False,
    account_no: str = "",
    reason: str = "",
) -> Card:
    """On-the-spot production at a counter (窗口现场制卡): verify, produce and hand over in
    one step; the card ends in the holder's hand (issued), and no "ready" SMS is sent."""
    return produce_action(
        Action.CARD_PRODUCE_ON_THE_SPOT,
        app_id,
        acting_user=acting_user,
        verified=verified,
        face_confirmed=face_confirmed,
        account_no=account_no,
        reason=reason,
        hand_over=True,
    )
