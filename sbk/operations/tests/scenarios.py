"""The operations actions for ``sbk/tests/test_action_layer.py``: each prepares what it
needs as the city admin or directly (outside the measured call) and returns the call."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from sbk.core.actors import is_system
from sbk.core.catalogue import Action as A
from sbk.operations import services
from sbk.operations import workflow as W
from sbk.operations.models import Device, DeviceFault, Exam, InfoReport, MaterialSample, SampleDraw
from sbk.operations.services.orders import new_order

from .helpers import application, transaction

_seq = itertools.count(1)
_PATH = [W.DISPATCH, W.SIGN, W.RESPOND, W.RECTIFY, W.VISIT, W.CLOSE]
_KW = {
    W.DISPATCH: {},
    W.SIGN: {},
    W.RESPOND: {"root_cause": "attitude", "response": "已致歉"},
    W.RECTIFY: {"rectification": "培训"},
    W.VISIT: {"satisfaction": "satisfied"},
    W.CLOSE: {"liable": True},
}


def _today():
    return timezone.localdate()


def _order(ctx, steps: int = 0, received_at=None):
    """An order of district A, taken through the first ``steps`` steps (to outlet A)."""
    w = ctx.w
    o = new_order(
        acting_user=w.city_admin,
        source="counter",
        org=w.district_a,
        subject="窗口服务",
        received_at=received_at,
    )
    for step in _PATH[:steps]:
        kw = dict(_KW[step], outlet=w.outlet_a) if step == W.DISPATCH else _KW[step]
        services.transition(o.pk, step, acting_user=w.city_admin, **kw)
    return o


def _step(step, steps: int, **kw):
    def scenario(ctx, u):
        o = _order(ctx, steps)
        return lambda: services.transition(o.pk, step, acting_user=u, **kw)

    return scenario


def _dispatch(ctx, u):
    o = _order(ctx, 0)
    return lambda: services.transition(o.pk, W.DISPATCH, acting_user=u, outlet=ctx.w.outlet_a)


def _paused(ctx, u):
    o = _order(ctx, 1)
    services.transition(o.pk, W.PAUSE, acting_user=ctx.w.city_admin, note="等待市民")
    return lambda: services.transition(o.pk, W.RESUME, acting_user=u)


def _create(ctx, u):
    return lambda: services.create_order(
        acting_user=u, org=ctx.w.outlet_a, source="counter", subject="态度差"
    )


def _import(ctx, u):
    rows = [
        {
            "order_id": f"HCP-S{next(_seq)}",
            "received_at": timezone.now().isoformat(),
            "org": "OA1",
            "subject": "差评",
        }
    ]
    return lambda: services.import_reviews(rows, acting_user=u)


def _escalate(ctx, u):
    _order(ctx, 0, received_at=timezone.now() - dt.timedelta(days=40))
    return lambda: services.escalate_due(acting_user=u)


def _home(ctx, u):
    org = getattr(u, "org", None)
    return ctx.w.centre if org is None or is_system(u) else org


def _training(ctx, u):
    return lambda: services.record_training(
        acting_user=u,
        org=ctx.w.district_a,
        kind="training",
        held_on=_today() - dt.timedelta(days=3),
        topic="业务培训",
        reported_on=_today(),
        outlets=[ctx.w.outlet_a],
    )


def _tutors(ctx, u):
    return lambda: services.set_tutors(
        acting_user=u, org=ctx.w.district_a, year=_today().year, names=["张三"]
    )


def _questionnaire(ctx, u):
    return lambda: services.record_questionnaire(
        acting_user=u, org=ctx.w.outlet_a, held_on=_today(), respondent="甲", score=95
    )


def _exam(ctx, u):
    return lambda: services.create_exam(
        acting_user=u, org=_home(ctx, u), code=f"EX{next(_seq)}", title="线上考核", held_on=_today()
    )


def _exam_import(ctx, u):
    exam = Exam.objects.create(
        code=f"EI{next(_seq)}", title="考核", held_on=_today(), org=ctx.w.centre
    )
    text = "账号,姓名,机构代码,成绩\nop_a,甲,OA1,92\n"
    return lambda: services.import_exam_results(acting_user=u, code=exam.code, text=text)


def _device(ctx):
    return Device.objects.create(
        org=ctx.w.outlet_a, kind="printer", model="M1", purchase_date=dt.date(2022, 1, 1)
    )


def _fault(ctx):
    d = _device(ctx)
    return DeviceFault.objects.create(
        device=d, org=d.org, source="self", reported_on=_today(), description="卡纸"
    )


def _register(ctx, u):
    return lambda: services.register_device(
        acting_user=u, org=ctx.w.outlet_a, kind="photo", model="P1", purchase_date=_today()
    )


def _change(ctx, u):
    d = _device(ctx)
    return lambda: services.change_device(d.pk, acting_user=u, standby=True)


def _report(ctx, u):
    d = _device(ctx)
    return lambda: services.report_fault(
        d.pk, acting_user=u, reported_on=_today(), description="不出卡"
    )


def _repair(ctx, u):
    f = _fault(ctx)
    return lambda: services.repair_fault(
        f.pk, acting_user=u, repaired_on=_today(), repair_note="更换色带"
    )


def _review(ctx, u):
    f = _fault(ctx)
    return lambda: services.review_fault(f.pk, acting_user=u, complete=False, note="缺维修单")


def _maintenance(ctx, u):
    return lambda: services.set_maintenance(
        acting_user=u, org=ctx.w.district_a, effective_from=_today(), mode="full"
    )


def _info(ctx, u):
    return lambda: services.submit_info(
        acting_user=u,
        org=ctx.w.district_a,
        kind="flash",
        title="快讯",
        text="网点开展培训",
        submitted_on=_today(),
    )


def _adopt(ctx, u):
    r = InfoReport.objects.create(
        org=ctx.w.district_a, kind="flash", title="快讯", text="x", length=1, submitted_on=_today()
    )
    return lambda: services.adopt_info(r.pk, acting_user=u, adopted_on=_today())


def _attach(ctx, u):
    org = getattr(u, "org", None)
    outlet = org if org is not None and org.is_outlet else ctx.w.outlet_a
    app = application(outlet, ctx.w.person_a, timezone.now())
    return lambda: services.attach_document(
        app.pk, acting_user=u, kind="id_document", data=b"\xff\xd8\xffscan"
    )


def _draw(ctx, u):
    return lambda: services.draw_sample(
        acting_user=u, org=ctx.w.district_a, quarter=f"{_today().year - 1}Q4", seed="s", size=1
    )


def _inspect(ctx, u):
    app = application(ctx.w.outlet_a, ctx.w.person_a, timezone.now())
    draw = SampleDraw.objects.create(
        org=ctx.w.district_a,
        quarter="2020Q1",
        seed="s",
        size=1,
        population=1,
        drawn_at=timezone.now(),
    )
    s = MaterialSample.objects.create(draw=draw, application=app, org=ctx.w.outlet_a, position=1)
    return lambda: services.inspect_sample(s.pk, acting_user=u, verdict="pass")


def _error(ctx, u):
    txn = transaction(ctx.w.outlet_a, timezone.now())
    return lambda: services.record_business_error(
        acting_user=u, transaction_id=txn.pk, found_on=_today(), description="录错证件类型"
    )


def _assess(ctx, u):
    return lambda: services.record_assessment(
        acting_user=u,
        org=ctx.w.district_a,
        kind="canteen",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        sub_items={"coverage": 3},
    )


SCENARIOS = {
    A.ORDER_CREATE: _create,
    A.ORDER_IMPORT: _import,
    A.ORDER_DISPATCH: _dispatch,
    A.ORDER_SIGN: _step(W.SIGN, 1),
    A.ORDER_RESPOND: _step(W.RESPOND, 2, root_cause="system", response="系统故障"),
    A.ORDER_RECTIFY: _step(W.RECTIFY, 3, rectification="升级系统"),
    A.ORDER_VISIT: _step(W.VISIT, 4, satisfaction="basic"),
    A.ORDER_CLOSE: _step(W.CLOSE, 5, verified=True),
    A.ORDER_RETURN: _step(W.RETURN, 1, note="非本网点"),
    A.ORDER_REOPEN: _step(W.REOPEN, 6, note="不满意"),
    A.ORDER_PAUSE: _step(W.PAUSE, 1, note="等待第三方"),
    A.ORDER_RESUME: _paused,
    A.ORDER_ESCALATE: _escalate,
    A.TRAINING_RECORD: _training,
    A.TUTOR_RECORD: _tutors,
    A.QUESTIONNAIRE_RECORD: _questionnaire,
    A.EXAM_CREATE: _exam,
    A.EXAM_IMPORT: _exam_import,
    A.DEVICE_REGISTER: _register,
    A.DEVICE_CHANGE: _change,
    A.FAULT_REPORT: _report,
    A.FAULT_REPAIR: _repair,
    A.FAULT_REVIEW: _review,
    A.MAINTENANCE_SET: _maintenance,
    A.INFO_SUBMIT: _info,
    A.INFO_ADOPT: _adopt,
    A.DOCUMENT_ATTACH: _attach,
    A.SAMPLE_DRAW: _draw,
    A.SAMPLE_INSPECT: _inspect,
    A.BUSINESS_ERROR_RECORD: _error,
    A.ASSESSMENT_RECORD: _assess,
}
