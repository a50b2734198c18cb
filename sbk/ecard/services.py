"""The electronic card's only writer: made or moved when a card is produced, and its QR code.

``follow_card`` runs in the card's transition writer (``sbk.cards.transitions``), in the same
transaction as the production: the person's e-card is made (签发) at their first card and moves
to each new card. Its status is read off the card (``rules.status_for``), so a loss report or
a cancellation suspends or ends it without a write of its own.

The QR code shown to the holder encodes a signed, expiring token naming the e-card, never
the document number; a clerk's scan is checked here (``verify_qr``) and audited.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions, prepared
from sbk.core.catalogue import Action
from sbk.core.errors import NotFound, ServiceError

from .errors import EcardErrorCode as E
from .models import ElectronicCard

QR_SALT = "sbk.ecard.qr"


def qr_seconds() -> int:
    """How long a QR code shown in the portal stays valid (``SBK_ECARD_QR_SECONDS``, 300)."""
    return int(getattr(settings, "SBK_ECARD_QR_SECONDS", 300))


def follow_card(change) -> None:
    """Hook of the card's transition writer: a produced card carries the person's e-card."""
    if change.transition != "produce" or change.legacy:
        return
    card = change.card
    day = timezone.localdate(change.at)
    # One statement: made at the first card, moved (keeping its sign-up date) at each next.
    ecard = ElectronicCard(
        person_id=card.person_id,
        card=card,
        signed_up_on=day,
        card_since=day,
        updated_at=change.at,
    )
    prepared.insert(ecard, upsert=(("person",), ("card", "card_since", "updated_at")), defer=True)


def qr_token(ecard: ElectronicCard) -> str:
    return signing.dumps({"e": ecard.pk}, salt=QR_SALT)


def read_qr(token: str) -> ElectronicCard:
    """The e-card a scanned token names; refused when tampered with or expired."""
    try:
        data = signing.loads((token or "").strip(), salt=QR_SALT, max_age=qr_seconds())
    except signing.SignatureExpired:
        raise ServiceError(
            E.QR_EXPIRED, "二维码已过期，请持卡人刷新后重新出示", field="token"
        ) from None
    except signing.BadSignature:
        raise ServiceError(E.QR_INVALID, "不是有效的电子社保卡二维码", field="token") from None
    found = (
        ElectronicCard.objects.select_related("person", "card", "card__org")
        .filter(pk=data.get("e"))
        .first()
    )
    if found is None:
        raise NotFound("电子社保卡")
    return found


@actions.atomic
def verify_qr(token: str, *, acting_user) -> ElectronicCard:
    """核验电子社保卡: a clerk checks the code a holder shows (presenting it is the holder's
    consent, so any counter may check it); the check is audited."""
    ensure(acting_user, Action.ECARD_VERIFY)
    ecard = read_qr(token)
    actions.record(
        Action.ECARD_VERIFY,
        acting_user=acting_user,
        obj=ecard,
        after={
            "card_no": ecard.card.card_no,
            "status": ecard.status,
            "id_masked": ecard.person.id_masked,
        },
    )
    return ecard
