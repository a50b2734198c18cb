"""Shared plumbing of the card services: locking, scope, journal, audit snapshots, SMS."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sbk.core.errors import Conflict, Forbidden, NotFound, ServiceError
from sbk.notify.services import enqueue
from sbk.orgs.models import OrgKind
from sbk.orgs.scope import can_act_in, scoped
from sbk.registry.models import Person, PersonStatus

from .. import rules
from ..errors import CardErrorCode as E
from ..models import Application, Card, Channel, ServiceTransaction
from ..queries import applications_for, cards_for

CHANNEL_BY_ORG_KIND = {
    OrgKind.SERVICE_CENTRE: Channel.CARD_CENTRE,
    OrgKind.CENTRE: Channel.CARD_CENTRE,
    OrgKind.CITY: Channel.CARD_CENTRE,
    OrgKind.COMMUNITY_OUTLET: Channel.COMMUNITY,
    OrgKind.BANK_OUTLET: Channel.BANK,
    OrgKind.KIOSK: Channel.KIOSK,
}


def ensure_writer(user, org=None) -> None:
    if user is not None and getattr(user, "read_only", False):
        raise Forbidden("审计员为只读角色，不能办理业务")
    if user is not None and org is not None and not can_act_in(user, org):
        raise Forbidden(f"{org.name}不在您的管辖范围内")


def default_channel(user) -> int:
    if getattr(user, "is_applicant", False):
        return int(Channel.ONLINE)
    org = getattr(user, "org", None)
    return int(CHANNEL_BY_ORG_KIND.get(getattr(org, "kind", None), Channel.OTHER))


def channel_value(channel, user) -> int:
    if channel in (None, ""):
        return default_channel(user)
    try:
        value = int(channel)
    except (TypeError, ValueError):
        value = -1
    if value not in Channel.values:
        raise ServiceError(E.BAD_CHANNEL, f"服务渠道“{channel}”无效（应为 1–10）", field="channel")
    return value


def user_outlet(user):
    org = getattr(user, "org", None)
    return org if org is not None and org.is_outlet else None


# --- locking: always the person first, then cards by pk, then applications -----------------
def lock_person(user, person_id: int) -> Person:
    qs = Person.objects.select_for_update(of=("self",)).select_related("org")
    if user is not None:
        qs = scoped(user, qs)
    try:
        return qs.get(pk=person_id)
    except Person.DoesNotExist:
        raise NotFound("持卡人") from None


def _peek(qs, pk, what):
    row = qs.filter(pk=pk).values_list("person_id", flat=True).first()
    if row is None:
        raise NotFound(what)
    return row


def lock_card(user, card_id: int) -> tuple[Person, Card]:
    """Lock the holder and then the card (re-read after the lock)."""
    person_id = _peek(cards_for(user), card_id, "社保卡")
    person = Person.objects.select_for_update().get(pk=person_id)
    card = (
        Card.objects.select_for_update(of=("self",)).select_related("org", "bank").get(pk=card_id)
    )
    return person, card


def lock_application(user, app_id: int) -> tuple[Person, Application]:
    person_id = _peek(applications_for(user), app_id, "制卡申请")
    person = Person.objects.select_for_update().get(pk=person_id)
    app = (
        Application.objects.select_for_update(of=("self",))
        .select_related("outlet", "outlet__bank", "intake_org")
        .get(pk=app_id)
    )
    return person, app


def lock_cards(pks) -> list[Card]:
    return list(Card.objects.select_for_update().filter(pk__in=sorted(pks)).order_by("pk"))


def ensure_active(person: Person) -> None:
    if person.status == PersonStatus.CANCELLED:
        raise Conflict(E.PERSON_CANCELLED, "该持卡人已注销，不能办理此业务")


def bad_transition(what: str, label: str, action_label: str) -> Conflict:
    return Conflict(E.BAD_TRANSITION, f"{what}当前状态为“{label}”，不能{action_label}")


def card_transition(card: Card, action: str, now: dt.datetime) -> str:
    current = rules.effective_status(card.status, card.temp_loss_until, now)
    try:
        return rules.next_status(action, current)
    except ValueError:
        raise bad_transition(
            f"社保卡 {card.card_no} ",
            rules.CARD_STATUS_LABELS.get(current, current),
            rules.ACTION_LABELS.get(action, action),
        ) from None


def app_transition(app: Application, action: str, label: str) -> str:
    try:
        return rules.next_app_status(action, app.status)
    except ValueError:
        raise bad_transition(
            f"申请#{app.pk} ", rules.APP_STATUS_LABELS.get(app.status, app.status), label
        ) from None


def save_guarded(obj, code: str, message: str, **kwargs) -> None:
    """Save; a database constraint that refuses it becomes a clear Conflict."""
    try:
        with transaction.atomic():
            obj.save(**kwargs)
    except IntegrityError:
        raise Conflict(code, message) from None


# --- journal, audit snapshots, SMS ------------------------------------------------------------
def record_txn(
    *,
    item: int,
    channel: int,
    action: str,
    acting_user,
    person=None,
    card=None,
    application=None,
    outlet=None,
    outcome: str = "success",
    details: dict | None = None,
    at: dt.datetime | None = None,
) -> ServiceTransaction:
    return ServiceTransaction.objects.create(
        item=item,
        channel=channel,
        action=action,
        outlet=outlet or user_outlet(acting_user),
        operator=acting_user,
        person=person,
        card=card,
        application=application,
        at=at or timezone.now(),
        outcome=outcome,
        details=details or {},
    )


def card_snapshot(card: Card | None) -> dict | None:
    if card is None:
        return None
    return {
        "card_no": card.card_no,
        "status": card.status,
        "org": card.org.code if card.org_id else None,
        "bank": card.bank.code if card.bank_id else None,
        "account_masked": card.account_masked,
        "issued_on": card.issued_on.isoformat() if card.issued_on else None,
        "financial_activated_on": card.financial_activated_on.isoformat()
        if card.financial_activated_on
        else None,
        "temp_loss_until": card.temp_loss_until.isoformat() if card.temp_loss_until else None,
        "invalid_on": card.invalid_on.isoformat() if card.invalid_on else None,
    }


def app_snapshot(app: Application) -> dict:
    return {
        "kind": app.kind,
        "status": app.status,
        "channel": app.channel,
        "outlet": app.outlet.code if app.outlet_id else None,
        "person": app.person_id,
        "id_masked": app.stated_id_masked,
        "photo_source": app.photo_source,
        "photo_checked": app.photo_checked,
        "photo_ok": app.photo_ok,
        "proxy": app.proxy,
        "agent_id_masked": app.agent_id_masked,
        "deadline": app.deadline.isoformat() if app.deadline else None,
        "card": app.card.card_no if app.card_id else None,
    }


SMS_TEXTS = {
    "can_produce": "{name}您好，您的社保卡申请已受理，请携带本人有效身份证件到{outlet}办理制卡。",
    "ready": "{name}您好，您的社保卡已制作完成，请到{outlet}领取，并及时启用金融功能。",
    "rejected": "{name}您好，您的社保卡申请未通过：{reason}。请修改后重新申请。",
}


def notify(kind: str, app: Application, person: Person, **extra) -> None:
    text = settings.SBK_SMS_TEXTS.get(kind) or SMS_TEXTS[kind]
    enqueue(
        dedup_key=f"cards.application:{app.pk}:{kind}",
        kind=f"cards.{kind}",
        person=person,
        text=text.format(name=person.name, outlet=app.outlet.name, **extra),
    )


def today() -> dt.date:
    return timezone.localdate()


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
