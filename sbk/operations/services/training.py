"""Trainings, tutors, questionnaires and online exams (业务培训考核)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation

from sbk.accounts.policy import ensure
from sbk.core.actions import atomic, record
from sbk.core.catalogue import Action as A
from sbk.core.errors import NotFound, Problem, ServiceError
from sbk.orgs.models import Organisation, OrgKind
from sbk.orgs.scope import visible_orgs

from ..errors import OpsErrorCode as E
from ..models import Exam, ExamResult, Questionnaire, Training, Tutor
from ..models.records import TrainingKind
from .common import need_district, need_outlet, need_past, need_text, staff


def _score(value, field: str) -> Decimal:
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(E.BAD_SCORE, "分数须为 0–100 的数字", field=field) from None
    if not (0 <= score <= 100) or score.is_nan():
        raise ServiceError(E.BAD_SCORE, "分数须为 0–100 的数字", field=field)
    return score.quantize(Decimal("0.1"))


@atomic
def record_training(
    *,
    acting_user,
    org: Organisation,
    kind: str,
    held_on: dt.date,
    topic: str,
    reported_on: dt.date,
    outlets: list[Organisation] = (),
    bank: Organisation | None = None,
    materials: str = "",
) -> Training:
    """登记培训: a district's training of its outlets, or a cross-training with a bank."""
    ensure(acting_user, A.TRAINING_RECORD, org)
    need_district(org)
    if kind not in TrainingKind.values:
        raise ServiceError(E.BAD_KIND, "类型须为 training 或 cross_bank", field="kind")
    held_on = need_past(held_on, "held_on", "培训日期")
    reported_on = need_past(reported_on, "reported_on", "上报日期")
    if reported_on < held_on:
        raise ServiceError(E.BAD_DATE, "上报日期不能早于培训日期", field="reported_on")
    if kind == TrainingKind.CROSS_BANK and (bank is None or bank.kind != OrgKind.BANK):
        raise ServiceError(E.BAD_ORG, "交叉培训须指定服务银行", field="bank")
    for o in outlets:
        if not o.is_outlet or not o.path.startswith(org.path):
            raise ServiceError(E.BAD_ORG, f"{o.name}不是本区网点", field="outlets")
    t = Training.objects.create(
        org=org,
        kind=kind,
        held_on=held_on,
        topic=need_text(topic, "topic", "主题")[:200],
        reported_on=reported_on,
        bank=bank if kind == TrainingKind.CROSS_BANK else None,
        materials=materials,
        recorded_by=staff(acting_user),
    )
    t.outlets.set(outlets)
    record(
        A.TRAINING_RECORD,
        acting_user=acting_user,
        obj=t,
        after={"kind": kind, "held_on": str(held_on), "outlets": [o.code for o in outlets]},
    )
    return t


@atomic
def set_tutors(*, acting_user, org: Organisation, year: int, names: list[str]) -> list[Tutor]:
    """登记小教员: a district's tutors for a year (replaces that year's list)."""
    ensure(acting_user, A.TUTOR_RECORD, org)
    need_district(org)
    if not 2000 <= int(year) <= 2200:
        raise ServiceError(E.BAD_DATE, "年度不正确", field="year")
    clean = sorted({n.strip() for n in names if n and n.strip()})
    before = list(Tutor.objects.filter(org=org, year=year).values_list("name", flat=True))
    Tutor.objects.filter(org=org, year=year).delete()
    rows = Tutor.objects.bulk_create([Tutor(org=org, year=year, name=n[:50]) for n in clean])
    record(
        A.TUTOR_RECORD,
        acting_user=acting_user,
        obj=org,
        before={"year": year, "names": before},
        after={"year": year, "names": clean},
    )
    return rows


@atomic
def record_questionnaire(
    *, acting_user, org: Organisation, held_on: dt.date, respondent: str, score
) -> Questionnaire:
    """现场业务问卷: one outlet staff member's score at an on-site check."""
    ensure(acting_user, A.QUESTIONNAIRE_RECORD, org)
    need_outlet(org)
    q = Questionnaire.objects.create(
        org=org,
        held_on=need_past(held_on, "held_on", "检查日期"),
        respondent=need_text(respondent, "respondent", "作答人")[:50],
        score=_score(score, "score"),
    )
    record(A.QUESTIONNAIRE_RECORD, acting_user=acting_user, obj=q, after={"score": str(q.score)})
    return q


@atomic
def create_exam(*, acting_user, org: Organisation, code: str, title: str, held_on) -> Exam:
    """新建线上考核 (the centre holds two a year)."""
    ensure(acting_user, A.EXAM_CREATE, org)
    code = need_text(code, "code", "考试编号")[:40]
    if Exam.objects.filter(code=code).exists():
        raise ServiceError(E.DUPLICATE, f"考试编号 {code} 已存在", field="code")
    exam = Exam.objects.create(
        code=code,
        title=need_text(title, "title", "名称")[:200],
        held_on=need_past(held_on, "held_on", "考试日期"),
        org=org,
    )
    record(A.EXAM_CREATE, acting_user=acting_user, obj=exam, after={"code": code})
    return exam


HEADERS = {
    "account": "account",
    "账号": "account",
    "name": "name",
    "姓名": "name",
    "org": "org",
    "机构代码": "org",
    "score": "score",
    "成绩": "score",
}


@atomic
def import_exam_results(*, acting_user, code: str, text: str) -> int:
    """导入考核成绩: the exam system's CSV (account,name,org,score / 账号,姓名,机构代码,成绩),
    all or nothing; a re-import replaces an account's score (idempotent)."""
    ensure(acting_user, A.EXAM_IMPORT)
    exam = Exam.objects.select_for_update().filter(code=code).first()
    if exam is None:
        raise NotFound("考试")
    reader = csv.reader(io.StringIO((text or "").lstrip("\ufeff")))
    rows = [r for r in reader if any(c.strip() for c in r)]
    if not rows:
        raise ServiceError(E.EMPTY, "文件为空", field="file")
    head = [HEADERS.get(h.strip(), h.strip()) for h in rows[0]]
    missing = {"account", "name", "org", "score"} - set(head)
    if missing:
        raise ServiceError(E.BAD_FILE, f"缺少列：{'、'.join(sorted(missing))}", field="file")
    outlets = {o.code: o for o in visible_orgs(acting_user) if o.is_outlet}
    problems, good, seen = [], [], set()
    for n, raw in enumerate(rows[1:], start=2):
        row = dict(zip(head, (c.strip() for c in raw), strict=False))
        org = outlets.get(row.get("org", ""))
        bad = []
        if not row.get("account") or row["account"] in seen:
            bad.append(("account", "账号为空或重复"))
        if org is None:
            bad.append(("org", f"网点 {row.get('org')!r} 不存在或不在管辖范围内"))
        try:
            score = _score(row.get("score", ""), "score")
        except ServiceError as exc:
            bad.append(("score", exc.message))
        seen.add(row.get("account"))
        problems += [Problem(E.BAD_ROW, f"第{n}行：{m}", f"rows[{n}].{f}") for f, m in bad]
        if not bad:
            good.append((row["account"][:60], row.get("name", "")[:50], org, score))
    if problems:
        raise ServiceError.from_problems(problems)
    for account, name, org, score in good:
        ExamResult.objects.update_or_create(
            exam=exam, account=account, defaults={"name": name, "org": org, "score": score}
        )
    record(A.EXAM_IMPORT, acting_user=acting_user, obj=exam, after={"rows": len(good)})
    return len(good)
