"""Console pages of the card business. Views translate HTTP to services, nothing more."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sbk.accounts.policy import can
from sbk.core.catalogue import Action
from sbk.core.errors import NotFound, ServiceError
from sbk.core.files import read_encrypted
from sbk.orgs.models import Organisation, OrgKind
from sbk.registry.models import Category
from sbk.registry.queries import scoped_people

from . import services
from .models import ApplicationKind, Channel, PhotoSource
from .queries import applications_for, cards_for, overdue_by_outlet, production_queue

PRODUCTION_KINDS = [OrgKind.BANK_OUTLET, OrgKind.SERVICE_CENTRE, OrgKind.KIOSK]
CARD_ACTIONS = {
    "loss_temporary": ("临时挂失", "挂失后卡片暂停使用，到期自动解除"),
    "loss_formal": ("正式挂失", "正式挂失后可申请补卡"),
    "unlock_loss": ("解挂", "解除挂失，卡片恢复使用"),
    "activate": ("启用金融功能", "启用社保卡的银行账户功能"),
    "unlock_pin": ("密码解锁", "解除因密码错误导致的锁定"),
    "change_pin": ("修改社保功能密码", "持卡人在密码键盘上自行输入新密码，系统不接触密码"),
    "change_bank": ("变更合作银行", "持卡人申请补换卡改由另一家合作银行办理（须填写原因）"),
    "issue": ("发卡", "将卡片交给持卡人本人或代办人"),
}


def _404(what):
    raise Http404(NotFound(what).message)


def _get(qs, pk, what):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        _404(what)
    return obj


def _fail(request, exc: ServiceError):
    detail = "；".join(f"{p.message}（{p.code}）" for p in exc.problems)
    messages.error(request, detail or exc.message)


@login_required
def apply_start(request, person_id):
    person = _get(scoped_people(request.user), person_id, "持卡人")
    outlets = Organisation.objects.filter(kind__in=PRODUCTION_KINDS, active=True).order_by("code")
    if request.method == "POST":
        p = request.POST
        proxy = None
        if p.get("proxy"):
            proxy = {
                k: p.get(k, "")
                for k in ("agent_name", "agent_id_number", "agent_relation", "authorisation")
            }
        try:
            app = services.start_application(
                person.pk,
                acting_user=request.user,
                kind=p.get("kind", "first"),
                channel=p.get("channel") or None,
                outlet=p.get("outlet") or None,
                replace_reason=p.get("replace_reason", ""),
                proxy=proxy,
                stated={
                    "name": p.get("stated_name", ""),
                    "id_number": p.get("stated_id_number", ""),
                    "category": p.get("stated_category", ""),
                },
            )
        except ServiceError as exc:
            _fail(request, exc)
        else:
            for w in app.interception["warnings"]:
                messages.warning(request, f"卡面信息提示：{w['message']}（制卡前须更正）")
            return redirect("cards:apply_photo", app_id=app.pk)
    return render(
        request,
        "cards/apply_start.html",
        {
            "person": person,
            "outlets": outlets,
            "kinds": ApplicationKind.choices,
            "categories": Category.choices,
            "channels": Channel.choices,
            "kind": request.GET.get("kind", request.POST.get("kind", "first")),
        },
    )


@login_required
def apply_photo(request, app_id):
    app = _get(applications_for(request.user), app_id, "制卡申请")
    if request.method == "POST":
        upload = request.FILES.get("photo")
        studio = None
        if request.POST.get("source") == PhotoSource.STUDIO:
            studio = Organisation.objects.filter(code=request.POST.get("studio", "")).first()
        try:
            services.attach_photo(
                app.pk,
                acting_user=request.user,
                data=upload.read() if upload else None,
                source=request.POST.get("source", PhotoSource.COUNTER),
                studio=studio,
                use_on_file=bool(request.POST.get("use_on_file")),
            )
        except ServiceError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "照片已保存")
            return redirect("cards:application", app_id=app.pk)
    banks = Organisation.objects.filter(kind=OrgKind.BANK).order_by("code")
    sources = [c for c in PhotoSource.choices if c[0] != PhotoSource.ON_FILE]
    return render(
        request, "cards/apply_photo.html", {"app": app, "sources": sources, "banks": banks}
    )


@login_required
def application_detail(request, app_id):
    app = _get(applications_for(request.user).select_related("intake_org"), app_id, "制卡申请")
    can_produce = (
        can(request.user, Action.CARD_PRODUCE)
        and production_queue(request.user).filter(pk=app.pk).exists()
    )
    studios = Organisation.objects.filter(kind=OrgKind.BANK_OUTLET, active=True).order_by("code")
    return render(
        request,
        "cards/application.html",
        {"app": app, "can_produce": can_produce, "studios": studios},
    )


@login_required
def application_photo_file(request, app_id):
    app = _get(applications_for(request.user), app_id, "制卡申请")
    if not app.photo:
        _404("照片")
    # The file was sealed under the context it was saved with (cards or photos).
    return HttpResponse(read_encrypted(app.photo.name), content_type="image/jpeg")


@login_required
@require_POST
def application_action(request, app_id, action):
    app = _get(applications_for(request.user), app_id, "制卡申请")
    p = request.POST
    try:
        if action == "produce" and p.get("on_the_spot"):
            card = services.produce_on_the_spot(
                app.pk,
                acting_user=request.user,
                verified=bool(p.get("verified")),
                face_confirmed=bool(p.get("face_confirmed")),
                account_no=p.get("account_no", ""),
            )
            messages.success(
                request, f"现场制卡完成：卡号 {card.card_no} 已交持卡人，电子社保卡已签发"
            )
        elif action == "submit" and p.get("await_studio"):
            studio = Organisation.objects.filter(code=p.get("studio", ""), active=True).first()
            if studio is None:
                raise ServiceError("photo_studio", "请选择照相馆所属银行网点", field="photo_studio")
            services.submit_application(app.pk, acting_user=request.user, studio=studio)
            messages.success(
                request, f"申请已提交，等待{studio.name}上传照片；期限自照片合格之日起算"
            )
        elif action == "submit":
            services.submit_application(app.pk, acting_user=request.user)
            messages.success(request, "申请已提交，已短信通知申请人可以制卡")
        elif action == "produce":
            card = services.produce_card(
                app.pk,
                acting_user=request.user,
                verified=bool(p.get("verified")),
                face_confirmed=bool(p.get("face_confirmed")),
                account_no=p.get("account_no", ""),
            )
            messages.success(request, f"制卡完成：卡号 {card.card_no}，电子社保卡已签发")
        elif action == "reject":
            services.reject_application(
                app.pk, acting_user=request.user, reason=p.get("reason", "")
            )
            messages.success(request, "已驳回，已短信告知申请人原因")
        else:
            _404("操作")
    except ServiceError as exc:
        _fail(request, exc)
    return redirect("cards:application", app_id=app.pk)


@login_required
def card_detail(request, card_id):
    card = _get(cards_for(request.user), card_id, "社保卡")
    return render(request, "cards/card.html", {"card": card, "actions": CARD_ACTIONS})


@login_required
def card_action(request, card_id, action):
    """Every card action is confirmed on its own page before it is performed."""
    card = _get(cards_for(request.user), card_id, "社保卡")
    if action not in CARD_ACTIONS:
        _404("操作")
    if request.method == "POST" and request.POST.get("confirm"):
        p = request.POST
        common = {"acting_user": request.user, "reason": p.get("reason", "")}
        try:
            if action == "issue":
                services.issue_card(card.pk, **common)
            elif action.startswith("loss_"):
                services.report_loss(
                    card.pk, kind=action[5:], channel=p.get("channel") or None, **common
                )
            elif action == "unlock_loss":
                services.unlock_loss(card.pk, **common)
            elif action == "activate":
                services.activate_financial(card.pk, account_no=p.get("account_no", ""), **common)
            elif action == "unlock_pin":
                services.unlock_pin(card.pk, **common)
            elif action == "change_pin":
                services.change_pin(card.pk, **common)
            elif action == "change_bank":
                bank = Organisation.objects.filter(
                    kind=OrgKind.BANK, code=p.get("bank", "")
                ).first()
                services.change_bank(card.pk, bank=bank, **common)
        except ServiceError as exc:
            _fail(request, exc)
        else:
            messages.success(request, f"{CARD_ACTIONS[action][0]}已办理")
            return redirect("cards:card", card_id=card.pk)
    title, hint = CARD_ACTIONS[action]
    return render(
        request,
        "cards/confirm.html",
        {
            "card": card,
            "action": action,
            "title": title,
            "hint": hint,
            "channels": Channel.choices,
            "banks": Organisation.objects.filter(kind=OrgKind.BANK, active=True).order_by("code"),
        },
    )


@login_required
def person_cancel(request, person_id):
    person = _get(scoped_people(request.user), person_id, "持卡人")
    if request.method == "POST" and request.POST.get("confirm"):
        try:
            services.cancel_person(
                person.pk, acting_user=request.user, reason=request.POST.get("reason", "")
            )
        except ServiceError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "已注销，名下社保卡同时注销")
            return redirect("web:person_detail", person_id=person.pk)
    return render(request, "cards/cancel.html", {"person": person})


@login_required
def queue(request):
    return render(request, "cards/queue.html", {"apps": production_queue(request.user)[:200]})


@login_required
def overdue(request):
    return render(request, "cards/overdue.html", {"groups": overdue_by_outlet(request.user)})
