"""Shared plumbing of the card services: locking, attribution, audit snapshots, SMS."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.errors import Conflict, NotFound
from sbk.core.prepared import PreparedQuery
from sbk.notify.services import enqueue
from sbk.orgs.attribution import attribute
from sbk.orgs.scope import org_q, scoped
from sbk.registry.models import Person, PersonStatus

from .. import rules
from ..errors import CardErrorCode as E
from ..models import Application, Card
from ..queries import application_scope, card_scope


def user_outlet(user):
    org = getattr(user, "org", None)
    return org if org is not None and org.is_outlet else None


def where(user, channel=None, outlet=None) -> tuple[int, object]:
    """(channel, outlet) of the service ``user`` does now (``sbk.orgs.attribution``)."""
    return attribute(user, channel=channel, outlet=outlet)


# --- locking: always the person first, then cards by pk, then applications -----------------
def lock_person(user, person_id: int) -> Person:
    """Lock a person in the user's scope (404 outside it)."""
    qs = scoped(user, Person.objects.select_for_update(of=("self",)).select_related("org"))
    try:
        return qs.get(pk=person_id)
    except Person.DoesNotExist:
        raise NotFound("持卡人") from None


# The holder and the card (or application) are locked by one statement, found through the
# user's scope: ``FOR UPDATE OF person, card`` takes the row locks in the order it names them,
# so the holder is still locked before the card, and the rows are the latest versions (a row
# changed while the statement waited for its lock is re-read and re-checked, scope included).
SCOPE_FLAG = "sbk_org_in_scope"


def _flag(q) -> ExpressionWrapper:
    """An annotation: is the organisation in the user's scope? The same Q as the policy's
    scope check (``sbk.orgs.scope.org_q``), answered by the lock query."""
    return ExpressionWrapper(q, output_field=BooleanField())


# Production of a first card asks two questions before it inserts: does the applicant hold a
# valid card, is the new card number taken (migrated data may hold it)? The lock query
# answers them as subqueries instead of a statement of its own. Read in the statement's
# snapshot: a card made while it waited for the person's lock is not seen, but none can
# be, since a card is only made or issued under that same lock and its application's
# (one open application per person); and the database still refuses a second held card
# (``one_held_card``) and a taken number (unique ``card_no``) if it were.
HOLDS_CARD_FLAG = "sbk_holds_card"
CARD_NO_TAKEN_FLAG = "sbk_card_no_taken"


def _first_card_flags(card_no: str) -> dict:
    return {
        HOLDS_CARD_FLAG: Exists(
            Card.objects.filter(person_id=OuterRef("person_id"), status__in=rules.HELD)
        ),
        CARD_NO_TAKEN_FLAG: Exists(Card.objects.filter(card_no=card_no)),
    }


def first_card_flags(app) -> tuple[bool, bool] | None:
    """(holds a valid card, card number taken) as the lock query answered them, or None."""
    if not hasattr(app, HOLDS_CARD_FLAG):
        return None
    return getattr(app, HOLDS_CARD_FLAG), getattr(app, CARD_NO_TAKEN_FLAG)


def ensure_org_in_scope(user, action, row, org) -> None:
    """``policy.ensure(user, action, org)`` for the organisation whose scope the lock query
    checked already: no query when it is in scope; otherwise the policy itself refuses."""
    if getattr(row, SCOPE_FLAG, None) is not True:
        ensure(user, action, org)


# The two lock statements run on every card write: compiled once per shape (the user's
# scope, which flags are asked) and run with the row's id (``sbk.core.prepared``, ADR 0013).
_card_lock = PreparedQuery({"pk": int})
_application_lock = PreparedQuery({"pk": int, "card_no": str})


