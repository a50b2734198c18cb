"""An order's clock read from its history: working time used, the light, the breach.

Reads only; ``services.orders`` writes the events this replays (``timelimits.replay``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sbk.holidays.services import calendar

from . import config, timelimits


def local(at: dt.datetime) -> dt.datetime:
    """A naive local datetime (the working-day calendar is in local dates)."""
    return timezone.localtime(at).replace(tzinfo=None) if timezone.is_aware(at) else at


def events_of(order) -> list[timelimits.Event]:
    return [
        timelimits.Event(local(e.at), e.kind, e.to_state)
        for e in order.events.order_by("seq").only("at", "kind", "to_state")
    ]


def status_of(order, *, now: dt.datetime | None = None, cal=None, events=None):
    """The order's ``timelimits.Status`` at ``now`` (default: now)."""
    cal = cal or calendar()
    timing = timelimits.replay(
        events if events is not None else events_of(order),
        cal.is_workday,
        local(now or timezone.now()),
    )
    return timelimits.status(timing, config.time_limits(order.source))
