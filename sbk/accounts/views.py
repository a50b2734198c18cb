"""Account pages: the TOTP step after the password, TOTP enrolment, password change."""

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from sbk.core.errors import ServiceError

from . import services
from .middleware import needs_second_factor


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


def _qr_svg(uri: str) -> str:
    import qrcode
    import qrcode.image.svg

    return qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).to_string(
        encoding="unicode"
    )


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
