"""The one writer of card and application status (状态迁移).

Nothing else in sbk assigns ``Card.status`` or ``Application.status`` (a test reads the
source to make sure). Every change goes through ``transition_card`` / ``create_card`` /
``import_cards`` or ``transition_application``, which apply the rules tables
(``rules.CARD_TRANSITIONS``, ``rules.APP_TRANSITIONS``), set the columns the database
constraints tie to a status (issue date, invalid date), write only the columns that changed,
and then call the hooks registered for card changes, in the same transaction.

The hooks are where later capabilities attach: a card blank consumed at production, the
per-day holder counts of the statutory reports. They are registered in an ``AppConfig.ready``
with ``on_card_change`` and receive one ``CardChange`` per transition, legacy imports included;
``before_card_create`` hooks run before a produced card's INSERT (the blank it is printed on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError
from django.utils import timezone

from sbk.core import actions, prepared
from sbk.core.errors import Conflict

from . import rules
from .errors import CardErrorCode as E
from .models import Application, Card


@dataclass(frozen=True)
class CardChange:
    """One card transition, as the hooks see it."""

    card: Card
    transition: str
    before: str  # rules.NEW for a card just created
    after: str
    at: dt.datetime
    acting_user: object
    legacy: bool = False
    context: dict = field(default_factory=dict)


CardHook = Callable[[CardChange], None]
_card_hooks: list[CardHook] = []


def on_card_change(hook: CardHook) -> CardHook:
    """Register ``hook`` to run after every card transition (idempotent; usable as decorator)."""
    if hook not in _card_hooks:
        _card_hooks.append(hook)
    return hook


def remove_card_hook(hook: CardHook) -> None:
    if hook in _card_hooks:
        _card_hooks.remove(hook)


def _notify(change: CardChange) -> None:
    for hook in list(_card_hooks):
        hook(change)


# Hooks run just before a produced card's INSERT, in the same transaction: they may set
# columns of the card (the stock app picks and consumes a card blank and sets
# ``blank_serial``, and the card's bank where the outlet has none), so the card is written
# once, with no UPDATE after. A hook that raises refuses the production (all rolls back).
CardCreateHook = Callable[[Card, dt.datetime, object], None]
_create_hooks: list[CardCreateHook] = []


def before_card_create(hook: CardCreateHook) -> CardCreateHook:
    """Register ``hook(card, at, acting_user)`` to run before every produced card's INSERT."""
    if hook not in _create_hooks:
        _create_hooks.append(hook)
    return hook


def remove_create_hook(hook: CardCreateHook) -> None:
    if hook in _create_hooks:
        _create_hooks.remove(hook)


def bad_transition(what: str, label: str, action_label: str) -> Conflict:
    return Conflict(E.BAD_TRANSITION, f"{what}当前状态为“{label}”，不能{action_label}")


def card_target(card: Card, transition: str, at: dt.datetime) -> str:
    """The status ``transition`` leads to from the card's effective status, or a Conflict."""
    current = _current(card, transition, at)
    try:
        return rules.next_status(transition, current)
    except ValueError:
        raise bad_transition(
            f"社保卡 {card.card_no} ",
            rules.CARD_STATUS_LABELS.get(current, current),
            rules.ACTION_LABELS.get(transition, transition),
        ) from None


def _current(card: Card, transition: str, at: dt.datetime) -> str:
    if transition in rules.ON_STORED_STATUS:
        return card.status
    return rules.effective_status(card.status, card.temp_loss_until, at)


def _tie_dates(card: Card, target: str, at: dt.datetime, fields: dict) -> dict:
    """The columns the database ties to a status (constraints held_card_has_issue_date,
    invalid_card_has_date), unless the caller gave them."""
    day = timezone.localdate(at)
    if target == rules.ISSUED and card.issued_on is None:
        fields.setdefault("issued_on", day)
    if target in (rules.REPLACED, rules.CANCELLED):
        fields.setdefault("invalid_on", day)
        fields.setdefault("temp_loss_until", None)
    if target == rules.ISSUED and card.status in (rules.TEMP_LOST, rules.LOST):
        fields.setdefault("temp_loss_until", None)
        fields.setdefault("lost_at", None)
    return fields


def transition_card(
    card: Card, transition: str, *, at: dt.datetime, acting_user, **fields
) -> CardChange:
    """Move a locked card through ``transition``, with the other columns that change with it."""
    before = _current(card, transition, at)
    target = card_target(card, transition, at)
    values = _tie_dates(card, target, at, dict(fields))
    values["status"] = target
    changed = [name for name, value in values.items() if getattr(card, name) != value]
    for name, value in values.items():
        setattr(card, name, value)
    if changed:
        prepared.update(card, [*changed, "updated_at"], defer=True)
    change = CardChange(card, transition, before, target, at, acting_user)
    _notify(change)
    return change


