"""Work-order services (投诉及"好差评"工单): intake, the one transition writer, escalation.

``transition`` is the only code that changes an order's ``state`` or ``paused`` flag, and it
appends the event the clock is replayed from (``sbk.operations.clock``).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.cards.queries import cards_for
from sbk.core.actions import atomic, record
from sbk.core.actors import is_system
from sbk.core.catalogue import Action as A
from sbk.core.errors import NotFound, ServiceError
from sbk.holidays.services import calendar
from sbk.notify.services import enqueue
from sbk.orgs.models import Organisation
from sbk.orgs.scope import scoped
from sbk.registry.queries import scoped_people

from .. import clock
from .. import workflow as W
from ..errors import OpsErrorCode as E
from ..models import WorkOrder, WorkOrderEvent
from ..models.orders import RootCause, Satisfaction, Source

# Orders older than this are not work orders of sbk's time (and would make the clock's
# day-by-day replay needlessly long).
EARLIEST_YEAR = 2000
STEP_ACTIONS = {
    W.DISPATCH: A.ORDER_DISPATCH,
    W.SIGN: A.ORDER_SIGN,
    W.RESPOND: A.ORDER_RESPOND,
    W.RECTIFY: A.ORDER_RECTIFY,
    W.VISIT: A.ORDER_VISIT,
    W.CLOSE: A.ORDER_CLOSE,
    W.RETURN: A.ORDER_RETURN,
    W.REOPEN: A.ORDER_REOPEN,
    W.PAUSE: A.ORDER_PAUSE,
    W.RESUME: A.ORDER_RESUME,
}


def district_of(org: Organisation) -> Organisation:
    district = org.district()
    if district is None:
        raise ServiceError(E.BAD_ORG, "工单须属于某个区或其下网点", field="org")
    return district


def _actor_name(user) -> str:
    if is_system(user):
        return user.get_username()
    return getattr(user, "full_name", "") or getattr(user, "username", "")


def _event(order, kind, *, acting_user, at, from_state="", to_state="", note="") -> WorkOrderEvent:
    last = order.events.order_by("-seq").first()
    if last is not None and at < last.at:
        raise ServiceError(E.BAD_DATE, "时间不能早于工单上一环节", field="at")
    return WorkOrderEvent.objects.create(
        order=order,
        seq=(last.seq + 1) if last else 1,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        at=at,
        actor=None if is_system(acting_user) else acting_user,
        actor_name=_actor_name(acting_user)[:60],
        note=note,
    )


def _snapshot(o: WorkOrder) -> dict:
    return {
        "state": o.state,
        "paused": o.paused,
        "org": o.org.code,
        "outlet": o.outlet.code if o.outlet_id else None,
        "liable": o.liable,
        "verified": o.verified,
    }


def new_order(
    *,
    acting_user,
    source: str,
    org: Organisation,
    subject: str,
    description: str = "",
    source_id: str = "",
    person=None,
    card=None,
    received_at: dt.datetime | None = None,
) -> WorkOrder:
    """Write an order and its 受理 event (no permission check, no audit: the callers)."""
    if source not in Source.values:
        raise ServiceError(E.BAD_SOURCE, f"来源须为 {'/'.join(Source.values)}", field="source")
    if not (subject or "").strip():
        raise ServiceError(E.REASON_REQUIRED, "事由不能为空", field="subject")
    district = district_of(org)
    at = received_at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ServiceError(E.BAD_DATE, "受理时间不能晚于现在", field="received_at")
    if at.year < EARLIEST_YEAR:
        raise ServiceError(E.BAD_DATE, f"受理时间不能早于 {EARLIEST_YEAR} 年", field="received_at")
    order = WorkOrder.objects.create(
        number=f"GD{timezone.localtime(at):%Y%m%d}-{uuid.uuid4().hex[:8].upper()}",
        source=source,
        source_id=source_id,
        district=district,
        outlet=org if org.is_outlet else None,
        org=district,
        subject=subject.strip()[:200],
        description=description,
        person=person,
        card=card,
        received_at=at,
        created_by=None if is_system(acting_user) else acting_user,
    )
    _event(order, W.CREATE, acting_user=acting_user, at=at, to_state=W.RECEIVED)
    return order


@atomic
def create_order(
    *,
    acting_user,
    org: Organisation,
    person_id: int | None = None,
    card_id: int | None = None,
    **fields,
) -> WorkOrder:
    """受理: take an order in by hand (the counter, a letter, a hotline call); the person
    and the card it concerns, when given, must be in the clerk's scope."""
    ensure(acting_user, A.ORDER_CREATE, org)
    person = card = None
    if person_id is not None:
        person = scoped_people(acting_user).filter(pk=person_id).first()
        if person is None:
            raise NotFound("持卡人")
    if card_id is not None:
        card = cards_for(acting_user).filter(pk=card_id).first()
        if card is None:
            raise NotFound("社保卡")
        if person is not None and card.person_id != person.pk:
            raise ServiceError(E.CARD_NOT_PERSONS, "该卡不属于所填持卡人", field="card_id")
        person = person or card.person
    order = new_order(acting_user=acting_user, org=org, person=person, card=card, **fields)
    record(A.ORDER_CREATE, acting_user=acting_user, obj=order, after=_snapshot(order))
    return order


