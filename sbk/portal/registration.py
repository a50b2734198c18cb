"""Online registration in two steps: the details, then the SMS code (注册短信验证).

``start_registration`` checks what a visitor typed, and — when the details can lead to an
account — sends a six-digit code to the phone: the phone on file for a person the registry
knows, the phone typed for one it does not. ``confirm_registration`` takes the code back and
only then creates the account (``services.register_applicant``). So an account is usable only
once its holder has shown they hold that phone.

Nothing in either answer tells a visitor whether a number is registered: details that cannot
lead to an account (a wrong name or phone for a registered number, a cancelled holder, a
number that already has an account) get the same "code sent" answer, no code is sent, and
every code typed for them is "wrong or expired" like a mistyped one. The look-up is still
written to the access log, and the holder of a number that already has an account gets an
SMS saying someone tried to register it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sbk.accounts.models import Role, User
from sbk.core import audit
from sbk.core.actors import PORTAL
from sbk.core.errors import ServiceError
from sbk.idcard import mask_phone
from sbk.notify.services import enqueue
from sbk.registry import lookup
from sbk.registry.models import Category, Person, PersonStatus
from sbk.registry.names import check_name
from sbk.registry.rules import clean_person, normalise_phone

from .errors import PortalErrorCode as E
from .models import PhoneChallenge
from .services import _number, _password_problems, register_applicant

SENT = (
    "如填写的信息与持卡库登记一致，验证码已发送至登记的手机号码（未登记的为您填写的号码），"
    "请在有效期内输入"
)
CODE_WRONG = "验证码不正确或已过期，请重新获取验证码"


def code_minutes() -> int:
    return int(getattr(settings, "SBK_REGISTRATION_CODE_MINUTES", 10))


def max_attempts() -> int:
    return int(getattr(settings, "SBK_REGISTRATION_CODE_ATTEMPTS", 5))


def max_per_hour() -> int:
    """Codes one document number may ask for in an hour (SMS costs money and annoys)."""
    return int(getattr(settings, "SBK_REGISTRATION_CODES_PER_HOUR", 5))


def _digest(token: str, code: str) -> str:
    return hashlib.sha256(f"{token}:{code}".encode()).hexdigest()


def _checked(name: str, id_number: str, phone: str, password: str) -> tuple[str, str, str]:
    """The checks that depend only on what was typed (they reveal nothing of the registry)."""
    number = _number(id_number)
    checked_name = check_name(name or "")
    if not checked_name.name:
        raise ServiceError(E.NAME_EMPTY, "请填写姓名", field="name")
    if checked_name.refused:
        code, message = checked_name.refused[0]
        raise ServiceError(code, message, field="name")
    phone = normalise_phone(phone)
    if not phone or not clean_person({"phone": phone}, partial=True).ok:
        raise ServiceError(E.PHONE, "请填写11位手机号码，用于接收办理短信", field="phone")
    _password_problems(password, User(username="new-applicant", role=Role.APPLICANT))
    return checked_name.name, number, phone


@transaction.atomic
def start_registration(
    *,
    name: str,
    id_number: str,
    phone: str,
    password: str,
    outlet_code: str | None = None,
    category: str = Category.RESIDENT,
) -> PhoneChallenge:
    """Hold the details and send the code; the same answer whatever the registry holds."""
    name, number, phone = _checked(name, id_number, phone, password)
    indexes = lookup.id_indexes(number)
    index = indexes[-1]
    now = timezone.now()
    recent = PhoneChallenge.objects.filter(
        id_index__in=indexes, created_at__gte=now - dt.timedelta(hours=1)
    ).count()
    if recent >= max_per_hour():
        raise ServiceError(E.TOO_MANY_CODES, "获取验证码过于频繁，请一小时后再试")
    person = Person.objects.filter(id_index__in=indexes).first()
    viable, send_to, refusal = True, phone, ""
    if person is not None:
        if person.name != name or (person.phone and person.phone != phone):
            viable, refusal = False, "网上注册核验身份：证件号码已登记，姓名或手机号码不一致"
        elif person.status == PersonStatus.CANCELLED:
            viable, refusal = False, "网上注册：证件号码对应的持卡人已注销"
        elif User.objects.filter(person=person).exists():
            viable, refusal = False, "网上注册：证件号码已有申请人账户"
        send_to = person.phone or phone
    token = secrets.token_urlsafe(24)
    code = f"{secrets.randbelow(10**6):06d}"
    challenge = PhoneChallenge.objects.create(
        token=token,
        id_index=index,
        id_number=number,
        name=name,
        phone=phone,
        phone_masked=mask_phone(phone),
        password_hash=make_password(password),
        outlet_code=(outlet_code or "").strip(),
        category=category,
        viable=viable,
        code_digest=_digest(token, code) if viable else "",
        expires_at=now + dt.timedelta(minutes=code_minutes()),
    )
    if viable:
        enqueue(
            dedup_key=f"register:{token}",
            kind="register_code",
            phone=send_to,
            text=(
                f"【社保卡】您的网上服务注册验证码为 {code}，{code_minutes()} 分钟内有效。"
                "请勿告诉他人；如非本人操作，请忽略本短信。"
            ),
        )
    else:
        audit.record_access(
            user=PORTAL, obj=person, purpose=refusal, label=person.id_masked, channel="portal"
        )
        if refusal.endswith("已有申请人账户") and person.phone:
            enqueue(
                dedup_key=f"register-tried:{token}",
                kind="register_tried",
                person=person,
                text=(
                    "【社保卡】有人尝试用您的证件号码注册社保卡网上服务账户。您已注册，可直接登录；"
                    "如非本人操作，请忽略本短信或拨打 12333。"
                ),
            )
    return challenge


def _wrong(challenge: PhoneChallenge | None) -> ServiceError:
    if challenge is not None:
        # Counted in its own statement, outside the refused step: a wrong code stays counted.
        PhoneChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
    return ServiceError(E.CODE_INVALID, CODE_WRONG, field="code")


def confirm_registration(*, token: str, code: str) -> User:
    """The code typed back: the account is created and usable (or one answer: wrong code)."""
    code = (code or "").strip()
    with transaction.atomic():
        challenge = (
            PhoneChallenge.objects.select_for_update().filter(token=(token or "").strip()).first()
        )
        usable = (
            challenge is not None
            and challenge.confirmed_at is None
            and challenge.expires_at > timezone.now()
            and challenge.attempts < max_attempts()
        )
        matches = (
            usable
            and challenge.viable
            and len(code) == 6
            and hmac.compare_digest(challenge.code_digest, _digest(challenge.token, code))
        )
        if matches:
            challenge.confirmed_at = timezone.now()
            challenge.save(update_fields=["confirmed_at"])
            return register_applicant(
                name=challenge.name,
                id_number=challenge.id_number,
                phone=challenge.phone,
                password="",
                password_hash=challenge.password_hash,
                outlet_code=challenge.outlet_code or None,
                category=challenge.category,
            )
    raise _wrong(challenge if usable else None)


def purge_challenges(now: dt.datetime | None = None) -> int:
    """Delete pending registrations a day after their code expired, used or not: each holds
    a number, a phone and a password hash that are no longer needed (``sbk worker``)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=1)
    deleted, _ = PhoneChallenge.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
