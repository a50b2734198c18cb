"""The applicant's own actions (申请人网上服务): register an account, apply online.

An applicant account (role ``applicant``) belongs to one registry person and to no
organisation; scope (sbk.orgs.scope) lets it see that person's records only. The card
business itself is done by the card services, called with the applicant as the acting
user, so every rule, lock, journal row and SMS of the counter flow holds online too.

Login: the applicant types their document number and password at ``/login/``; the login
form finds the account through the number's blind index (:func:`login_username`), so
neither the username nor the lockout records ever hold the number in clear.
"""

from __future__ import annotations

import functools
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from sbk.accounts.models import Role, User
from sbk.accounts.policy import ensure
from sbk.cards import services as cards
from sbk.cards.errors import CardErrorCode
from sbk.cards.models import Application, ApplicationKind, Channel, PhotoSource
from sbk.cards.queries import held_card
from sbk.cards.rules import DRAFT, LOST
from sbk.core import actions, audit
from sbk.core.actors import PORTAL
from sbk.core.catalogue import Action
from sbk.core.errors import Conflict, Forbidden, NotFound, Problem, ServiceError
from sbk.idcard import check_id_number, normalise
from sbk.orgs.models import Organisation, OrgKind
from sbk.registry import lookup
from sbk.registry.models import Category, Person, PersonStatus
from sbk.registry.names import check_name
from sbk.registry.rules import clean_person, normalise_phone
from sbk.registry.services import change_person, create_person

from .errors import PortalErrorCode as E

MISMATCH = "姓名、证件号码或手机号码与持卡库登记信息不一致，请核对后重试或到受理网点核实"


# ----------------------------------------------------------------------------- helpers
def own_person(user) -> Person:
    """The applicant's own registry record; anyone else is refused."""
    if not getattr(user, "is_applicant", False) or not getattr(user, "person_id", None):
        raise Forbidden("仅限申请人本人使用")
    return Person.objects.select_related("org").get(pk=user.person_id)


def production_outlets():
    """Where an online application may be produced: the active bank outlets (SPEC §2)."""
    return Organisation.objects.filter(kind=OrgKind.BANK_OUTLET, active=True).order_by("code")


def _production_outlet(code: str) -> Organisation:
    code = (code or "").strip()
    if not code:
        raise ServiceError(E.OUTLET_REQUIRED, "请选择制卡的银行网点", field="outlet")
    outlet = production_outlets().filter(code=code).first()
    if outlet is None:
        raise NotFound("制卡银行网点")
    return outlet


def _number(id_number: str) -> str:
    result = check_id_number(normalise(id_number or ""))
    if not result.valid:
        raise ServiceError.from_problems(
            [Problem(e.code, e.message, "id_number") for e in result.errors]
            or [Problem(E.ID_NUMBER, "证件号码无效", "id_number")]
        )
    return result.upgraded or result.number


def login_username(text: str) -> str:
    """The username to authenticate for what was typed in the login form's username box.

    A valid document number becomes its applicant account's username; an unknown one a
    pseudonym that matches no account (so lockout counting still works, without the
    number in clear). Anything else is a staff username and is returned unchanged.
    """
    text = (text or "").strip()
    result = check_id_number(normalise(text))
    if not result.valid:
        return text
    indexes = lookup.id_indexes(result.upgraded or result.number)
    index = indexes[-1]
    username = (
        User.objects.filter(role=Role.APPLICANT, person__id_index__in=indexes)
        .values_list("username", flat=True)
        .first()
    )
    return username or f"unregistered-{index[:16]}"


def _new_username() -> str:
    while True:
        username = f"a{secrets.token_hex(6)}"
        if not User.objects.filter(username=username).exists():
            return username


def _home_org(outlet_code: str | None, person_values: dict) -> Organisation:
    """The registering organisation of a person first met online: the district of the
    chosen outlet, else the district of their residence, else the card centre."""
    if outlet_code:
        outlet = Organisation.objects.filter(code=outlet_code, active=True).first()
        if outlet is None or not outlet.is_outlet:
            raise NotFound("受理网点")
        return outlet.district() or outlet
    division = person_values.get("residence_division") or ""
    found = (
        Organisation.objects.filter(kind=OrgKind.DISTRICT, division_code=division, active=True)
        .order_by("path")
        .first()
    )
    found = found or Organisation.objects.filter(kind=OrgKind.CENTRE).order_by("path").first()
    if found is None:
        raise ServiceError(E.NO_ORG, "系统尚未配置卡中心，暂不能注册")
    return found