def _locked(order_id: int, acting_user) -> WorkOrder:
    qs = scoped(acting_user, WorkOrder.objects.select_for_update())
    order = qs.filter(pk=order_id).first()
    if order is None:
        raise NotFound("工单")
    return order


@atomic
def transition(
    order_id: int,
    step: str,
    *,
    acting_user,
    note: str = "",
    outlet: Organisation | None = None,
    root_cause: str = "",
    response: str = "",
    rectification: str = "",
    satisfaction: str = "",
    liable: bool | None = None,
    verified: bool | None = None,
    at: dt.datetime | None = None,
) -> WorkOrder:
    """Move an order one step (派单 签收 响应 整改 回访 办结 退单 重启) or stop/restart its
    clock (暂停/恢复计时, waiting for the citizen or a third party)."""
    if step not in STEP_ACTIONS:
        raise ServiceError(E.BAD_STEP, f"未知的环节：{step}", field="step")
    action = STEP_ACTIONS[step]
    ensure(acting_user, action)  # a role that may never do it: 403 before the scope
    order = _locked(order_id, acting_user)
    ensure(acting_user, action, order)
    before = _snapshot(order)
    at = at or timezone.now()
    from_state, to_state = order.state, ""
    if step in W.CLOCK_STEPS:
        if order.state == W.CLOSED:
            raise ServiceError(E.CLOSED, "工单已办结，不能暂停或恢复计时", field="step")
        if step == W.PAUSE and order.paused:
            raise ServiceError(E.ALREADY_PAUSED, "工单已在暂停计时", field="step")
        if step == W.RESUME and not order.paused:
            raise ServiceError(E.NOT_PAUSED, "工单未暂停计时", field="step")
        if step == W.PAUSE and not note.strip():
            raise ServiceError(E.REASON_REQUIRED, "暂停计时须说明等待的对象和原因", field="note")
        order.paused = step == W.PAUSE
    else:
        to_state = W.next_state(order.state, step) or ""
        if not to_state:
            raise ServiceError(
                E.BAD_STEP,
                f"工单处于“{W.STATE_LABELS[order.state]}”，不能{W.STEP_LABELS[step]}",
                field="step",
            )
        _apply_step(order, step, outlet, note, root_cause, response, rectification)
        if step == W.VISIT:
            if satisfaction not in Satisfaction.values:
                raise ServiceError(E.REASON_REQUIRED, "回访须记录满意度", field="satisfaction")
            order.satisfaction = satisfaction
        if step == W.CLOSE:
            _close(order, liable, verified)
        order.state = to_state
    _event(
        order,
        step,
        acting_user=acting_user,
        at=at,
        from_state=from_state,
        to_state=to_state,
        note=note,
    )
    if step == W.CLOSE:
        order.closed_at = at
        order.time_used = clock.status_of(order, now=at).timing.total_seconds
    order.save()
    record(
        action,
        acting_user=acting_user,
        obj=order,
        before=before,
        after=_snapshot(order),
        reason=note,
    )
    return order


