"""sbk's holiday table: seeded from chinese-calendar, loaded yearly, edited by the centre,
and used by the card deadlines and the report deadlines alike."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from sbk.cards import rules
from sbk.cards.tests.helpers import submitted
from sbk.core.errors import Forbidden, ServiceError
from sbk.holidays import services
from sbk.holidays.models import Holiday, HolidayYear
from sbk.reports.periods import Period, due

pytestmark = pytest.mark.django_db

SCHEDULE_2027 = """date,kind,name
2027-01-01,休,元旦
2027-01-02,休,元旦
2027-01-03,休,元旦
2027-02-06,holiday,春节
2027-02-07,workday,春节
"""


def test_the_table_starts_from_the_package():
    cal = services.calendar()
    assert set(range(2004, 2027)) <= cal.years and 2027 not in cal.years
    assert cal.is_workday(dt.date(2026, 10, 1)) == (False, True)  # National Day
    assert cal.is_workday(dt.date(2026, 10, 10)) == (True, True)  # a worked Saturday
    assert cal.is_workday(dt.date(2027, 1, 1)) == (True, False)  # unknown: weekdays work
    assert Holiday.objects.get(day=dt.date(2026, 2, 17)).name == "春节"


def test_loading_a_years_schedule_makes_its_deadlines_final(tmp_path):
    assert due(Period.parse("2026-12"), services.calendar()).provisional
    path = tmp_path / "2027.csv"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    out = io.StringIO()
    call_command("holidays", "load", str(path), stdout=out)
    assert "2027" in out.getvalue()
    d = due(Period.parse("2026-12"), services.calendar())
    assert (d.due, d.provisional) == (dt.date(2027, 1, 4), False)
    assert HolidayYear.objects.get(year=2027).source == "file"


def test_a_bad_schedule_writes_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "date,kind,name\n2027-01-01,休,元旦\n2027-13-01,休,x\n2027-01-04,班,x\n", encoding="utf-8"
    )
    with pytest.raises(CommandError) as exc:
        call_command("holidays", "load", str(path), stdout=io.StringIO())
    assert "第 3 行 date" in str(exc.value) and "第 4 行 kind" in str(exc.value)
    assert not Holiday.objects.filter(day__year=2027).exists()


def test_the_centre_edits_a_day_and_others_may_not(world):
    services.set_day(
        dt.date(2026, 12, 1), acting_user=world.city_admin, kind="holiday", name="测试"
    )
    assert services.calendar().is_workday(dt.date(2026, 12, 1)) == (False, True)
    services.set_day(dt.date(2026, 12, 1), acting_user=world.city_admin, kind="")
    assert services.calendar().is_workday(dt.date(2026, 12, 1)) == (True, True)
    with pytest.raises(Forbidden):
        services.set_day(dt.date(2026, 12, 1), acting_user=world.admin_a, kind="holiday")
    with pytest.raises(ServiceError) as exc:
        services.set_day(dt.date(2026, 12, 1), acting_user=world.city_admin, kind="party")
    assert exc.value.field == "kind"


def test_card_deadlines_use_the_holiday_table(world, settings):
    settings.SBK_DEADLINE_WORKING_DAYS = True
    today = dt.date.today()
    app = submitted(world)
    expected = rules.deadline(today, 7, working_days=True, calendar=services.calendar())
    assert (app.deadline, app.deadline_provisional) == (expected.due, expected.provisional)
    # the centre declares the next working day a holiday: the next deadline moves
    nxt = today + dt.timedelta(days=1)
    while not services.calendar().is_workday(nxt)[0]:
        nxt += dt.timedelta(days=1)
    services.set_day(nxt, acting_user=world.city_admin, kind="holiday", name="临时放假")
    moved = rules.deadline(today, 7, working_days=True, calendar=services.calendar())
    assert moved.due > expected.due
    other = submitted(world, world.person_b, user=world.operator_b, outlet=world.bank_outlet_b)
    assert other.deadline == moved.due


def test_a_deadline_in_an_unknown_year_is_provisional_not_a_crash():
    d = rules.deadline(dt.date(2026, 12, 28), 7, working_days=True, calendar=services.calendar())
    assert d.provisional and d.due.year == 2027 and d.due.weekday() < 5


def test_show_command():
    out = io.StringIO()
    call_command("holidays", "show", "2027", stdout=out)
    assert "未载入" in out.getvalue()


def test_the_api_names_a_year_out_of_range_instead_of_failing(client, world):
    from sbk.cards.tests.test_api import token_for

    headers = token_for(world.operator_a)
    ok = client.get("/api/holidays?year=2026", **headers)
    assert ok.status_code == 200 and ok.json()["known"] is True
    for bad in ("0", "99999"):
        r = client.get(f"/api/holidays?year={bad}", **headers)
        assert r.status_code == 400 and r.json()["code"] == "invalid_request", r.content
