"""Request and response shapes of the card API (shared with the applicant portal)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from ninja import Schema

from sbk.core.api_types import Int64, IsoDate
from sbk.core.errors import ServiceError

from .errors import CardErrorCode
from .models import Application, Card


class CardOut(Schema):
    id: int
    card_no: str
    card_code: str
    version: str
    person_id: int
    person_name: str
    id_masked: str
    status: str
    status_label: str
    org_code: str
    bank_code: str | None
    account_masked: str
    produced_at: dt.datetime | None
    issued_on: dt.date | None
    expires_on: dt.date | None
    electronic: bool
    financial_activated_on: dt.date | None
    temp_loss_until: dt.datetime | None
    invalid_on: dt.date | None
    replaces_card_no: str | None


class ApplicationOut(Schema):
    id: int
    person_id: int
    person_name: str
    id_masked: str
    kind: str
    replace_reason: str
    channel: int
    outlet_code: str
    intake_code: str | None
    status: str
    photo_source: str
    photo_checked: bool
    photo_ok: bool | None
    photo_note: str
    proxy: bool
    agent_name: str
    agent_id_masked: str
    submitted_at: dt.datetime | None
    deadline: dt.date | None
    deadline_provisional: bool
    done_at: dt.datetime | None
    reject_reason: str
    card_id: int | None
    card_no: str | None
    interception: dict | None


class TransactionOut(Schema):
    id: int
    item: int
    item_label: str
    channel: int
    action: str
    outlet_code: str | None
    operator: str | None
    card_no: str | None
    at: dt.datetime
    outcome: str
    details: dict


class HistoryOut(Schema):
    cards: list[CardOut]
    applications: list[ApplicationOut]
    transactions: list[TransactionOut]


def card_out(c: Card) -> dict:
    return {
        "id": c.pk,
        "card_no": c.card_no,
        "card_code": c.card_code,
        "version": c.version,
        "person_id": c.person_id,
        "person_name": c.person.name,
        "id_masked": c.person.id_masked,
        "status": c.status,
        "status_label": c.status_label,
        "org_code": c.org.code,
        "bank_code": c.bank.code if c.bank_id else None,
        "account_masked": c.account_masked,
        "produced_at": c.produced_at,
        "issued_on": c.issued_on,
        "expires_on": c.expires_on,
        "electronic": c.electronic,
        "financial_activated_on": c.financial_activated_on,
        "temp_loss_until": c.temp_loss_until,
        "invalid_on": c.invalid_on,
        "replaces_card_no": c.replaces.card_no if c.replaces_id else None,
    }


def app_out(a: Application) -> dict:
    return {
        "id": a.pk,
        "person_id": a.person_id,
        "person_name": a.stated_name,
        "id_masked": a.stated_id_masked,
        "kind": a.kind,
        "replace_reason": a.replace_reason,
        "channel": a.channel,
        "outlet_code": a.outlet.code,
        "intake_code": a.intake_org.code if a.intake_org_id else None,
        "status": a.status,
        "photo_source": a.photo_source,
        "photo_checked": a.photo_checked,
        "photo_ok": a.photo_ok,
        "photo_note": a.photo_note,
        "proxy": a.proxy,
        "agent_name": a.agent_name,
        "agent_id_masked": a.agent_id_masked,
        "submitted_at": a.submitted_at,
        "deadline": a.deadline,
        "deadline_provisional": a.deadline_provisional,
        "done_at": a.done_at,
        "reject_reason": a.reject_reason,
        "card_id": a.card_id,
        "card_no": a.card.card_no if a.card_id else None,
        "interception": a.interception,
    }


def txn_out(t) -> dict:
    return {
        "id": t.pk,
        "item": t.item,
        "item_label": t.get_item_display(),
        "channel": t.channel,
        "action": t.action,
        "outlet_code": t.outlet.code if t.outlet_id else None,
        "operator": t.operator.username if t.operator_id else None,
        "card_no": t.card.card_no if t.card_id else None,
        "at": t.at,
        "outcome": t.outcome,
        "details": t.details,
    }


def decode_photo(b64: str) -> bytes | None:
    if not b64:
        return None
    try:
        return base64.b64decode(b64.split(",", 1)[-1], validate=True)
    except (binascii.Error, ValueError):
        raise ServiceError(
            CardErrorCode.PHOTO_ENCODING, "照片应为 base64 编码", field="photo_base64"
        ) from None


class ProxyIn(Schema):
    agent_name: str = ""
    agent_id_number: str = ""
    agent_relation: str = ""
    authorisation: str = ""


class BankChangeIn(Schema):
    bank_code: str = ""
    reason: str = ""


class SubmitIn(Schema):
    reason: str = ""
    studio_code: str = ""  # submit without a photo: this bank-designated studio uploads it


class StatedIn(Schema):
    """What the applicant stated for the card face, typed in (not copied from the registry)."""

    name: str
    id_number: str
    category: str = ""


class ApplicationIn(Schema):
    person_id: Int64
    stated: StatedIn | None = None
    kind: str = "first"
    channel: Int64 | None = None
    outlet_code: str = ""
    replace_reason: str = ""
    proxy: ProxyIn | None = None
    photo_base64: str = ""
    photo_source: str = "upload"
    studio_code: str = ""
    use_photo_on_file: bool = False
    submit: bool = False
    reason: str = ""


class PhotoIn(Schema):
    photo_base64: str = ""
    photo_source: str = "upload"
    studio_code: str = ""
    use_photo_on_file: bool = False


class ProduceIn(Schema):
    verified: bool
    face_confirmed: bool = False
    account_no: str = ""
    reason: str = ""


class ReasonIn(Schema):
    reason: str = ""
    channel: Int64 | None = None


class LossIn(Schema):
    kind: str = "formal"
    channel: Int64 | None = None
    reason: str = ""


class ActivateIn(Schema):
    account_no: str = ""
    channel: Int64 | None = None
    reason: str = ""


class KioskIn(Schema):
    id_number: str
    photo_base64: str = ""
    photo_source: str = "kiosk"  # kiosk (taken now) | on_file | counter
    kind: str = "first"
    replace_reason: str = ""
    proxy: ProxyIn | None = None
    account_no: str = ""


class ChangeIn(Schema):
    changes: dict
    reason: str
    channel: Int64 | None = None


class CancelIn(Schema):
    reason: str
    cancelled_on: IsoDate | None = None
    channel: Int64 | None = None


class TransferIn(Schema):
    kind: str
    target_org: str = ""
    destination: str = ""
    reason: str = ""
    channel: Int64 | None = None


class EnquiryIn(Schema):
    topic: str
    person_id: Int64 | None = None
    answer: str = ""
    channel: Int64 | None = None