def _password_problems(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError.from_problems(
            [Problem(e.code or E.PASSWORD, list(e)[0], "password") for e in exc.error_list]
        ) from None


class IdentityMismatch(ServiceError):
    """The number is registered, but under another name or phone.

    The answer tells an anonymous visitor that the number is in the registry (an unknown
    number would have registered), so it is a look-up of that person: it is written to the
    access log (the acting user, i.e. the portal; channel "portal") after the registration's
    transaction has rolled back, so that the row lasts. The message names no organisation
    and no detail of the record."""

    def __init__(self, person: Person, acting_user=PORTAL):
        super().__init__(E.IDENTITY_MISMATCH, MISMATCH, field="id_number")
        self.person = person
        self.acting_user = acting_user

    def record_lookup(self) -> None:
        try:
            with transaction.atomic():
                audit.record_access(
                    user=self.acting_user,
                    obj=self.person,
                    purpose=MISMATCH_LOOKUP,
                    label=self.person.id_masked,
                    channel="portal",
                )
        except DatabaseError:  # a transaction broken by something else: still refuse
            pass


MISMATCH_LOOKUP = "网上注册核验身份：证件号码已登记，姓名或手机号码不一致"


def _recording_lookup(func):
    """A mismatch leaves its access-log row once the registration has rolled back."""

    @functools.wraps(func)
    def inner(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except IdentityMismatch as exc:
            exc.record_lookup()
            raise

    return inner


# ---------------------------------------------------------------------------- actions
@_recording_lookup
@transaction.atomic
def register_applicant(
    *,
    name: str,
    id_number: str,
    phone: str,
    password: str,
    outlet_code: str | None = None,
    category: str = Category.RESIDENT,
    acting_user=PORTAL,
    password_hash: str = "",
) -> User:
    """An applicant registers (注册): their account, and their registry record if new.

    A person already in the registry must be met with the same name and, when one is
    on file, the same phone; a person gets one account only. The public routes call this
    only once the phone is proved by its SMS code (``sbk.portal.registration``), passing
    the password as the hash taken when the code was sent.
    """
    ensure(acting_user, Action.APPLICANT_REGISTER)
    number = _number(id_number)
    checked_name = check_name(name or "")
    name = checked_name.name
    if not name:
        raise ServiceError(E.NAME_EMPTY, "请填写姓名", field="name")
    if checked_name.refused:  # characters no name holds (``=HYPERLINK(…)``, controls, …)
        code, message = checked_name.refused[0]
        raise ServiceError(code, message, field="name")
    phone = normalise_phone(phone)
    checked = clean_person({"phone": phone}, partial=True)
    if not phone or not checked.ok:
        raise ServiceError(E.PHONE, "请填写11位手机号码，用于接收办理短信", field="phone")
    person = (
        Person.objects.select_for_update().filter(id_index__in=lookup.id_indexes(number)).first()
    )
    created = person is None
    if created:
        values = {"name": name, "id_number": number, "phone": phone, "category": category}
        org = _home_org(outlet_code, clean_person(values).values)
        person = create_person(
            acting_user=acting_user,
            org=org,
            data=values,
            reason="申请人网上注册",
            part_of=Action.APPLICANT_REGISTER,
        )
    else:
        if person.name != name or (person.phone and person.phone != phone):
            raise IdentityMismatch(person, acting_user)
        if person.status == PersonStatus.CANCELLED:
            raise Conflict(E.PERSON_CANCELLED, "该证件号码对应的持卡人已注销，不能注册")
    if User.objects.filter(person=person).exists():
        raise Conflict(E.ALREADY_REGISTERED, "该证件号码已注册申请人账户，请直接登录")
    user = User(username=_new_username(), role=Role.APPLICANT, person=person, full_name=person.name)
    if password_hash:
        user.password = password_hash  # checked by the validators when it was given
    else:
        _password_problems(password, user)
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict(E.ALREADY_REGISTERED, "该证件号码已注册申请人账户，请直接登录") from None
    phone_was_missing = not person.phone
    if not created and phone_was_missing:
        # Without a phone on file the applicant would never get the SMS of their case.
        person = change_person(
            person.pk,
            acting_user=acting_user,
            changes={"phone": phone},
            reason="申请人注册时登记联系电话",
            part_of=Action.APPLICANT_REGISTER,
        )
    actions.record(
        Action.APPLICANT_REGISTER,
        acting_user=user,
        obj=user,
        after={
            "username": user.username,
            "person": person.pk,
            "id_masked": person.id_masked,
            "phone_masked": person.phone_masked,
            "new_person": created,
            "org": person.org.code,
            "phone_recorded": not created and phone_was_missing,
        },
    )
    return user


def online_kind(person: Person) -> tuple[str, str] | None:
    """(kind, replace reason) of the application this person may make online, or None:
    a first card when they hold none, a replacement once their card is formally lost."""
    card = held_card(person)
    if card is None:
        return ApplicationKind.FIRST, ""
    if card.status == LOST:
        return ApplicationKind.REPLACEMENT, "lost"
    return None


def draft_application(user) -> Application | None:
    person = own_person(user)
    return (
        Application.objects.filter(person=person, status=DRAFT)
        .select_related("outlet")
        .order_by("-id")
        .first()
    )


@transaction.atomic
def apply_online(
    *,
    acting_user,
    outlet_code: str = "",
    photo: bytes | None = None,
    use_on_file: bool = False,
    studio_photo: bool = False,
) -> Application:
    """Sporadic online application (零星制卡), as the applicant: start (or continue the
    draft), the photo (upload, checked, or the qualifying one on file), submit.

    ``studio_photo``: no photo now; the chosen bank outlet's designated studio (照相馆) takes
    and uploads it, and the 7-day clock starts then (seed 002 附件1 step 3).

    Composed of the card services (each audited). A photo that fails the check leaves the
    application as a draft with the reasons in ``photo_note``/``photo_result``; the
    applicant uploads again, which continues that draft.
    """
    person = own_person(acting_user)
    app = draft_application(acting_user)
    if app is None:
        kind = online_kind(person)
        if kind is None:
            raise Conflict(
                CardErrorCode.HAS_VALID_CARD,
                "您已持有有效社保卡。卡片遗失请先正式挂失后申请补卡，卡片损坏请到网点办理",
            )
        app = cards.start_application(
            person.pk,
            acting_user=acting_user,
            kind=kind[0],
            replace_reason=kind[1],
            channel=Channel.ONLINE,
            outlet=_production_outlet(outlet_code),
        )
    if studio_photo and not app.photo:
        return cards.submit_application(app.pk, acting_user=acting_user, studio=app.outlet)
    app = cards.attach_photo(
        app.pk,
        acting_user=acting_user,
        data=None if use_on_file else photo,
        source=PhotoSource.UPLOAD,
        use_on_file=use_on_file,
    )
    if app.photo_ok is False:
        return app
    return cards.submit_application(app.pk, acting_user=acting_user)