def _apply_step(order, step, outlet, note, root_cause, response, rectification) -> None:
    if step == W.DISPATCH:
        target = outlet or order.outlet
        if target is None or not target.is_outlet or target.district() != order.district:
            raise ServiceError(E.NO_OUTLET, "派单须指定本区的一个网点", field="outlet")
        order.outlet = order.org = target
    elif step == W.RETURN:
        if not note.strip():
            raise ServiceError(E.REASON_REQUIRED, "退单须说明原因", field="note")
        order.outlet, order.org = None, order.district
    elif step == W.RESPOND:
        if root_cause not in RootCause.values or not (response or "").strip():
            raise ServiceError(
                E.REASON_REQUIRED, "响应须写明问题根源（root_cause）和响应情况", field="root_cause"
            )
        order.root_cause, order.response = root_cause, response.strip()
    elif step == W.RECTIFY:
        if not (rectification or "").strip():
            raise ServiceError(E.REASON_REQUIRED, "整改须写明整改措施", field="rectification")
        order.rectification = rectification.strip()
    elif step == W.REOPEN:
        if not note.strip():
            raise ServiceError(E.REASON_REQUIRED, "重启须说明原因", field="note")
        order.closed_at, order.time_used, order.escalated_at = None, None, None
        order.paused = False


def _close(order, liable, verified) -> None:
    if liable is not None:
        order.liable = bool(liable)
    if verified is not None:
        order.verified = bool(verified)
    order.paused = False


@atomic
def _tell_district(order: WorkOrder, st) -> None:
    """An SMS to the district's duty mobile (值班手机), through the outbox in this
    transaction, once per order (its key). No personal data in it: the number, the step and
    the time used; the district reads the rest in its queue. Without a duty mobile the
    message is kept as skipped, so the outbox shows who was not told."""
    district = order.district
    enqueue(
        dedup_key=f"order-escalated-{order.pk}",
        kind="order_escalated",
        phone=district.duty_phone,
        text=(
            f"【社保卡】工单 {order.number} 已超过办理时限（已用 {st.timing.total_days} 个工作日，"
            f"环节“{W.STATE_LABELS[order.state]}”），已升级至{district.name}，请及时督办。"
        ),
    )


def escalate_due(*, acting_user, now: dt.datetime | None = None) -> list[WorkOrder]:
    """超时升级: every open order past a time limit, not yet escalated, goes up to its
    district (an event in its history, the district's queue shows it red and escalated).
    Run by ``sbk operations escalate`` (cron or a timer beside ``sbk worker``)."""
    ensure(acting_user, A.ORDER_ESCALATE)
    now = now or timezone.now()
    cal = calendar()
    done = []
    qs = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("district")
        .filter(state__in=W.OPEN_STATES, escalated_at__isnull=True, paused=False)
    )
    for order in qs.order_by("pk"):
        st = clock.status_of(order, now=now, cal=cal)
        if not st.breached:
            continue
        note = (
            f"超过时限（已用 {st.timing.total_days} 个工作日，环节“{W.STATE_LABELS[order.state]}”）"
        )
        _event(order, W.ESCALATE, acting_user=acting_user, at=now, note=note)
        order.escalated_at = now
        order.save(update_fields=["escalated_at"])
        _tell_district(order, st)
        done.append(order)
    if done:
        record(
            A.ORDER_ESCALATE,
            acting_user=acting_user,
            object_type="operations.workorder",
            object_id=",".join(str(o.pk) for o in done)[:200],
            after={"escalated": [o.number for o in done]},
        )
    return done
