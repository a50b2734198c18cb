"""The working-time clock, pure (no database)."""

import datetime as dt

from sbk.holidays.workdays import WorkCalendar
from sbk.operations import timelimits as T
from sbk.operations import workflow as W

# 2025-09-10 (a Wednesday) made a holiday; 2025-09-13 (a Saturday) a worked weekend.
CAL = WorkCalendar.from_days(
    [2025], [(dt.date(2025, 9, 10), "holiday", "测试"), (dt.date(2025, 9, 13), "workday", "调休")]
)


def t(day, hour=0):
    return dt.datetime(2025, 9, day, hour)


def test_working_seconds_skip_the_holiday_and_count_the_worked_weekend():
    assert T.working_seconds(t(9, 12), t(11, 12), CAL.is_workday) == 86400  # Wed off
    assert T.working_seconds(t(12, 0), t(15, 0), CAL.is_workday) == 2 * 86400  # Fri, Sat
    assert T.working_seconds(t(11), t(11), CAL.is_workday) == 0


def test_replay_stops_the_clock_while_paused_and_while_closed():
    events = [
        T.Event(t(8, 9), W.CREATE, W.RECEIVED),
        T.Event(t(8, 21), W.DISPATCH, W.DISPATCHED),  # 12 h received
        T.Event(t(9, 9), W.PAUSE),  # 12 h dispatched
        T.Event(t(11, 9), W.RESUME),  # paused: not counted
        T.Event(t(11, 21), W.SIGN, W.SIGNED),  # 12 h
    ]
    timing = T.replay(events, CAL.is_workday, now=t(12, 9))
    assert timing.state == W.SIGNED and not timing.paused
    assert timing.total_seconds == 36 * 3600 + 12 * 3600  # + 12 h signed so far
    assert timing.state_seconds == 12 * 3600


def test_reopen_counts_only_the_open_spans():
    events = [
        T.Event(t(8, 0), W.CREATE, W.RECEIVED),
        T.Event(t(8, 12), W.CLOSE, W.CLOSED),
        T.Event(t(12, 0), W.REOPEN, W.RECEIVED),
    ]
    closed = T.replay(events[:2], CAL.is_workday, now=t(15))
    assert closed.closed and closed.total_seconds == 12 * 3600
    reopened = T.replay(events, CAL.is_workday, now=t(12, 6))
    assert reopened.total_seconds == 18 * 3600 and reopened.state_seconds == 6 * 3600


def test_traffic_light_thresholds():
    day = 86400
    assert T.light(int(0.74 * day), 1) == T.GREEN  # 26 % left
    assert T.light(int(0.80 * day), 1) == T.AMBER  # 20 % left
    assert T.light(int(0.95 * day), 1) == T.RED  # 5 % left
    assert T.light(day + 1, 1) == T.RED and T.breached(day + 1, 1)
    assert not T.breached(day, 1)


def test_status_is_the_worse_of_step_and_total():
    timing = T.Timing(
        W.RESPONDED, total_seconds=86400, state_seconds=int(2.9 * 86400), paused=False, closed=False
    )
    st = T.status(timing, T.limits_for("bad_review"))
    assert st.total_light == T.GREEN and st.step_light == T.RED and st.light == T.RED
    assert not st.breached
    assert T.limits_for("hotline", {"hotline": {"total": 3}})["total"] == 3


def test_state_machine_allows_only_its_steps():
    assert W.next_state(W.RECEIVED, W.DISPATCH) == W.DISPATCHED
    assert W.next_state(W.RECEIVED, W.CLOSE) is None
    assert W.next_state(W.SIGNED, W.RETURN) == W.RECEIVED
    assert W.next_state(W.RESPONDED, W.RETURN) is None
    assert W.next_state(W.CLOSED, W.REOPEN) == W.RECEIVED
    assert W.steps_from(W.DISPATCHED) == [W.SIGN, W.RETURN]
