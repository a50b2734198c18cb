"""Scenarios of the reports and calendar actions (10xx), merged into
``sbk/tests/action_scenarios.SCENARIOS``."""

import datetime as dt
import itertools

from sbk.core.catalogue import Action as A
from sbk.holidays import services as holidays
from sbk.reports import counts, services

_seq = itertools.count(1)


def _holiday_set(ctx, u):
    day = dt.date(2026, 12, 1) + dt.timedelta(days=next(_seq))
    return lambda: holidays.set_day(day, acting_user=u, kind="holiday", name="测试")


def _holiday_load(ctx, u):
    path = ctx.tmp / f"holidays-{next(_seq)}.csv"
    path.write_text("date,kind,name\n2027-01-01,休,元旦\n", encoding="utf-8")
    return lambda: holidays.load_schedule(path, acting_user=u)


def _generate(ctx, u):
    return lambda: services.generate(0, "2026-01", acting_user=u, province="310000")


def _enter(ctx, u):
    return lambda: services.enter(
        "2026Q1", 1, {("310112", "terminals"): str(next(_seq))}, acting_user=u
    )


def _catalogue(ctx, u):
    return lambda: services.set_catalogue_item(
        1, acting_user=u, name=f"就业登记{next(_seq)}", domain="就业", use="other"
    )


def _rebuild(ctx, u):
    return lambda: counts.rebuild_counts(acting_user=u)


SCENARIOS = {
    A.HOLIDAY_SET: _holiday_set,
    A.HOLIDAY_LOAD: _holiday_load,
    A.REPORT_GENERATE: _generate,
    A.REPORT_ENTER: _enter,
    A.REPORT_CATALOGUE: _catalogue,
    A.REPORT_REBUILD_COUNTS: _rebuild,
}
