"""Console pages of material sampling, the centre's assessments and the indicators."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from sbk.core.catalogue import Action as A
from sbk.core.errors import ServiceError
from sbk.orgs.scope import visible_orgs

from . import forms as F
from . import queries, services
from .models import CentreAssessment, SampleDraw
from .models.records import AssessmentKind
from .views import PAGES, page


def _today():
    return timezone.localdate()


# ------------------------------------------------------------------ sampling
def _sampling_forms():
    return [
        F.Form(
            "draw",
            "抽取本季度样本",
            A.SAMPLE_DRAW,
            [
                ("district", "区代码", "text"),
                ("quarter", "季度（如 2026Q1）", "text"),
                ("seed", "随机种子（空则自动生成）", "text"),
                ("size", "抽取数（空为默认）", "number"),
            ],
        ),
        F.Form(
            "inspect",
            "检查样本",
            A.SAMPLE_INSPECT,
            [
                ("sample", "样本序号", "number"),
                ("verdict", "结论", "select", [("pass", "合格"), ("fail", "不合格")]),
                ("reason", "不合格原因", "text"),
            ],
        ),
        F.Form(
            "error",
            "登记业务差错",
            A.BUSINESS_ERROR_RECORD,
            [
                ("transaction", "业务办理记录序号", "number"),
                ("found_on", "发现日期", "date"),
                ("description", "差错情况", "textarea"),
                ("sample", "样本序号（可选）", "number"),
            ],
        ),
        F.Form(
            "document",
            "上传影像材料",
            A.DOCUMENT_ATTACH,
            [
                ("application", "申请序号", "number"),
                (
                    "kind",
                    "材料类型",
                    "select",
                    [
                        ("id_document", "身份证件"),
                        ("authorisation", "代办授权书"),
                        ("other", "其他"),
                    ],
                ),
                ("file", "影像文件", "file"),
            ],
        ),
    ]


def _draw(user, post, files):
    d = services.draw_sample(
        acting_user=user,
        org=F.org(user, post, "district", "区代码"),
        quarter=post.get("quarter", "").strip(),
        seed=post.get("seed", ""),
        size=F.number(post, "size", "抽取数", required=False),
    )
    return f"已抽取 {d.size} 件（总体 {d.population}，种子 {d.seed}）"


def _inspect(user, post, files):
    services.inspect_sample(
        F.number(post, "sample", "样本序号"),
        acting_user=user,
        verdict=post.get("verdict", ""),
        reason=post.get("reason", ""),
    )
    return "已登记检查结论"


def _error(user, post, files):
    services.record_business_error(
        acting_user=user,
        transaction_id=F.number(post, "transaction", "业务办理记录序号"),
        found_on=F.day(post, "found_on", "发现日期"),
        description=post.get("description", ""),
        sample_id=F.number(post, "sample", "样本序号", required=False),
    )
    return "已登记业务差错"


def _document(user, post, files):
    upload = files.get("file")
    if upload is None:
        raise ServiceError("bad_document", "请选择影像文件", field="file")
    services.attach_document(
        F.number(post, "application", "申请序号"),
        acting_user=user,
        kind=post.get("kind", ""),
        data=upload.read(),
    )
    return "已上传（加密保存）"


@login_required
@require_http_methods(["GET", "POST"])
def sampling(request):
    u = request.user
    handlers = {"draw": _draw, "inspect": _inspect, "error": _error, "document": _document}
    return page(
        request,
        "operations/sampling.html",
        _sampling_forms(),
        handlers,
        lambda: {
            "draws": SampleDraw.objects.filter(org__in=visible_orgs(u).values("pk")).select_related(
                "org"
            )[:40],
            "samples": queries.samples_of(u)[:500],
            "errors": queries.errors_of(u)[:200],
        },
        reverse("operations:sampling"),
    )


# ------------------------------------------------------------------ assessments, indicators
def _assessment_forms():
    return [
        F.Form(
            "assess",
            "录入评估（分项：每行“名称=分数”）",
            A.ASSESSMENT_RECORD,
            [
                ("org", "区代码", "text"),
                ("kind", "项目", "select", AssessmentKind.choices),
                ("start", "期间起", "date"),
                ("end", "期间止", "date"),
                ("sub_items", "分项得分", "textarea"),
                ("score", "得分（空为分项之和）", "text"),
                ("declaration", "书面申报（特色工作）", "textarea"),
            ],
        ),
    ]


def _sub_items(text: str) -> dict:
    out = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise ServiceError("bad_score", f"分项“{line}”应为 名称=分数", field="sub_items")
        out[name.strip()] = value.strip()
    return out


def _assess(user, post, files):
    services.record_assessment(
        acting_user=user,
        org=F.org(user, post, "org"),
        kind=post.get("kind", ""),
        start=F.day(post, "start", "期间起"),
        end=F.day(post, "end", "期间止"),
        sub_items=_sub_items(post.get("sub_items", "")),
        score=(post.get("score") or "").strip() or None,
        declaration=post.get("declaration", ""),
    )
    return "已录入评估"


@login_required
@require_http_methods(["GET", "POST"])
def assessments(request):
    rows = queries.assessments_of(request.user)[:300]
    return page(
        request,
        "operations/assessments.html",
        _assessment_forms(),
        {"assess": _assess},
        lambda: {"rows": rows, "kinds": dict(CentreAssessment._meta.get_field("kind").choices)},
        reverse("operations:assessments"),
    )


@login_required
@require_GET
def indicators(request):
    u = request.user
    code = request.GET.get("org") or getattr(getattr(u, "org", None), "code", "")
    org = visible_orgs(u).filter(code=code).first()
    today = _today()
    try:
        start = dt.date.fromisoformat(request.GET.get("start") or f"{today.year}-01-01")
        end = dt.date.fromisoformat(request.GET.get("end") or today.isoformat())
    except ValueError:
        start, end = dt.date(today.year, 1, 1), today
    figures = queries.indicators(org, start, end) if org is not None and start <= end else None
    return render(
        request,
        "operations/indicators.html",
        {"org": org, "code": code, "start": start, "end": end, "figures": figures, "pages": PAGES},
    )
