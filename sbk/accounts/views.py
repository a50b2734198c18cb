"""Account pages: the TOTP step after the password, TOTP enrolment, password change,
one's own API tokens."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.validators import MaxValueValidator
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from sbk.core.catalogue import Action
from sbk.core.errors import ServiceError

from . import services
from .middleware import SecurityGateMiddleware, needs_second_factor
from .models import ApiToken, token_days, token_max_days_for
from .policy import can
from .qr import qr_svg


class TokenForm(forms.Form):
    token = forms.CharField(label="动态口令", max_length=8, min_length=6)


class PasswordForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput)
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput)
    new_password2 = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致")
        return data


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@login_required
def otp_verify(request):
    """Ask for the code of the user's device; without one, enrol (if the role requires it)."""
    if request.user.is_verified():
        return redirect(_next(request))
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        if needs_second_factor(request.user):
            return redirect(f"/account/otp/enrol/?next={_next(request)}")
        return redirect(_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        for device in devices:
            if device.verify_token(token):
                otp_login(request, device)
                return redirect(_next(request))
        form.add_error("token", "动态口令不正确或已过期")
    return render(request, "accounts/otp.html", {"form": form, "next": _next(request)})


_qr_svg = qr_svg


@login_required
def otp_enrol(request):
    """Show a new secret (otpauth URI and QR code); the first valid code confirms it."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"/account/otp/?next={_next(request)}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="sbk", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp(
            acting_user=request.user, device=device, token=form.cleaned_data["token"].strip()
        ):
            otp_login(request, device)
            messages.success(request, "动态口令已绑定，今后登录时须输入动态口令")
            return redirect(_next(request))
        form.add_error("token", "动态口令不正确，请确认手机时间准确后重试")
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    uri = device.config_url
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "secret": secret,
            "uri": uri,
            "qr": mark_safe(_qr_svg(uri)),
            "next": _next(request),
        },
    )


@login_required
def password_change(request):
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                acting_user=request.user,
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ServiceError as exc:
            for p in exc.problems:
                form.add_error(p.field if p.field in form.fields else None, p.message)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改")
            return redirect(_next(request))
    return render(
        request,
        "accounts/password.html",
        {"form": form, "expired": request.user.password_expired, "next": _next(request)},
    )


# ------------------------------------------------------------------ my API tokens
def _console_page(view):
    """A console page under /account/ (which the security gate leaves open so that the TOTP
    and password pages can be reached): signed in, not an applicant, second factor given
    and password not expired — the gate's rules, applied here."""

    @login_required
    @wraps(view)
    def inner(request, *args, **kwargs):
        user = request.user
        if user.is_applicant:
            if request.method in ("GET", "HEAD"):
                return redirect("portal:home")
            return HttpResponseForbidden("申请人账户只能使用网上申请服务")
        blocked = SecurityGateMiddleware._blocked(request, user)
        if blocked:
            url = blocked[2]
            return redirect(f"{reverse(url)}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return inner


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label="名称", max_length=64, required=False, help_text="用途，如脚本名；默认 api"
    )
    days = forms.IntegerField(label="有效天数", min_value=1)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        longest = token_max_days_for(user)
        self.fields["days"].initial = min(token_days(), longest)
        self.fields["days"].widget.attrs["max"] = longest
        self.fields["days"].validators.append(MaxValueValidator(longest))
        self.fields["days"].help_text = f"1–{longest} 天，到期后令牌失效"


def _tokens_page(request, form):
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id")
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": tokens,
            "form": form,
            "may_create": can(request.user, Action.TOKEN_CREATE),
            "may_revoke": can(request.user, Action.TOKEN_REVOKE),
        },
    )


@_console_page
def tokens(request):
    """我的 API 令牌: the list (GET, which writes nothing) and creation (POST). The raw
    token is in the answer to the POST only, never stored, never shown again."""
    form = NewTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.create_token(
                acting_user=request.user,
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                # The gate already demands TOTP of these roles; the service checks again.
                second_factor=request.user.is_verified(),
            )
        except ServiceError as exc:
            for p in exc.problems:
                form.add_error(p.field if p.field in form.fields else None, p.message)
        else:
            response = render(
                request,
                "accounts/token_created.html",
                {
                    "token": new.token,
                    "raw": new.raw,
                    "api_root": request.build_absolute_uri("/api/"),
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    return _tokens_page(request, form)


@require_POST
@_console_page
def token_revoke(request):
    """Revoke one of one's own tokens (the page lists no one else's)."""
    token_id = request.POST.get("token_id", "")
    own = (
        token_id.isdigit()
        and len(token_id) < 19
        and ApiToken.objects.filter(pk=int(token_id), user=request.user).exists()
    )
    if not own:
        messages.error(request, "API 令牌不存在")
        return redirect("accounts:tokens")
    try:
        token = services.revoke_token(int(token_id), acting_user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已吊销 API 令牌「{token.name}」")
    return redirect("accounts:tokens")
