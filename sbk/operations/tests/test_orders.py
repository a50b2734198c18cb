"""The work-order loop on the database: the one writer, the history, the clock."""

import datetime as dt

import pytest

from sbk.core.actors import SYSTEM
from sbk.core.errors import NotFound, ServiceError
from sbk.core.models import AuditEntry
from sbk.holidays.models import Holiday
from sbk.operations import clock, services
from sbk.operations import timelimits as T
from sbk.operations import workflow as W
from sbk.operations.models import WorkOrder

from .helpers import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def holiday(db):
    # A Wednesday made a holiday (whatever the table holds for that week otherwise).
    Holiday.objects.update_or_create(
        day=dt.date(2025, 9, 10), defaults={"kind": "holiday", "name": "测试", "source": "manual"}
    )


def _order(ops, when, source="counter"):
    return services.create_order(
        acting_user=ops.admin_a,
        org=ops.district_a,
        source=source,
        subject="窗口等候时间长",
        received_at=when,
    )


def _step(ops, order, step, when, user=None, **kw):
    return services.transition(order.pk, step, acting_user=user or ops.admin_a, at=when, **kw)


def _through(ops, order, day):
    """派单 … 办结 on one day (the outlet signs, responds, rectifies; the district closes)."""
    _step(ops, order, W.DISPATCH, at(day, 13), outlet=ops.outlet_a)
    _step(ops, order, W.SIGN, at(day, 14), ops.operator_a)
    _step(
        ops, order, W.RESPOND, at(day, 15), ops.operator_a, root_cause="attitude", response="已致歉"
    )
    _step(ops, order, W.RECTIFY, at(day, 16), ops.operator_a, rectification="情景化培训")
    _step(ops, order, W.VISIT, at(day, 17), satisfaction="satisfied")
    return _step(ops, order, W.CLOSE, at(day, 18), liable=True)


def test_the_loop_with_a_holiday_inside_the_window(ops, holiday):
    order = _order(ops, at("2025-09-09", 12))  # Tuesday noon
    closed = _through(ops, order, "2025-09-11")  # Thursday; Wednesday is the holiday
    assert closed.state == W.CLOSED and closed.liable and closed.org == ops.outlet_a
    # Tue 12:00–24:00 and Thu 00:00–18:00: 30 working hours, the holiday not counted
    assert closed.time_used == 30 * 3600
    # reproducible from the history alone
    assert clock.status_of(closed, now=at("2026-01-01")).timing.total_seconds == closed.time_used
    kinds = list(closed.events.values_list("kind", flat=True))
    assert kinds == ["create", "dispatch", "sign", "respond", "rectify", "visit", "close"]
    assert AuditEntry.objects.filter(action__startswith="order.").count() == 7


def test_a_pause_stops_the_clock_and_needs_a_reason(ops, holiday):
    order = _order(ops, at("2025-09-08", 12))  # Monday noon
    _step(ops, order, W.DISPATCH, at("2025-09-08", 13), outlet=ops.outlet_a)
    with pytest.raises(ServiceError) as exc:
        _step(ops, order, W.PAUSE, at("2025-09-08", 14), ops.operator_a)
    assert exc.value.field == "note"
    _step(ops, order, W.PAUSE, at("2025-09-08", 14), ops.operator_a, note="等待市民补充材料")
    with pytest.raises(ServiceError):  # pausing twice
        _step(ops, order, W.PAUSE, at("2025-09-08", 15), ops.operator_a, note="再停")
    _step(ops, order, W.RESUME, at("2025-09-12", 14), ops.operator_a)  # Friday 14:00
    order.refresh_from_db()
    st = clock.status_of(order, now=at("2025-09-12", 16))
    # Mon 12–14 (2 h) + Fri 14–16 (2 h): the paused days do not count
    assert st.timing.total_seconds == 4 * 3600 and st.light == T.GREEN


def test_return_and_reopen(ops, holiday):
    order = _order(ops, at("2025-09-08", 9))
    _step(ops, order, W.DISPATCH, at("2025-09-08", 10), outlet=ops.outlet_a)
    with pytest.raises(ServiceError) as exc:
        _step(ops, order, W.RETURN, at("2025-09-08", 11), ops.operator_a)
    assert exc.value.field == "note"
    back = _step(ops, order, W.RETURN, at("2025-09-08", 11), ops.operator_a, note="非本网点业务")
    assert back.state == W.RECEIVED and back.outlet is None and back.org == ops.district_a
    _step(ops, order, W.DISPATCH, at("2025-09-08", 12), outlet=ops.outlet_a2)
    order.refresh_from_db()
    # re-dispatched to OA2, then the loop on Thursday (Wednesday the holiday)
    for step, hour, user, kw in [
        (W.SIGN, 13, ops.admin_a, {}),
        (W.RESPOND, 14, ops.admin_a, {"root_cause": "standard", "response": "核查"}),
        (W.RECTIFY, 15, ops.admin_a, {"rectification": "规范操作"}),
        (W.VISIT, 16, ops.admin_a, {"satisfaction": "unsatisfied"}),
        (W.CLOSE, 17, ops.admin_a, {}),
    ]:
        _step(ops, order, step, at("2025-09-08", hour), user, **kw)
    order.refresh_from_db()
    assert order.time_used == 8 * 3600
    reopened = _step(ops, order, W.REOPEN, at("2025-09-11", 9), note="市民不满意")
    assert reopened.state == W.RECEIVED and reopened.time_used is None
    assert reopened.closed_at is None
    closed = _through(ops, reopened, "2025-09-11")
    # 8 h before, then Thu 09:00–18:00: the closed days and the holiday do not count
    assert closed.time_used == 17 * 3600
    assert clock.status_of(closed).timing.total_seconds == closed.time_used


