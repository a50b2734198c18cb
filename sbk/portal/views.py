"""The applicant's pages (申请人网上服务). Views translate HTTP to services and queries."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from sbk.accounts.qr import qr_svg
from sbk.core.errors import NotFound, ServiceError
from sbk.ecard import rules as ecard_rules
from sbk.ecard.queries import ecard_of
from sbk.ecard.services import qr_seconds, qr_token

from . import queries, registration, services, wording
from .elder import public_page
from .forms import ApplyForm, CodeForm, LoginForm, RegisterForm


def applicant_required(view):
    """Signed-in applicants only; staff have the console. Every applicant page is a public
    page (elder mode, ``sbk.portal.elder``)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        if not getattr(request.user, "is_applicant", False):
            return HttpResponseForbidden("网上申请服务仅供申请人使用")
        return view(request, *args, **kwargs)

    return public_page(wrapper)


class ApplicantLoginView(LoginView):
    """The applicants' sign-in page (document number and password), in the public pages'
    look with elder mode; the same form, throttling and lock-out as the console's /login/."""

    template_name = "portal/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return (
            reverse("portal:home")
            if self.request.user.is_applicant
            else super().get_default_redirect_url()
        )


applicant_login = public_page(ApplicantLoginView.as_view())


@public_page
def register(request):
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            challenge = registration.start_registration(
                name=d["name"],
                id_number=d["id_number"],
                phone=d["phone"],
                password=d["password"],
                outlet_code=d["outlet"] or None,
                category=d["category"],
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            request.session[CHALLENGE_KEY] = challenge.token
            return redirect("portal:register_confirm")
    return render(request, "portal/register.html", {"form": form})


CHALLENGE_KEY = "portal_register_challenge"


@public_page
def register_confirm(request):
    """Step 2: the SMS code. The challenge lives in the session, never in the URL."""
    if request.user.is_authenticated:
        return redirect("portal:home")
    token = request.session.get(CHALLENGE_KEY)
    if not token:
        return redirect("portal:register")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = registration.confirm_registration(token=token, code=form.cleaned_data["code"])
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            request.session.pop(CHALLENGE_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "注册成功。今后请用证件号码和密码登录")
            return redirect("portal:home")
    return render(
        request, "portal/register_confirm.html", {"form": form, "sent": registration.SENT}
    )


@applicant_required
def home(request):
    user = request.user
    person = queries.my_person(user)
    applications = list(queries.my_applications(user)[:20])
    for a in applications:
        a.sentence = sentence_of(a)
    return render(
        request,
        "portal/home.html",
        {
            "person": person,
            "applications": applications,
            "latest": applications[0] if applications else None,
            "cards": queries.my_cards(user)[:10],
            "ecard": ecard_of(person) if person is not None else None,
            "notifications": queries.my_notifications(user)[:20],
            "today": timezone.localdate(),
            "can_apply": person is not None and services.online_kind(person) is not None,
        },
    )


@applicant_required
def ecard(request):
    """电子社保卡: its status and a QR code (a signed token that expires, no number in it)."""
    person = queries.my_person(request.user)
    found = ecard_of(person) if person is not None else None
    if found is None:
        raise Http404("您还没有电子社保卡：制卡成功后自动签发")
    usable = found.status == ecard_rules.ACTIVE
    return render(
        request,
        "portal/ecard.html",
        {
            "ecard": found,
            "qr": qr_svg(qr_token(found)) if usable else "",
            "seconds": qr_seconds(),
        },
    )


@applicant_required
def apply(request):
    user = request.user
    draft = services.draft_application(user)
    posted = request.method == "POST"
    form = ApplyForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["photo"]
        try:
            app = services.apply_online(
                acting_user=user,
                outlet_code=form.cleaned_data["outlet"],
                photo=upload.read() if upload else None,
                use_on_file=form.cleaned_data["use_on_file"],
                studio_photo=form.cleaned_data["studio_photo"],
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            if app.status == "awaiting_photo":
                messages.success(
                    request,
                    f"申请已提交，请到{app.outlet.name}的指定照相馆拍照，照片合格后开始制卡",
                )
                return redirect("portal:application", app_id=app.pk)
            elif app.status == "submitted":
                messages.success(
                    request, f"申请已提交，请于 {app.deadline:%Y-%m-%d} 前到{app.outlet.name}制卡"
                )
                return redirect("portal:application", app_id=app.pk)
            draft = app
    person = queries.my_person(user)
    return render(
        request,
        "portal/apply.html",
        {
            "form": form,
            "draft": draft,
            "failures": (draft.photo_result or {}).get("failures", []) if draft else [],
            "on_file": (on_file := queries.my_photo_on_file(user)),
            "on_file_date": f"{on_file.submitted_at:%Y-%m-%d}"
            if on_file and on_file.submitted_at
            else "",
            "last_check": _last_photo_check(person) if draft else None,
            "kind": services.online_kind(person) if person else None,
        },
    )


@applicant_required
def application(request, app_id):
    app = queries.my_application(request.user, app_id)
    if app is None:
        raise Http404(NotFound("制卡申请").message)
    return render(
        request,
        "portal/application.html",
        {"app": app, "sentence": sentence_of(app)},
    )


def sentence_of(app) -> str:
    """Where the application is and what happens next, in one sentence (also the SMS's)."""
    from django.conf import settings

    return wording.status_sentence(
        app.status,
        outlet=app.outlet.name,
        deadline=app.deadline,
        days=settings.SBK_APPLICATION_DEADLINE_DAYS,
        reason=app.reject_reason,
    )


@applicant_required
def card(request, card_id):
    found = queries.my_cards(request.user).filter(pk=card_id).first()
    if found is None:
        raise Http404(NotFound("社保卡").message)
    return render(request, "portal/card.html", {"card": found})


def _last_photo_check(person):
    from sbk.photos.models import PhotoCheck

    if person is None:
        return None
    return PhotoCheck.objects.filter(person=person).order_by("-at", "-id").first()


@applicant_required
def photo_preview(request, check_id):
    """The annotated preview of one's own photo check: face box, eye line, guide lines."""
    from sbk.photos.models import PhotoCheck
    from sbk.photos.services import preview_png

    person = queries.my_person(request.user)
    found = PhotoCheck.objects.filter(pk=check_id, person=person).first() if person else None
    if found is None:
        raise Http404(NotFound("照片检测记录").message)
    return HttpResponse(preview_png(found), content_type="image/png")
