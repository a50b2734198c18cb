"""Time limits of work orders (工单时限), counted in working days. Pure: no Django import.

Working time is the part of an interval that falls on working days of the holiday
calendar (``sbk.holidays.workdays.WorkCalendar``: public holidays off, worked weekends on):
one working day is 24 hours of a working date, so a half day is meaningful and the count
does not depend on office hours. The clock stops while the order is paused (waiting for
the citizen or a third party) and while it is closed. Everything is replayed from the
order's event history, so the time used by any order, closed or not, is reproducible.

The traffic light: time left above 25 % of the limit green, 10–25 % amber, less than
10 % or breached red (escalation happens only when breached).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import workflow as W

DAY = 86400
GREEN, AMBER, RED = "green", "amber", "red"
LIGHT_LABELS = {GREEN: "绿灯", AMBER: "黄灯", RED: "红灯"}
GREEN_ABOVE, AMBER_ABOVE = 0.25, 0.10

IsWorkday = Callable[[dt.date], tuple[bool, bool]]

# Working days allowed in each open state (before the next forward step) and in total, by
# source. The settings may replace any of them (``SBK_OPS_TIME_LIMITS``).
DEFAULT_LIMITS: dict[str, dict[str, float]] = {
    "bad_review": {
        W.RECEIVED: 1,
        W.DISPATCHED: 1,
        W.SIGNED: 1,
        W.RESPONDED: 3,
        W.RECTIFIED: 2,
        W.VISITED: 1,
        "total": 7,
    },
    "hotline": {
        W.RECEIVED: 1,
        W.DISPATCHED: 1,
        W.SIGNED: 2,
        W.RESPONDED: 5,
        W.RECTIFIED: 2,
        W.VISITED: 2,
        "total": 10,
    },
    "counter": {
        W.RECEIVED: 1,
        W.DISPATCHED: 1,
        W.SIGNED: 2,
        W.RESPONDED: 5,
        W.RECTIFIED: 3,
        W.VISITED: 2,
        "total": 12,
    },
    "letter": {
        W.RECEIVED: 2,
        W.DISPATCHED: 2,
        W.SIGNED: 3,
        W.RESPONDED: 10,
        W.RECTIFIED: 5,
        W.VISITED: 3,
        "total": 20,
    },
}


def limits_for(source: str, overrides: dict | None = None) -> dict[str, float]:
    limits = dict(DEFAULT_LIMITS.get(source, DEFAULT_LIMITS["counter"]))
    limits.update((overrides or {}).get(source, {}))
    return limits


def working_seconds(start: dt.datetime, end: dt.datetime, is_workday: IsWorkday) -> int:
    """Seconds of [start, end) that fall on working dates (naive local datetimes)."""
    if end <= start:
        return 0
    total = 0
    day = start.date()
    while day <= end.date():
        lo = max(start, dt.datetime.combine(day, dt.time()))
        hi = min(end, dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
        if hi > lo and is_workday(day)[0]:
            total += int((hi - lo).total_seconds())
        day += dt.timedelta(days=1)
    return total


@dataclass(frozen=True)
class Event:
    at: dt.datetime  # naive local time
    kind: str
    to_state: str = ""


@dataclass(frozen=True)
class Timing:
    state: str
    total_seconds: int  # working seconds the order has been open and running
    state_seconds: int  # working seconds in the current state since it was entered
    paused: bool
    closed: bool

    @property
    def total_days(self) -> float:
        return round(self.total_seconds / DAY, 2)


def replay(events: Iterable[Event], is_workday: IsWorkday, now: dt.datetime) -> Timing:
    """Working time used, from the event history in order (``now``: where an open order's
    clock stands)."""
    state, running, paused = "", False, False
    mark: dt.datetime | None = None
    total = in_state = 0

    def advance(to: dt.datetime):
        nonlocal total, in_state, mark
        if running and not paused and mark is not None:
            used = working_seconds(mark, to, is_workday)
            total += used
            in_state += used
        mark = to

    for e in events:
        advance(e.at)
        if e.kind == W.PAUSE:
            paused = True
        elif e.kind == W.RESUME:
            paused = False
        elif e.kind == W.ESCALATE:
            pass
        else:
            if e.to_state and e.to_state != state:
                in_state = 0
            state = e.to_state or state
            running = state != W.CLOSED
            if e.kind == W.REOPEN:
                paused = False
    if running:
        advance(now)
    return Timing(state, total, in_state, paused, state == W.CLOSED)


def light(used_seconds: int, limit_days: float) -> str:
    limit = limit_days * DAY
    if limit <= 0 or used_seconds > limit:
        return RED
    left = 1 - used_seconds / limit
    if left > GREEN_ABOVE:
        return GREEN
    if left >= AMBER_ABOVE:
        return AMBER
    return RED


def breached(used_seconds: int, limit_days: float) -> bool:
    return used_seconds > limit_days * DAY


@dataclass(frozen=True)
class Status:
    light: str
    step_light: str
    total_light: str
    breached: bool
    step_limit: float | None
    total_limit: float
    timing: Timing


def status(timing: Timing, limits: dict[str, float]) -> Status:
    """The traffic light of an order: the worse of its current step's and its total's."""
    total_limit = limits["total"]
    total_light = light(timing.total_seconds, total_limit)
    step_limit = limits.get(timing.state) if not timing.closed else None
    step_light = light(timing.state_seconds, step_limit) if step_limit else GREEN
    worst = max((total_light, step_light), key=[GREEN, AMBER, RED].index)
    over = breached(timing.total_seconds, total_limit) or (
        step_limit is not None and breached(timing.state_seconds, step_limit)
    )
    if timing.closed:
        worst = RED if over else GREEN
    return Status(worst, step_light, total_light, over, step_limit, total_limit, timing)
