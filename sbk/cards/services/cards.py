"""Services on a card and its holder: loss reports, unlock, financial activation, PIN
unlock, information change, cancellation, transfers and enquiries."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import Conflict, NotFound, ServiceError
from sbk.divisions.table import load_table
from sbk.orgs.models import Organisation, OrgKind
from sbk.registry import services as registry
from sbk.registry.models import Person

from .. import rules
from ..errors import CardErrorCode as E
from ..models import Application, Card
from ..transitions import card_target, move_card, transition_application, transition_card
from .common import card_snapshot, ensure_active, lock_card, lock_person, where

LOSS_KINDS = {
    "temporary": ("report_loss_temporary", Action.CARD_REPORT_LOSS_TEMPORARY),
    "formal": ("report_loss_formal", Action.CARD_REPORT_LOSS_FORMAL),
}


def _card_action(
    card_id, *, acting_user, action: Action, transition, channel, reason, mutate, details=None
) -> Card:
    """Lock, check the transition, change, journal and audit one card action.

    ``mutate(card, now)`` checks what the action needs and returns the columns that change
    with the transition and the extra details for the journal (only the columns that
    changed are written: the encrypted bank account is not re-sealed on every action).
    """
    ensure(acting_user, action)
    person, card = lock_card(acting_user, card_id)
    ensure_active(person)
    now = timezone.now()
    card_target(card, transition, now)
    before = card_snapshot(card)
    fields, extra = mutate(card, now)
    transition_card(card, transition, at=now, acting_user=acting_user, **fields)
    # Online, the service belongs to the organisation that issued the card.
    channel, outlet = where(acting_user, channel, card.org if acting_user.is_applicant else None)
    actions.record(
        action,
        acting_user=acting_user,
        obj=card,
        before=before,
        after=card_snapshot(card),
        reason=reason,
        channel=channel,
        outlet=outlet,
        person=person,
        card=card,
        details={"card_no": card.card_no, **(details or {}), **extra},
        at=now,
    )
    return card


@actions.atomic
def report_loss(
    card_id: int, *, acting_user, kind: str = "formal", channel=None, reason: str = ""
) -> Card:
    """挂失: temporary (phone/online, lapses after SBK_TEMP_LOSS_DAYS) or formal."""
    if kind not in LOSS_KINDS:
        raise ServiceError(
            E.LOSS_KIND, "挂失类型应为 temporary（临时）或 formal（正式）", field="kind"
        )

    def mutate(card, now):
        if kind == "temporary":
            until = now + dt.timedelta(days=settings.SBK_TEMP_LOSS_DAYS)
            return {"lost_at": now, "temp_loss_until": until}, {"until": until.isoformat()}
        return {"lost_at": now, "temp_loss_until": None}, {}

    transition, action = LOSS_KINDS[kind]
    return _card_action(
        card_id,
        acting_user=acting_user,
        action=action,
        transition=transition,
        channel=channel,
        reason=reason,
        mutate=mutate,
        details={"kind": kind},
    )


@actions.atomic
def unlock_loss(card_id: int, *, acting_user, channel=None, reason: str = "") -> Card:
    """解挂: a temporarily or formally lost card is in use again."""

    def mutate(card, now):
        return {"temp_loss_until": None, "lost_at": None}, {}

    return _card_action(
        card_id,
        acting_user=acting_user,
        action=Action.CARD_UNLOCK_LOSS,
        transition="unlock_loss",
        channel=channel,
        reason=reason,
        mutate=mutate,
    )


@actions.atomic
def activate_financial(
    card_id: int, *, acting_user, account_no: str = "", channel=None, reason: str = ""
) -> Card:
    """启用金融功能: a separate recorded step, once per card."""
    account_no = (account_no or "").replace(" ", "")

    def mutate(card, now):
        fields = {"financial_activated_on": timezone.localdate(now)}
        if card.financial_activated_on:
            raise Conflict(E.ALREADY_ACTIVATED, f"社保卡 {card.card_no} 的金融功能已启用")
        if card.bank_id is None:
            raise ServiceError(E.ACCOUNT_INVALID, "该卡未关联合作银行，不能启用金融功能")
        if account_no:
            if not rules.account_valid(account_no):
                raise ServiceError(
                    E.ACCOUNT_INVALID, "银行账号应为 12–19 位且校验正确", field="account_no"
                )
            fields.update(account_no=account_no, account_masked=rules.mask_account(account_no))
        if not fields.get("account_masked", card.account_masked):
            raise ServiceError(E.ACCOUNT_INVALID, "请填写银行账号", field="account_no")
        return fields, {"bank": card.bank.code}

    return _card_action(
        card_id,
        acting_user=acting_user,
        action=Action.CARD_ACTIVATE_FINANCIAL,
        transition="activate_financial",
        channel=channel,
        reason=reason,
        mutate=mutate,
    )


@actions.atomic
def unlock_pin(card_id: int, *, acting_user, channel=None, reason: str = "") -> Card:
    """解锁: the PIN was blocked after wrong attempts; recorded, the card state is unchanged."""
    return _card_action(
        card_id,
        acting_user=acting_user,
        action=Action.CARD_UNLOCK_PIN,
        transition="unlock_pin",
        channel=channel,
        reason=reason,
        mutate=lambda card, now: ({}, {}),
    )


@actions.atomic
def change_bank(card_id: int, *, acting_user, bank, reason: str) -> Card:
    """变更合作银行: the holder decides that this card's replacement is made by another partner
    bank (a separate, recorded step; otherwise 补换卡 stays with the card's own bank)."""

    def mutate(card, now):  # checked on the locked card: outside the scope, a 404 first
        if bank is None or bank.kind != OrgKind.BANK or not bank.active:
            raise ServiceError(E.BANK_CHANGE, "请选择在用的合作银行", field="bank")
        if not (reason or "").strip():
            raise ServiceError(
                E.BANK_CHANGE, "请填写变更合作银行的原因（持卡人申请）", field="reason"
            )
        if card.bank_id == bank.pk:
            raise ServiceError(E.BANK_CHANGE, f"原卡已是{bank.name}卡，无需变更", field="bank")
        return {"bank_change_to": bank}, {"from_bank": card.bank.code if card.bank_id else None}

    return _card_action(
        card_id,
        acting_user=acting_user,
        action=Action.CARD_CHANGE_BANK,
        transition="change_bank",
        channel=None,
        reason=reason,
        mutate=mutate,
        details={"to_bank": bank.code if bank is not None else None},
    )


@actions.atomic
def change_pin(card_id: int, *, acting_user, channel=None, reason: str = "") -> Card:
    """修改社保功能密码: the holder sets a new social-security PIN on the card's chip at the
    PIN pad (sbk never sees a PIN); the service is recorded, the card state is unchanged."""
    return _card_action(
        card_id,
        acting_user=acting_user,
        action=Action.CARD_CHANGE_PIN,
        transition="change_pin",
        channel=channel,
        reason=reason,
        mutate=lambda card, now: ({}, {}),
    )


@actions.atomic
def change_info(person_id: int, *, acting_user, changes: dict, reason: str, channel=None) -> Person:
    """信息变更: the registry's change, journalled as item ② (kept for the card console).

    A new personnel category moves the holder's cards with it (the reports count a holder
    in the category of the card)."""
    person = registry.change_person(
        person_id, acting_user=acting_user, changes=changes, reason=reason, channel=channel
    )
    if "category" in changes:
        _move_cards(person, acting_user, category=person.category)
    return person


def _move_cards(person, acting_user, **fields) -> None:
    """The holder's held and pending cards now count elsewhere (``transitions.move_card``)."""
    now = timezone.now()
    cards = (
        Card.objects.select_for_update()
        .filter(person=person, status__in=[*rules.HELD, *rules.PENDING])
        .order_by("pk")
    )
    for card in cards:
        move_card(card, at=now, acting_user=acting_user, **fields)


@actions.atomic
def cancel_person(
    person_id: int, *, acting_user, reason: str, cancelled_on: dt.date | None = None, channel=None
) -> Person:
    """注销 (e.g. death): the cards are cancelled, open applications end (withdrawn, or
    terminated when their card was already made), and no new application is accepted."""
    ensure(acting_user, Action.PERSON_CANCEL)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(E.REASON_REQUIRED, "注销须填写原因", field="reason")
    person = lock_person(acting_user, person_id)
    ensure(acting_user, Action.PERSON_CANCEL, person)
    ensure_active(person)
    now = timezone.now()
    day = cancelled_on or timezone.localdate(now)
    cards = list(
        Card.objects.select_for_update()
        .filter(person=person)
        .exclude(status__in=[rules.REPLACED, rules.CANCELLED])
        .order_by("pk")
    )
    apps = list(
        Application.objects.select_for_update()
        .filter(person=person, status__in=rules.OPEN_APPLICATION)
        .order_by("pk")
    )
    before = {"status": person.status, "cards": [card_snapshot(c) for c in cards]}
    for card in cards:
        transition_card(card, "cancel", at=now, acting_user=acting_user, invalid_on=day)
    ended = {}
    for app in apps:
        step = "terminate" if app.status == rules.APP_PRODUCED else "withdraw"
        ended[app.pk] = transition_application(app, step, done_at=now)
    registry.mark_cancelled(person, day=day)
    channel, outlet = where(acting_user, channel)
    details = {
        "cards": [c.card_no for c in cards],
        "applications": ended,
        "cancelled_on": day.isoformat(),
    }
    actions.record(
        Action.PERSON_CANCEL,
        acting_user=acting_user,
        obj=person,
        before=before,
        after={
            "status": person.status,
            "cards": [card_snapshot(c) for c in cards],
            **details,
        },
        reason=reason,
        channel=channel,
        outlet=outlet,
        person=person,
        card=cards[0] if len(cards) == 1 else None,
        details=details,
        at=now,
    )
    return person


TRANSFERS = {
    "in_province": Action.PERSON_TRANSFER_IN_PROVINCE,
    "cross_province": Action.PERSON_TRANSFER_CROSS_PROVINCE,
}


@actions.atomic
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
    action = TRANSFERS.get(kind, Action.PERSON_TRANSFER_IN_PROVINCE)
    ensure(acting_user, action)
    person = lock_person(acting_user, person_id)
    if kind not in TRANSFERS:
        raise ServiceError(
            E.TRANSFER_TARGET, "转移类型应为 in_province 或 cross_province", field="kind"
        )
    ensure_active(person)
    before = {"org": person.org.code}
    if kind == "in_province":
        target = Organisation.objects.filter(code=target_org, active=True).first()
        if target is None:
            raise NotFound("转入机构")
        if target.pk == person.org_id:
            raise ServiceError(E.TRANSFER_TARGET, "转入机构与当前经办机构相同", field="target_org")
        registry.move_record(person, org=target)
        # The holder now counts in the region they moved to (statutory reports).
        _move_cards(person, acting_user, division_code=target.division_code)
        details = {"from": before["org"], "to": target.code}
    else:
        code = (destination or "").strip()
        if not (len(code) == 6 and code.isdigit() and load_table().exists(code)):
            raise ServiceError(
                E.TRANSFER_TARGET, "跨省转移须填写转入地 6 位行政区划代码", field="destination"
            )
        if code[:2] == person.org.division_code[:2]:
            raise ServiceError(E.TRANSFER_TARGET, "转入地与本省相同，请办理省内转移")
        details = {"to_division": code}
    channel, outlet = where(acting_user, channel)
    actions.record(
        action,
        acting_user=acting_user,
        obj=person,
        before=before,
        after={"org": person.org.code, **details},
        reason=reason,
        channel=channel,
        outlet=outlet,
        person=person,
        details=details,
    )
    return person


@actions.atomic
def record_enquiry(
    *, acting_user, topic: str, person_id: int | None = None, channel=None, answer: str = ""
):
    """咨询: an enquiry answered, with or without an identified person."""
    ensure(acting_user, Action.ENQUIRY)
    topic = (topic or "").strip()
    if not topic:
        raise ServiceError(E.REASON_REQUIRED, "请填写咨询事项", field="topic")
    person = lock_person(acting_user, person_id) if person_id else None
    channel, outlet = where(acting_user, channel)
    recorded = actions.record(
        Action.ENQUIRY,
        acting_user=acting_user,
        after={"topic": topic[:200], "person": person.pk if person else None},
        channel=channel,
        outlet=outlet,
        person=person,
        details={"topic": topic[:200], "answer": (answer or "")[:500]},
    )
    return recorded.journal
