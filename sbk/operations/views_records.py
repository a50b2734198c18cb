"""Console pages of trainings and exams, equipment, information reports, sampling,
assessments and the indicators (the work-order pages are in ``views``)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from sbk.core.catalogue import Action as A
from sbk.core.errors import ServiceError
from sbk.orgs.scope import visible_orgs

from . import forms as F
from . import queries, services
from .models import Exam
from .models.equipment import DeviceKind, DeviceStatus, FaultSource, MaintenanceKind
from .models.records import InfoKind, TrainingKind
from .views import page


def _today():
    return timezone.localdate()


# ------------------------------------------------------------------ trainings and exams
def _training_forms():
    return [
        F.Form(
            "training",
            "登记培训",
            A.TRAINING_RECORD,
            [
                ("org", "区代码", "text"),
                ("kind", "类型", "select", TrainingKind.choices),
                ("held_on", "培训日期", "date"),
                ("topic", "主题", "text"),
                ("reported_on", "上报日期", "date"),
                ("outlets", "覆盖网点代码（空格分隔）", "text"),
                ("bank", "服务银行代码（交叉培训）", "text"),
                ("materials", "培训资料", "textarea"),
            ],
        ),
        F.Form(
            "tutors",
            "登记小教员（一行一名）",
            A.TUTOR_RECORD,
            [("org", "区代码", "text"), ("year", "年度", "number"), ("names", "姓名", "textarea")],
        ),
        F.Form(
            "questionnaire",
            "现场业务问卷",
            A.QUESTIONNAIRE_RECORD,
            [
                ("org", "网点代码", "text"),
                ("held_on", "检查日期", "date"),
                ("respondent", "作答人", "text"),
                ("score", "得分", "number"),
            ],
        ),
        F.Form(
            "exam",
            "新建线上考核",
            A.EXAM_CREATE,
            [
                ("code", "考试编号", "text"),
                ("title", "名称", "text"),
                ("held_on", "考试日期", "date"),
            ],
        ),
        F.Form(
            "results",
            "导入考核成绩（CSV：账号,姓名,机构代码,成绩）",
            A.EXAM_IMPORT,
            [("exam", "考试编号", "text"), ("file", "成绩文件", "file")],
        ),
    ]


def _training(user, post, files):
    services.record_training(
        acting_user=user,
        org=F.org(user, post, "org"),
        kind=post.get("kind", ""),
        held_on=F.day(post, "held_on", "培训日期"),
        topic=post.get("topic", ""),
        reported_on=F.day(post, "reported_on", "上报日期"),
        outlets=[
            F.org(user, {"outlets": c}, "outlets", "网点代码") for c in F.codes(post, "outlets")
        ],
        bank=F.org(user, post, "bank", "银行代码", required=False),
        materials=post.get("materials", ""),
    )
    return "已登记培训"


def _tutors(user, post, files):
    rows = services.set_tutors(
        acting_user=user,
        org=F.org(user, post, "org"),
        year=F.number(post, "year", "年度"),
        names=(post.get("names") or "").splitlines(),
    )
    return f"已登记小教员 {len(rows)} 名"


def _questionnaire(user, post, files):
    services.record_questionnaire(
        acting_user=user,
        org=F.org(user, post, "org"),
        held_on=F.day(post, "held_on", "检查日期"),
        respondent=post.get("respondent", ""),
        score=post.get("score", ""),
    )
    return "已登记问卷得分"


def _exam(user, post, files):
    services.create_exam(
        acting_user=user,
        org=user.org,
        code=post.get("code", ""),
        title=post.get("title", ""),
        held_on=F.day(post, "held_on", "考试日期"),
    )
    return "已新建考核"


def _results(user, post, files):
    upload = files.get("file")
    if upload is None:
        raise ServiceError("bad_file", "请选择成绩文件", field="file")
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    n = services.import_exam_results(acting_user=user, code=post.get("exam", ""), text=text)
    return f"已导入成绩 {n} 条"


@login_required
@require_http_methods(["GET", "POST"])
def trainings(request):
    u = request.user
    handlers = {
        "training": _training,
        "tutors": _tutors,
        "questionnaire": _questionnaire,
        "exam": _exam,
        "results": _results,
    }
    return page(
        request,
        "operations/trainings.html",
        _training_forms(),
        handlers,
        lambda: {
            "trainings": queries.trainings_of(u).prefetch_related("outlets")[:200],
            "tutors": queries.tutors_of(u)[:200],
            "questionnaires": queries.questionnaires_of(u)[:200],
            "exams": Exam.objects.all()[:50],
            "results": queries.exams_results_of(u)[:300],
        },
        reverse("operations:trainings"),
    )


# ------------------------------------------------------------------ equipment
def _equipment_forms():
    return [
        F.Form(
            "device",
            "登记设备",
            A.DEVICE_REGISTER,
            [
                ("org", "网点代码", "text"),
                ("kind", "设备类型", "select", DeviceKind.choices),
                ("model", "型号", "text"),
                ("serial_no", "设备编号", "text"),
                ("purchase_date", "购置日期", "date"),
                ("standby", "备用设备", "checkbox"),
            ],
        ),
        F.Form(
            "change",
            "变更设备状态",
            A.DEVICE_CHANGE,
            [
                ("device", "设备序号", "number"),
                ("status", "状态", "select", DeviceStatus.choices),
                ("retired_on", "报废日期", "date"),
            ],
        ),
        F.Form(
            "fault",
            "报修",
            A.FAULT_REPORT,
            [
                ("device", "设备序号", "number"),
                ("source", "发现途径", "select", FaultSource.choices),
                ("reported_on", "报修日期", "date"),
                ("description", "故障情况", "textarea"),
            ],
        ),
        F.Form(
            "repair",
            "修复",
            A.FAULT_REPAIR,
            [
                ("fault", "故障序号", "number"),
                ("repaired_on", "修复日期", "date"),
                ("repair_note", "维修记录", "textarea"),
            ],
        ),
        F.Form(
            "review",
            "核查报修记录（不勾选即记录不完整、不规范）",
            A.FAULT_REVIEW,
            [
                ("fault", "故障序号", "number"),
                ("complete", "记录完整规范", "checkbox"),
                ("note", "核查意见", "text"),
            ],
        ),
        F.Form(
            "maintenance",
            "区运维模式",
            A.MAINTENANCE_SET,
            [
                ("org", "区代码", "text"),
                ("effective_from", "起始日期", "date"),
                ("mode", "运维模式", "select", MaintenanceKind.choices),
                ("note", "说明", "text"),
            ],
        ),
    ]


def _device(user, post, files):
    d = services.register_device(
        acting_user=user,
        org=F.org(user, post, "org"),
        kind=post.get("kind", ""),
        model=post.get("model", ""),
        serial_no=post.get("serial_no", ""),
        purchase_date=F.day(post, "purchase_date", "购置日期"),
        standby=post.get("standby") == "on",
    )
    return f"已登记设备（序号 {d.pk}）"


def _change(user, post, files):
    services.change_device(
        F.number(post, "device", "设备序号"),
        acting_user=user,
        status=post.get("status") or None,
        retired_on=F.day(post, "retired_on", "报废日期", required=False),
    )
    return "已变更设备状态"


def _fault(user, post, files):
    f = services.report_fault(
        F.number(post, "device", "设备序号"),
        acting_user=user,
        source=post.get("source", "self"),
        reported_on=F.day(post, "reported_on", "报修日期"),
        description=post.get("description", ""),
    )
    return f"已报修（故障序号 {f.pk}）"


def _repair(user, post, files):
    services.repair_fault(
        F.number(post, "fault", "故障序号"),
        acting_user=user,
        repaired_on=F.day(post, "repaired_on", "修复日期"),
        repair_note=post.get("repair_note", ""),
    )
    return "已登记修复"


def _review(user, post, files):
    services.review_fault(
        F.number(post, "fault", "故障序号"),
        acting_user=user,
        complete=post.get("complete") == "on",
        note=post.get("note", ""),
    )
    return "已核查"


def _maintenance(user, post, files):
    services.set_maintenance(
        acting_user=user,
        org=F.org(user, post, "org"),
        effective_from=F.day(post, "effective_from", "起始日期"),
        mode=post.get("mode", ""),
        note=post.get("note", ""),
    )
    return "已设置运维模式"


@login_required
@require_http_methods(["GET", "POST"])
def equipment(request):
    u = request.user
    handlers = {
        "device": _device,
        "change": _change,
        "fault": _fault,
        "repair": _repair,
        "review": _review,
        "maintenance": _maintenance,
    }
    districts = visible_orgs(u).filter(kind="district")
    return page(
        request,
        "operations/equipment.html",
        _equipment_forms(),
        handlers,
        lambda: {
            "devices": queries.devices_of(u)[:500],
            "faults": queries.faults_of(u)[:200],
            "districts": districts,
        },
        reverse("operations:equipment"),
    )


RENEWAL_COLUMNS = [
    ("outlet_code", "网点代码"),
    ("outlet", "网点"),
    ("kind", "设备类型"),
    ("model", "型号"),
    ("serial_no", "设备编号"),
    ("purchase_date", "购置日期"),
    ("years", "已使用年数"),
]


@login_required
@require_GET
def renewals(request):
    """设备更新清单 of a district (or an outlet) as CSV or xlsx, for the renewal budget."""
    org = visible_orgs(request.user).filter(code=request.GET.get("org", "")).first()
    if org is None:
        raise Http404("机构不存在或不在您的管辖范围内")
    try:
        at = dt.date.fromisoformat(request.GET.get("at") or _today().isoformat())
    except ValueError:
        raise Http404("日期不正确") from None
    rows = queries.renewal_list(request.user, org, at)
    name = f"renewals-{org.code}-{at.isoformat()}"
    if request.GET.get("format") == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "设备更新清单"
        ws.append([label for _, label in RENEWAL_COLUMNS])
        for r in rows:
            ws.append([r[k] for k, _ in RENEWAL_COLUMNS])
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([label for _, label in RENEWAL_COLUMNS])
    for r in rows:
        writer.writerow([r[k] for k, _ in RENEWAL_COLUMNS])
    response = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# ------------------------------------------------------------------ information reports
def _info_forms():
    return [
        F.Form(
            "submit",
            "上报工作信息",
            A.INFO_SUBMIT,
            [
                ("org", "区代码", "text"),
                ("kind", "类型", "select", InfoKind.choices),
                ("title", "标题", "text"),
                ("text", "正文", "textarea"),
                ("submitted_on", "上报日期", "date"),
            ],
        ),
        F.Form(
            "adopt",
            "采用",
            A.INFO_ADOPT,
            [("report", "信息序号", "number"), ("adopted_on", "采用日期", "date")],
        ),
    ]


def _submit(user, post, files):
    r = services.submit_info(
        acting_user=user,
        org=F.org(user, post, "org"),
        kind=post.get("kind", ""),
        title=post.get("title", ""),
        text=post.get("text", ""),
        submitted_on=F.day(post, "submitted_on", "上报日期"),
    )
    return f"已上报（{r.length} 字）"


def _adopt(user, post, files):
    services.adopt_info(
        F.number(post, "report", "信息序号"),
        acting_user=user,
        adopted_on=F.day(post, "adopted_on", "采用日期"),
    )
    return "已采用"


@login_required
@require_http_methods(["GET", "POST"])
def info(request):
    from .text import BRIEFING_MIN_CHARS

    return page(
        request,
        "operations/info.html",
        _info_forms(),
        {"submit": _submit, "adopt": _adopt},
        lambda: {"reports": queries.reports_of(request.user)[:300], "min": BRIEFING_MIN_CHARS},
        reverse("operations:info"),
    )