def create_card(card: Card, *, at: dt.datetime, acting_user) -> CardChange:
    """Insert a newly produced card (status PRODUCED); a second pending card for the same
    person is refused by the database and reported as a Conflict."""
    card.status = rules.next_status("produce", rules.NEW)
    for hook in list(_create_hooks):
        hook(card, at, acting_user)
    try:
        with actions.atomic():  # inside an action: no savepoint, the action fails with it
            prepared.insert(card)
    except IntegrityError:
        raise Conflict(E.HAS_VALID_CARD, "该持卡人已有待领取或有效的社保卡") from None
    change = CardChange(card, "produce", rules.NEW, card.status, at, acting_user)
    _notify(change)
    return change


@dataclass(frozen=True)
class LegacyHistory:
    """What a vendor system says happened to a card: issued, then maybe replaced or cancelled."""

    replaced_on: dt.date | None = None
    cancelled_on: dt.date | None = None


def import_cards(
    cards: Iterable[tuple[Card, LegacyHistory]], *, acting_user, batch_size: int
) -> list[Card]:
    """Insert migrated cards by replaying their history through the rules (import, then
    replace or cancel); the hooks see every step, marked legacy."""
    rows, changes = [], []
    for card, history in cards:
        status = rules.next_status("import_issued", rules.NEW)
        at = _midday(card.issued_on)
        steps = [("import_issued", rules.NEW, status, at)]
        end = None
        if history.replaced_on is not None:
            end = ("invalidate_replaced", history.replaced_on)
        elif history.cancelled_on is not None:
            end = ("cancel", history.cancelled_on)
        if end is not None:
            target = rules.next_status(end[0], status)
            steps.append((end[0], status, target, _midday(end[1])))
            status = target
        card.status = status
        rows.append(card)
        changes.extend((card, *step) for step in steps)
    Card.objects.bulk_create(rows, batch_size=batch_size)
    batch = [
        CardChange(card, transition, before, after, at, acting_user, legacy=True)
        for card, transition, before, after, at in changes
    ]
    for change in batch:
        _notify(change)
    for hook in list(_batch_hooks):
        hook(batch)
    return rows


# Hooks that take a legacy import's changes as one batch (the report counts are computed
# per person over the whole batch, not one statement per migrated card).
CardBatchHook = Callable[[list[CardChange]], None]
_batch_hooks: list[CardBatchHook] = []


def on_cards_imported(hook: CardBatchHook) -> CardBatchHook:
    """Register ``hook(changes)`` to run once per legacy import with all its changes."""
    if hook not in _batch_hooks:
        _batch_hooks.append(hook)
    return hook


def move_card(card: Card, *, at: dt.datetime, acting_user, **fields) -> CardChange | None:
    """Change where a locked card counts (``division_code``, ``category``: an in-province
    transfer, an information change) without a status change; the hooks see a "move" with
    the old and new values. Nothing happens when nothing changes."""
    keys = ("division_code", "category")
    old = {k: getattr(card, k) for k in keys}
    new = {**old, **{k: v for k, v in fields.items() if k in keys}}
    if new == old:
        return None
    for name, value in new.items():
        setattr(card, name, value)
    prepared.update(card, [k for k in keys if new[k] != old[k]] + ["updated_at"], defer=True)
    change = CardChange(
        card, "move", card.status, card.status, at, acting_user, context={"old": old, "new": new}
    )
    _notify(change)
    return change


def _midday(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


# --- applications --------------------------------------------------------------------------
def app_target(app: Application, transition: str) -> str:
    try:
        return rules.next_app_status(transition, app.status)
    except ValueError:
        raise bad_transition(
            f"申请#{app.pk} ",
            rules.APP_STATUS_LABELS.get(app.status, app.status),
            rules.APP_TRANSITION_LABELS.get(transition, transition),
        ) from None


def transition_application(
    app: Application, transition: str, *, save: bool = True, **fields
) -> str:
    """Move a locked application through ``transition`` with the columns that change with it.

    ``save=False`` leaves the write to the caller's next save of the same row (an application
    created and moved in one service is inserted once).
    """
    target = app_target(app, transition)
    values = {**fields, "status": target}
    changed = [name for name, value in values.items() if getattr(app, name) != value]
    for name, value in values.items():
        setattr(app, name, value)
    if save and changed and app.pk is not None:
        prepared.update(app, changed, defer=True)
    return target
