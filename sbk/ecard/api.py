"""The e-card check for counters (/api/ecard)."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from . import services

router = Router(tags=["电子社保卡"])


class VerifyIn(Schema):
    token: str


class EcardOut(Schema):
    status: str
    status_label: str
    name: str
    id_masked: str
    card_no: str
    signed_up_on: dt.date


@router.post("/verify", response=EcardOut)
def verify(request, payload: VerifyIn):
    """核验电子社保卡: the token read from the holder's QR code (a read, audited)."""
    ecard = services.verify_qr(payload.token, acting_user=request.auth)
    return ecard_out(ecard)


def ecard_out(ecard) -> dict:
    return {
        "status": ecard.status,
        "status_label": ecard.status_label,
        "name": ecard.person.name,
        "id_masked": ecard.person.id_masked,
        "card_no": ecard.card.card_no,
        "signed_up_on": ecard.signed_up_on,
    }
