"""Holiday table endpoints.

GET  /api/holidays?year=YYYY        the year's days off and worked weekends, and whether known
POST /api/holidays/day  {"day", "kind", "name", "reason"}   set one day (kind "" clears it)
"""

import datetime as dt

from ninja import Query, Router, Schema

from sbk.core import idempotency

from . import services
from .models import Holiday, HolidayYear

router = Router(tags=["节假日"])


class DayOut(Schema):
    day: dt.date
    kind: str
    name: str
    source: str


class YearOut(Schema):
    year: int
    known: bool
    days: list[DayOut]


class DayIn(Schema):
    day: dt.date
    kind: str = ""
    name: str = ""
    reason: str = ""


class SetOut(Schema):
    day: dt.date
    kind: str


@router.get("", response=YearOut)
def year(request, year: int = Query(..., ge=1900, le=2200)):
    # The holiday table is public knowledge (the State Council's schedule): any signed-in user.
    days = Holiday.objects.filter(day__year=year)
    return {
        "year": year,
        "known": HolidayYear.objects.filter(year=year).exists(),
        "days": [{"day": h.day, "kind": h.kind, "name": h.name, "source": h.source} for h in days],
    }


@router.post("/day", response=SetOut)
def set_day(request, payload: DayIn):
    def act():
        row = services.set_day(
            payload.day,
            acting_user=request.auth,
            kind=payload.kind,
            name=payload.name,
            reason=payload.reason,
        )
        return 200, {"day": payload.day.isoformat(), "kind": row.kind if row else ""}

    return idempotency.run(request, payload.model_dump(mode="json"), act)[1]