def lock_card(user, card_id: int, *, org_scope: bool = False) -> tuple[Person, Card]:
    """Lock the holder and then the card, in the user's scope (404 outside it).

    ``org_scope`` also answers whether the card's organisation is in the user's scope
    (for ``ensure_org_in_scope``)."""
    scope = card_scope(user)
    flag = org_q(user, prefix="org__") if org_scope else None

    def build(pk):
        qs = Card.objects.filter(scope).select_related("person", "org", "bank")
        qs = qs.select_for_update(of=("person", "self"))
        if flag is not None:
            qs = qs.annotate(**{SCOPE_FLAG: _flag(flag)})
        return qs.filter(pk=pk)

    found = _card_lock.fetch(("card", scope, flag), build, pk=card_id)
    if not found:
        raise NotFound("社保卡")
    (card,) = found
    return card.person, card


def lock_application(
    user, app_id: int, *, outlet_scope: bool = False, first_card: bool = False
) -> tuple[Person, Application]:
    """Lock the applicant and then the application, in the user's scope (404 outside it).

    ``outlet_scope`` also answers whether the production outlet is in the user's scope;
    ``first_card`` also answers the two checks of producing its first card
    (``first_card_flags``), the card numbered after the application."""
    # Not the card: a row joined without its lock is the one the statement first saw, and
    # a card made while it waited for the lock would be missing (app.card_id set, app.card
    # None). The organisations joined are read as they were; they are not locked anyway.
    scope = application_scope(user)
    flag = org_q(user, prefix="outlet__") if outlet_scope else None
    # No application has an id below 1 (the lock answers "not found" without the checks).
    checks = first_card and app_id > 0
    card_no = rules.make_card_no(settings.SBK_CARD_NO_PREFIX, app_id) if checks else None

    def build(pk, card_no=None):
        qs = Application.objects.filter(scope).select_related("person", "outlet__bank")
        qs = qs.select_for_update(of=("person", "self"))
        if flag is not None:
            qs = qs.annotate(**{SCOPE_FLAG: _flag(flag)})
        if checks:
            qs = qs.annotate(**_first_card_flags(card_no))
        return qs.filter(pk=pk)

    key = ("application", scope, flag, checks)
    values = {"pk": app_id, "card_no": card_no} if checks else {"pk": app_id}
    found = _application_lock.fetch(key, build, **values)
    if not found:
        raise NotFound("制卡申请")
    (app,) = found
    return app.person, app


def lock_cards(pks) -> list[Card]:
    return list(Card.objects.select_for_update().filter(pk__in=sorted(pks)).order_by("pk"))


def ensure_active(person: Person) -> None:
    if person.status == PersonStatus.CANCELLED:
        raise Conflict(E.PERSON_CANCELLED, "该持卡人已注销，不能办理此业务")


def save_guarded(obj, code: str, message: str, **kwargs) -> None:
    """Save; a database constraint that refuses it becomes a clear Conflict."""
    try:
        with actions.atomic():  # inside an action: no savepoint, the action fails with it
            obj.save(**kwargs)
    except IntegrityError:
        raise Conflict(code, message) from None


# --- audit snapshots, SMS ----------------------------------------------------------------
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
    # The same sentence as the applicant's status page (sbk.portal.wording, issue 22).
    "can_produce": "{name}您好，您的社保卡申请已受理，请于{deadline}前（{days}天内）携带本人有效身份证件到{outlet}办理制卡。",
    "ready": "{name}您好，您的社保卡已制作完成，请到{outlet}领取，并及时启用金融功能。",
    "rejected": "{name}您好，您的社保卡申请未通过：{reason}。请修改后重新申请。",
}


def _spoken_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def notify(kind: str, app: Application, person: Person, **extra) -> None:
    text = settings.SBK_SMS_TEXTS.get(kind) or SMS_TEXTS[kind]
    enqueue(
        dedup_key=f"cards.application:{app.pk}:{kind}",
        kind=f"cards.{kind}",
        person=person,
        text=text.format(
            name=person.name,
            outlet=app.outlet.name,
            deadline=_spoken_date(app.deadline),
            days=settings.SBK_APPLICATION_DEADLINE_DAYS,
            **extra,
        ),
        defer=True,  # nothing here reads the outbox row's id
    )


def today() -> dt.date:
    return timezone.localdate()


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