def test_steps_out_of_order_and_out_of_scope_are_refused(ops):
    order = _order(ops, at("2025-09-08", 9))
    with pytest.raises(ServiceError) as exc:
        _step(ops, order, W.CLOSE, at("2025-09-08", 10))
    assert exc.value.code == "order_bad_step"
    with pytest.raises(ServiceError) as exc:  # another district's outlet
        _step(ops, order, W.DISPATCH, at("2025-09-08", 10), outlet=ops.outlet_b)
    assert exc.value.code == "order_no_outlet"
    with pytest.raises(NotFound):  # district B's admin does not see district A's order
        _step(ops, order, W.DISPATCH, at("2025-09-08", 10), ops.admin_b, outlet=ops.outlet_a)
    with pytest.raises(NotFound):  # the outlet sees it only once dispatched to it
        _step(ops, order, W.SIGN, at("2025-09-08", 10), ops.operator_a)
    with pytest.raises(ServiceError) as exc:  # an event cannot precede the last one
        _step(ops, order, W.DISPATCH, at("2025-09-08", 8), outlet=ops.outlet_a)
    assert exc.value.code == "bad_date"
    assert WorkOrder.objects.get(pk=order.pk).state == W.RECEIVED


def test_breached_orders_go_up_to_the_district_once(ops, holiday):
    late = _order(ops, at("2025-09-01", 9), source="bad_review")  # 7 working days long past
    fresh = _order(ops, at("2025-09-01", 9))
    _step(ops, fresh, W.PAUSE, at("2025-09-01", 10), note="等待第三方核实")
    done = services.escalate_due(acting_user=SYSTEM, now=at("2025-09-15", 9))
    assert [o.pk for o in done] == [late.pk]
    late.refresh_from_db()
    assert late.escalated_at is not None
    assert late.events.last().kind == W.ESCALATE
    assert clock.status_of(late, now=at("2025-09-15", 9)).light == T.RED
    assert services.escalate_due(acting_user=SYSTEM, now=at("2025-09-16", 9)) == []


def test_an_escalation_texts_the_districts_duty_mobile_once(ops, holiday):
    from sbk.notify.models import Notification, OutboxStatus
    from sbk.orgs.services import change_organisation

    change_organisation(
        ops.district_a.pk, acting_user=SYSTEM, changes={"duty_phone": "139 0000 1234"}
    )
    told = _order(ops, at("2025-09-01", 9), source="bad_review")
    untold = services.create_order(
        acting_user=ops.admin_b,
        org=ops.district_b,
        source="bad_review",
        subject="窗口等候时间长",
        received_at=at("2025-09-01", 9),
    )
    services.escalate_due(acting_user=SYSTEM, now=at("2025-09-15", 9))
    services.escalate_due(acting_user=SYSTEM, now=at("2025-09-16", 9))  # nothing new
    sms = Notification.objects.get(dedup_key=f"order-escalated-{told.pk}")
    assert (sms.phone, sms.phone_masked, sms.status) == ("13900001234", "139****1234", "pending")
    assert told.number in sms.text and "已升级至闵行区" in sms.text and "工作日" in sms.text
    # district B has no duty mobile: the message is kept, marked as not sent
    other = Notification.objects.get(dedup_key=f"order-escalated-{untold.pk}")
    assert other.status == OutboxStatus.SKIPPED and other.phone == ""
    assert Notification.objects.count() == 2


def test_the_escalation_command_and_the_indicator_command(ops, holiday, capsys):
    from django.core.management import call_command

    _order(ops, at("2025-09-01", 9), source="bad_review")
    call_command("operations", "escalate", "--at", "2025-09-15T09:00:00")
    assert "共升级 1 张工单" in capsys.readouterr().out
    call_command("operations", "indicators", "DA", "--start", "2025-09-01", "--end", "2025-09-30")
    assert '"liable_complaints": 0' in capsys.readouterr().out


def test_the_worker_escalates_breached_orders_once(ops, holiday):
    from io import StringIO

    from django.core.management import call_command

    _order(ops, at("2025-09-01", 9), source="bad_review")
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "orders_escalated 1" in out.getvalue()
    again = StringIO()
    call_command("worker", "--once", stdout=again)
    assert "orders_escalated" not in again.getvalue()


def test_an_order_by_hand_names_the_person_and_card_in_scope(ops):
    from sbk.cards.models import Card
    from sbk.testing import person

    pa, pb = person(ops.outlet_a), person(ops.outlet_b)
    card = Card.objects.create(
        person=pa,
        card_no="C-OPS-1",
        card_code="310112",
        version="3.00",
        division_code="310112",
        org=ops.outlet_a,
        status="issued",
        category="employee",
        issued_on=dt.date(2025, 1, 1),
    )
    fields = {"source": "counter", "subject": "柜面投诉", "received_at": at("2025-09-01", 9)}
    o = services.create_order(
        acting_user=ops.admin_a, org=ops.district_a, card_id=card.pk, **fields
    )
    assert (o.person_id, o.card_id) == (pa.pk, card.pk)  # the card names its holder
    with pytest.raises(NotFound):  # district B's person is not district A's to name
        services.create_order(
            acting_user=ops.admin_a, org=ops.district_a, person_id=pb.pk, **fields
        )
    with pytest.raises(ServiceError) as exc:
        services.create_order(
            acting_user=ops.city_admin,
            org=ops.district_a,
            person_id=pb.pk,
            card_id=card.pk,
            **fields,
        )
    assert exc.value.code == "order_card_not_persons" and exc.value.field == "card_id"
