"""Console pages of the operations records (运营记录): lists in the user's scope and the
entry forms of those who enter them. Pages read through ``queries`` and act through
``services``; objects are named in the query string or the form, looked up in scope; GET
never writes.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sbk.core.catalogue import Action as A
from sbk.core.errors import ServiceError
from sbk.holidays.services import calendar

from . import clock, queries, services, timelimits
from . import forms as F
from . import workflow as W
from .models.orders import RootCause, Satisfaction, Source

SOURCES = Source.choices
PAGES = [
    ("operations:orders", "投诉及好差评工单"),
    ("operations:trainings", "培训考核"),
    ("operations:equipment", "网点设备"),
    ("operations:info", "工作信息"),
    ("operations:sampling", "业务材料抽查"),
    ("operations:assessments", "中心评估"),
    ("operations:indicators", "评估指标"),
]


def page(request, template: str, forms: list, handlers: dict, context: dict, back: str):
    """Draw a page, or handle one of its forms (``do``) and come back to it."""
    forms = F.allowed(request.user, forms)
    if request.method == "POST":
        name = request.POST.get("do", "")
        handler = handlers.get(name)
        if handler is None or name not in {f.name for f in forms}:
            messages.error(request, "未知操作或无权办理")
            return redirect(back)
        try:
            done = handler(request.user, request.POST, request.FILES)
        except ServiceError as exc:
            messages.error(request, f"{exc.message}（{exc.code}）")
            forms = F.with_error(forms, name, request.POST, exc)
            ctx = context() if callable(context) else context
            return render(request, template, {**ctx, "forms": forms, "pages": PAGES}, status=400)
        messages.success(request, done)
        return redirect(back)
    ctx = context() if callable(context) else context
    return render(request, template, {**ctx, "forms": forms, "pages": PAGES})


@login_required
def index(request):
    return redirect("operations:orders")


# ------------------------------------------------------------------ work orders
ORDER_FORMS = lambda: [  # noqa: E731  (fresh objects per request: they carry errors)
    F.Form(
        "create",
        "受理工单",
        A.ORDER_CREATE,
        [
            ("source", "来源", "select", SOURCES),
            ("org", "区或网点代码", "text"),
            ("subject", "事由", "text"),
            ("description", "内容", "textarea"),
            ("received_at", "受理时间（空为现在）", "datetime"),
        ],
    ),
    F.Form(
        "import",
        "导入好差评差评工单（JSON 导出文件）",
        A.ORDER_IMPORT,
        [("file", "导出文件", "file")],
    ),
]


def _create_order(user, post, files):
    o = services.create_order(
        acting_user=user,
        org=F.org(user, post, "org"),
        source=post.get("source", ""),
        subject=post.get("subject", ""),
        description=post.get("description", ""),
        received_at=F.moment(post, "received_at", "受理时间"),
    )
    return f"已受理工单 {o.number}"


def _import_orders(user, post, files):
    upload = files.get("file")
    if upload is None:
        raise ServiceError("bad_file", "请选择导出文件", field="file")
    got = services.import_reviews(upload.read(), acting_user=user)
    return f"已导入 {len(got.created)} 张工单，跳过已导入的 {len(got.skipped)} 张"


@login_required
@require_http_methods(["GET", "POST"])
def orders(request):
    state = request.GET.get("state", "")
    cal = calendar()

    def context():
        rows = []
        for o in queries.orders_of(request.user, state)[:300]:
            st = clock.status_of(o, cal=cal)
            rows.append((o, st, timelimits.LIGHT_LABELS[st.light]))
        return {
            "rows": rows,
            "state": state,
            "states": W.STATE_LABELS,
            "lights": timelimits.LIGHT_LABELS,
        }

    handlers = {"create": _create_order, "import": _import_orders}
    return page(
        request,
        "operations/orders.html",
        ORDER_FORMS(),
        handlers,
        context,
        reverse("operations:orders"),
    )


def _step_form(order) -> list:
    fields = {
        W.DISPATCH: [("outlet", "派往网点代码", "text")],
        W.RESPOND: [
            ("root_cause", "问题根源", "select", RootCause.choices),
            ("response", "响应情况", "textarea"),
        ],
        W.RECTIFY: [("rectification", "整改措施", "textarea")],
        W.VISIT: [("satisfaction", "回访满意度", "select", Satisfaction.choices)],
        W.CLOSE: [("liable", "有责", "checkbox"), ("verified", "属实", "checkbox")],
    }
    steps = W.steps_from(order.state)
    if order.state != W.CLOSED:
        steps.append(W.RESUME if order.paused else W.PAUSE)
    return [
        F.Form(
            step,
            W.STEP_LABELS[step],
            services.orders.STEP_ACTIONS[step],
            [*fields.get(step, []), ("note", "说明", "text")],
        )
        for step in steps
    ]


@login_required
@require_http_methods(["GET", "POST"])
def order(request):
    try:
        pk = int(request.GET.get("id", ""))
    except ValueError:
        raise Http404("工单不存在") from None
    found = queries.orders_of(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("工单不存在或不在您的管辖范围内")

    def step(name):
        def handler(user, post, files):
            services.transition(
                found.pk,
                name,
                acting_user=user,
                note=post.get("note", ""),
                outlet=F.org(user, post, "outlet", "网点代码", required=False),
                root_cause=post.get("root_cause", ""),
                response=post.get("response", ""),
                rectification=post.get("rectification", ""),
                satisfaction=post.get("satisfaction", ""),
                liable=post.get("liable") == "on" if name == W.CLOSE else None,
                verified=post.get("verified") == "on" if name == W.CLOSE else None,
            )
            return f"已{W.STEP_LABELS[name]}"

        return handler

    forms = _step_form(found)
    handlers = {f.name: step(f.name) for f in forms}

    def context():
        return {
            "order": found,
            "status": clock.status_of(found),
            "events": found.events.order_by("seq"),
            "states": W.STATE_LABELS,
            "lights": timelimits.LIGHT_LABELS,
        }

    back = reverse("operations:order") + f"?id={found.pk}"
    return page(request, "operations/order.html", forms, handlers, context, back)
