"""The stock actions for ``sbk/tests/test_action_layer.py``: each prepares what it needs as
the system (outside the measured call) in the user's own place and returns the call."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from sbk.core.actors import SYSTEM, is_system
from sbk.core.catalogue import Action as A
from sbk.orgs.models import OrgKind
from sbk.stock import services
from sbk.stock.models import Serial

_seq = itertools.count(1)


def _serials(n=1):
    return [f"SC{next(_seq):07d}" for _ in range(n)]


def _home(ctx, u):
    """The organisation whose books ``u`` keeps."""
    org = getattr(u, "org", None)
    if org is None:
        return ctx.w.centre if is_system(u) else ctx.w.outlet_a
    return org


def _at_centre(ctx, n=1):
    got = _serials(n)
    services.allocate_blanks(
        acting_user=SYSTEM, source=None, target=ctx.w.centre, bank=ctx.w.bank, serials=got
    )
    return got


def _in_stock(ctx, org, n=1):
    got = _at_centre(ctx, n)
    if org != ctx.w.centre:
        services.allocate_blanks(
            acting_user=SYSTEM, source=ctx.w.centre, target=org, bank=ctx.w.bank, serials=got
        )
        services.receive(acting_user=SYSTEM, target=org, serials=got)
    return got


def _waste_at(ctx, org):
    """A waste card in ``org``'s stock (spoiled at an outlet, returned up as far as ``org``)."""
    outlet = org if org.is_outlet else ctx.w.outlet_a
    got = _in_stock(ctx, outlet)
    services.spoil_blanks(acting_user=SYSTEM, outlet=outlet, serials=got)
    if org != outlet:
        services.return_upward(acting_user=SYSTEM, source=outlet, target=org, serials=got)
        services.receive(acting_user=SYSTEM, target=org, serials=got)
    return got


def _allocate(ctx, u):
    home = _home(ctx, u)
    source = home if home.kind == OrgKind.DISTRICT else ctx.w.centre
    got = _in_stock(ctx, source)
    return lambda: services.allocate_blanks(
        acting_user=u, source=source, target=ctx.w.outlet_a, bank=ctx.w.bank, serials=got
    )


def _receive(ctx, u):
    home = _home(ctx, u)
    if home.kind == OrgKind.CENTRE:
        got = _waste_at(ctx, ctx.w.outlet_a)
        services.return_upward(acting_user=SYSTEM, source=ctx.w.outlet_a, target=home, serials=got)
    else:
        got = _at_centre(ctx)
        services.allocate_blanks(
            acting_user=SYSTEM, source=ctx.w.centre, target=home, bank=ctx.w.bank, serials=got
        )
    return lambda: services.receive(acting_user=u, target=home, serials=got)


def _consume(ctx, u):
    outlet = ctx.place(u)
    got = _in_stock(ctx, outlet)
    return lambda: services.record_consumption(
        acting_user=u, outlet=outlet, serials=got, note="外部制卡批次"
    )


def _spoil(ctx, u):
    outlet = ctx.place(u)
    got = _in_stock(ctx, outlet)
    return lambda: services.spoil_blanks(acting_user=u, outlet=outlet, serials=got)


def _return(ctx, u):
    home = _home(ctx, u)
    source = home if home.kind != OrgKind.CENTRE else ctx.w.bank_outlet_a
    got = _waste_at(ctx, source)
    return lambda: services.return_upward(acting_user=u, source=source, serials=got)


def _write_off(ctx, u):
    got = _waste_at(ctx, ctx.w.centre)
    return lambda: services.write_off(acting_user=u, centre=ctx.w.centre, serials=got)


def _transfer(ctx, u):
    got = _in_stock(ctx, ctx.w.outlet_a)
    return lambda: services.transfer(
        acting_user=u, source=ctx.w.outlet_a, target=ctx.w.bank_outlet_a, serials=got
    )


def _correct(ctx, u):
    got = _in_stock(ctx, ctx.w.outlet_a)
    (entry,) = services.transfer(
        acting_user=SYSTEM, source=ctx.w.outlet_a, target=ctx.w.bank_outlet_a, serials=got
    )
    return lambda: services.correct_movement(entry.batch, acting_user=u, reason="调错网点")


def _close_day(ctx, u):
    home = _home(ctx, u)
    return lambda: services.close_day(home, acting_user=u)


def _close_month(ctx, u):
    home = _home(ctx, u)
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return lambda: services.close_month(home, month, acting_user=u)


def _count(ctx, u):
    home = _home(ctx, u)
    return lambda: services.count_stock(home, acting_user=u, item="waste", qty=0)


def _discrepancy(ctx, org, *, explained: bool):
    held = list(
        Serial.objects.filter(org=org, state="stock", item="blank").values_list("serial", flat=True)
    )
    if not held:
        held = _in_stock(ctx, org, 2)
    take = services.count_stock(
        org, acting_user=SYSTEM, item="blank", qty=len(held) - 1, serials=held[1:]
    )
    if explained:
        services.explain_discrepancy(take.discrepancy.pk, acting_user=SYSTEM, text="印坏未登记")
    return take.discrepancy


def _explain(ctx, u):
    disc = _discrepancy(ctx, _home(ctx, u), explained=False)
    return lambda: services.explain_discrepancy(disc.pk, acting_user=u, text="印坏未登记")


def _rectify(ctx, u):
    disc = _discrepancy(ctx, ctx.w.outlet_a, explained=True)
    return lambda: services.rectify_discrepancy(disc.pk, acting_user=u, reason="按盘点核减")


SCENARIOS = {
    A.STOCK_ALLOCATE: _allocate,
    A.STOCK_RECEIVE: _receive,
    A.STOCK_CONSUME: _consume,
    A.STOCK_SPOIL: _spoil,
    A.STOCK_RETURN: _return,
    A.STOCK_WRITE_OFF: _write_off,
    A.STOCK_TRANSFER: _transfer,
    A.STOCK_CORRECT: _correct,
    A.STOCK_CLOSE_DAY: _close_day,
    A.STOCK_CLOSE_MONTH: _close_month,
    A.STOCK_COUNT: _count,
    A.STOCK_EXPLAIN: _explain,
    A.STOCK_RECTIFY: _rectify,
}
