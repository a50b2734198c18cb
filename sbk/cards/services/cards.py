"""Services on a card and its holder: loss reports, unlock, financial activation, PIN
unlock, information change, cancellation, transfers and enquiries."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sbk.core import audit
from sbk.core.errors import Conflict, NotFound, ServiceError
from sbk.divisions.table import load_table
from sbk.orgs.models import Organisation
from sbk.registry import services as registry
from sbk.registry.models import Person, PersonStatus

from .. import rules
from ..errors import CardErrorCode as E
from ..models import Application, Card, ServiceItem
from .common import (
    card_snapshot,
    card_transition,
    channel_value,
    ensure_active,
    ensure_writer,
    lock_card,
    lock_person,
    record_txn,
)

LOSS_KINDS = {"temporary": "report_loss_temporary", "formal": "report_loss_formal"}


def _card_action(
    card_id, *, acting_user, action, item, channel, reason, mutate, details=None
) -> Card:
    """Lock, check the transition, change, journal and audit one card action."""
    ensure_writer(acting_user)
    person, card = lock_card(acting_user, card_id)
    ensure_active(person)
    now = timezone.now()
    before = card_snapshot(card)
    columns = [f.attname for f in Card._meta.concrete_fields if not f.primary_key]
    old = {c: getattr(card, c) for c in columns}
    card.status = card_transition(card, action, now)
    extra = mutate(card, now) or {}
    # Write only what changed: the encrypted bank account is not re-sealed on every action.
    card.save(update_fields=[c for c in columns if getattr(card, c) != old[c]])
    record_txn(
        item=item,
        channel=channel_value(channel, acting_user),
        action=f"card.{action}",
        acting_user=acting_user,
        person=person,
        card=card,
        details={"card_no": card.card_no, **(details or {}), **extra},
        at=now,
    )
    audit.record(
        acting_user=acting_user,
        action=f"card.{action}",
        obj=card,
        before=before,
        after=card_snapshot(card),
        reason=reason,
    )
    return card


@transaction.atomic
def report_loss(
    card_id: int, *, acting_user, kind: str = "formal", channel=None, reason: str = ""
) -> Card:
    """挂失: temporary (phone/online, lapses after SBK_TEMP_LOSS_DAYS) or formal."""
    if kind not in LOSS_KINDS:
        raise ServiceError(
            E.LOSS_KIND, "挂失类型应为 temporary（临时）或 formal（正式）", field="kind"
        )

    def mutate(card, now):
        card.lost_at = now
        if kind == "temporary":
            card.temp_loss_until = now + dt.timedelta(days=settings.SBK_TEMP_LOSS_DAYS)
            return {"until": card.temp_loss_until.isoformat()}
        card.temp_loss_until = None
        return {}

    return _card_action(
        card_id,
        acting_user=acting_user,
        action=LOSS_KINDS[kind],
        item=ServiceItem.LOSS,
        channel=channel,
        reason=reason,
        mutate=mutate,
        details={"kind": kind},
    )


@transaction.atomic
def unlock_loss(card_id: int, *, acting_user, channel=None, reason: str = "") -> Card:
    """解挂: a temporarily or formally lost card is in use again."""

    def mutate(card, now):
        card.temp_loss_until = None
        card.lost_at = None

    return _card_action(
        card_id,
        acting_user=acting_user,
        action="unlock_loss",
        item=ServiceItem.LOSS,
        channel=channel,
        reason=reason,
        mutate=mutate,
    )


@transaction.atomic
def activate_financial(
    card_id: int, *, acting_user, account_no: str = "", channel=None, reason: str = ""
) -> Card:
    """启用金融功能: a separate recorded step, once per card."""
    account_no = (account_no or "").replace(" ", "")

    def mutate(card, now):
        if card.financial_activated_on:
            raise Conflict(E.ALREADY_ACTIVATED, f"社保卡 {card.card_no} 的金融功能已启用")
        if card.bank_id is None:
            raise ServiceError(E.ACCOUNT_INVALID, "该卡未关联合作银行，不能启用金融功能")
        if account_no:
            if not rules.account_valid(account_no):
                raise ServiceError(
                    E.ACCOUNT_INVALID, "银行账号应为 12–19 位且校验正确", field="account_no"
                )
            card.account_no, card.account_masked = account_no, rules.mask_account(account_no)
        if not card.account_masked:
            raise ServiceError(E.ACCOUNT_INVALID, "请填写银行账号", field="account_no")
        card.financial_activated_on = timezone.localdate(now)
        return {"bank": card.bank.code}

    return _card_action(
        card_id,
        acting_user=acting_user,
        action="activate_financial",
        item=ServiceItem.OTHER,
        channel=channel,
        reason=reason,
        mutate=mutate,
    )


@transaction.atomic
def unlock_pin(card_id: int, *, acting_user, channel=None, reason: str = "") -> Card:
    """解锁: the PIN was blocked after wrong attempts; recorded, the card state is unchanged."""
    return _card_action(
        card_id,
        acting_user=acting_user,
        action="unlock_pin",
        item=ServiceItem.PIN_UNLOCK,
        channel=channel,
        reason=reason,
        mutate=lambda card, now: None,
    )


@transaction.atomic
def change_info(person_id: int, *, acting_user, changes: dict, reason: str, channel=None) -> Person:
    """信息变更 through the registry (its audit row is the action's), journalled as item ②."""
    person = lock_person(acting_user, person_id)
    version = person.version
    person = registry.change_person(
        person_id, acting_user=acting_user, changes=changes, reason=reason
    )
    if person.version == version:
        return person  # nothing changed
    record_txn(
        item=ServiceItem.INFO_CHANGE,
        channel=channel_value(channel, acting_user),
        action="person.change",
        acting_user=acting_user,
        person=person,
        details={"fields": sorted(changes)},
    )
    return person


@transaction.atomic
def cancel_person(
    person_id: int, *, acting_user, reason: str, cancelled_on: dt.date | None = None, channel=None
) -> Person:
    """注销 (e.g. death): the cards are cancelled, open applications withdrawn, and no new
    application is accepted."""
    ensure_writer(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(E.REASON_REQUIRED, "注销须填写原因", field="reason")
    person = lock_person(acting_user, person_id)
    ensure_active(person)
    day = cancelled_on or timezone.localdate()
    cards = list(
        Card.objects.select_for_update()
        .filter(person=person)
        .exclude(status__in=[rules.REPLACED, rules.CANCELLED])
        .order_by("pk")
    )
    before = {"status": person.status, "cards": [card_snapshot(c) for c in cards]}
    for card in cards:
        card.status = rules.CANCELLED
        card.invalid_on = day
        card.temp_loss_until = None
        card.save(update_fields=["status", "invalid_on", "temp_loss_until", "updated_at"])
    withdrawn = Application.objects.filter(person=person, status__in=rules.OPEN_APPLICATION).update(
        status=rules.WITHDRAWN
    )
    Person.objects.filter(pk=person.pk).update(
        status=PersonStatus.CANCELLED, cancelled_on=day, version=F("version") + 1
    )
    person.refresh_from_db()
    record_txn(
        item=ServiceItem.CANCELLATION,
        channel=channel_value(channel, acting_user),
        action="person.cancel",
        acting_user=acting_user,
        person=person,
        card=cards[0] if len(cards) == 1 else None,
        details={
            "cards": [c.card_no for c in cards],
            "withdrawn_applications": withdrawn,
            "cancelled_on": day.isoformat(),
        },
    )
    audit.record(
        acting_user=acting_user,
        action="person.cancel",
        obj=person,
        before=before,
        after={
            "status": person.status,
            "cancelled_on": day.isoformat(),
            "cards": [card_snapshot(c) for c in cards],
            "withdrawn_applications": withdrawn,
        },
        reason=reason,
    )
    return person


@transaction.atomic
def transfer(
    person_id: int,
    *,
    acting_user,
    kind: str,
    target_org: str = "",
    destination: str = "",
    reason: str = "",
    channel=None,
) -> Person:
    """省内转移 moves the holder to another organisation of this centre; 跨省转移 records
    the destination region (6-digit division code) the holder's record goes to."""
    ensure_writer(acting_user)
    person = lock_person(acting_user, person_id)
    ensure_active(person)
    before = {"org": person.org.code}
    if kind == "in_province":
        target = Organisation.objects.filter(code=target_org, active=True).first()
        if target is None:
            raise NotFound("转入机构")
        if target.pk == person.org_id:
            raise ServiceError(E.TRANSFER_TARGET, "转入机构与当前经办机构相同", field="target_org")
        Person.objects.filter(pk=person.pk).update(org=target, version=F("version") + 1)
        person.refresh_from_db()
        item, details = ServiceItem.TRANSFER_IN_PROVINCE, {"from": before["org"], "to": target.code}
    elif kind == "cross_province":
        code = (destination or "").strip()
        if not (len(code) == 6 and code.isdigit() and load_table().exists(code)):
            raise ServiceError(
                E.TRANSFER_TARGET, "跨省转移须填写转入地 6 位行政区划代码", field="destination"
            )
        if code[:2] == person.org.division_code[:2]:
            raise ServiceError(E.TRANSFER_TARGET, "转入地与本省相同，请办理省内转移")
        item, details = ServiceItem.TRANSFER_CROSS_PROVINCE, {"to_division": code}
    else:
        raise ServiceError(
            E.TRANSFER_TARGET, "转移类型应为 in_province 或 cross_province", field="kind"
        )
    record_txn(
        item=item,
        channel=channel_value(channel, acting_user),
        action=f"person.transfer_{kind}",
        acting_user=acting_user,
        person=person,
        details=details,
    )
    audit.record(
        acting_user=acting_user,
        action=f"person.transfer_{kind}",
        obj=person,
        before=before,
        after={"org": person.org.code, **details},
        reason=reason,
    )
    return person


@transaction.atomic
def record_enquiry(
    *, acting_user, topic: str, person_id: int | None = None, channel=None, answer: str = ""
):
    """咨询: an enquiry answered, with or without an identified person."""
    ensure_writer(acting_user)
    topic = (topic or "").strip()
    if not topic:
        raise ServiceError(E.REASON_REQUIRED, "请填写咨询事项", field="topic")
    person = lock_person(acting_user, person_id) if person_id else None
    txn = record_txn(
        item=ServiceItem.ENQUIRY,
        channel=channel_value(channel, acting_user),
        action="enquiry",
        acting_user=acting_user,
        person=person,
        details={"topic": topic[:200], "answer": (answer or "")[:500]},
    )
    audit.record(
        acting_user=acting_user,
        action="enquiry.record",
        obj=txn,
        after={"topic": topic[:200], "person": person.pk if person else None},
    )
    return txn
