"""Applications through to the card in the holder's hand: start, photo, submit, review
at production (produce or reject), issue, and the kiosk's instant issuance."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sbk.core import audit
from sbk.core.errors import Conflict, NotFound, ServiceError
from sbk.core.files import save_encrypted
from sbk.idcard import check_id_number, mask_number
from sbk.orgs.models import Organisation, OrgKind
from sbk.registry import lookup
from sbk.registry.models import Person

from .. import photo as photo_check
from .. import rules
from ..errors import CardErrorCode as E
from ..interception import intercept
from ..models import Application, ApplicationKind, Card, Channel, PhotoSource, ServiceItem
from ..queries import held_card, photo_on_file
from .common import (
    add_years,
    app_snapshot,
    app_transition,
    card_snapshot,
    card_transition,
    channel_value,
    ensure_active,
    ensure_writer,
    lock_application,
    lock_card,
    lock_cards,
    lock_person,
    notify,
    record_txn,
    save_guarded,
    user_outlet,
)


def _outlet(user, outlet) -> Organisation:
    if isinstance(outlet, str) and outlet:
        found = Organisation.objects.filter(code=outlet, active=True).first()
        if found is None:
            raise NotFound("制卡网点")
        outlet = found
    outlet = outlet or user_outlet(user)
    if outlet is None or not outlet.is_outlet:
        raise ServiceError(E.BAD_OUTLET, "请选择制卡网点（受理网点或银行网点）", field="outlet")
    return outlet


def _proxy_values(proxy: dict | None) -> dict:
    if not proxy:
        return {"proxy": False}
    name = str(proxy.get("agent_name") or "").strip()
    number = str(proxy.get("agent_id_number") or "").strip()
    auth = str(proxy.get("authorisation") or "").strip()
    missing = [
        label
        for label, value in (("代办人姓名", name), ("代办人证件号码", number), ("授权委托书", auth))
        if not value
    ]
    if missing:
        raise ServiceError(E.PROXY_INCOMPLETE, f"代办须登记：{'、'.join(missing)}", field="proxy")
    result = check_id_number(number)
    if not result.valid:
        raise ServiceError(
            E.PROXY_INCOMPLETE,
            "代办人证件号码无效：" + "；".join(e.message for e in result.errors),
            field="agent_id_number",
        )
    number = result.upgraded or result.number
    return {
        "proxy": True,
        "agent_name": name,
        "agent_id_number": number,
        "agent_id_masked": mask_number(number),
        "agent_relation": str(proxy.get("agent_relation") or "").strip()[:30],
        "authorisation": auth[:200],
    }


def _start(person, *, acting_user, kind, channel, outlet, replace_reason, proxy) -> Application:
    ensure_active(person)
    if kind not in ApplicationKind.values:
        raise ServiceError(E.BAD_KIND, f"申领类型“{kind}”无效", field="kind")
    if Application.objects.filter(person=person, status__in=rules.OPEN_APPLICATION).exists():
        raise Conflict(E.OPEN_APPLICATION, "该持卡人已有办理中的申请")
    current = held_card(person)
    replaces = None
    if kind == ApplicationKind.FIRST:
        if current is not None:
            raise Conflict(E.HAS_VALID_CARD, f"该持卡人已持有有效社保卡 {current.card_no}")
        replace_reason = ""
    else:
        if current is None:
            raise Conflict(E.NO_VALID_CARD, "该持卡人没有可补换的社保卡")
        status = rules.effective_status(current.status, current.temp_loss_until, timezone.now())
        if kind == ApplicationKind.REPLACEMENT and not rules.replacement_allowed(
            status, replace_reason
        ):
            raise Conflict(
                E.REPLACEMENT_NOT_ALLOWED,
                "补换卡须先办理正式挂失（原因：遗失）或卡片损坏（原因：损坏）；"
                f"卡 {current.card_no} 当前状态为“{rules.CARD_STATUS_LABELS[status]}”",
                field="replace_reason",
            )
        if kind == ApplicationKind.RENEWAL:
            replace_reason = ""
        replaces = current
    app = Application(
        person=person,
        kind=kind,
        replace_reason=replace_reason or "",
        replaces=replaces,
        channel=channel,
        intake_org=user_outlet(acting_user),
        outlet=outlet,
        stated_name=person.name,
        stated_id_index=person.id_index,
        stated_id_masked=person.id_masked,
        stated_gender=person.gender,
        stated_birth_date=person.birth_date,
        stated_category=person.category,
        created_by=acting_user,
        **_proxy_values(proxy),
    )
    save_guarded(app, E.OPEN_APPLICATION, "该持卡人已有办理中的申请")
    return app


PHOTO_CONTEXT = "cards.photo"
PHOTO_CHANNELS = {
    PhotoSource.UPLOAD: "online",
    PhotoSource.STUDIO: "studio",
    PhotoSource.COUNTER: "counter",
    PhotoSource.KIOSK: "kiosk",
}


def _attach_photo(
    app, person, *, acting_user, data=None, source="upload", studio=None, use_on_file=False
):
    if use_on_file:
        prior = photo_on_file(person, exclude_pk=app.pk)
        if prior is None:
            raise ServiceError(
                E.PHOTO_NOT_ON_FILE, "没有可沿用的已有照片，请上传照片", field="photo"
            )
        app.photo = prior.photo.name
        app.photo_source = PhotoSource.ON_FILE
        app.photo_checked, app.photo_ok = prior.photo_checked, prior.photo_ok
        app.photo_result, app.photo_note = prior.photo_result, prior.photo_note
        return
    if not data:
        raise ServiceError(E.PHOTO_REQUIRED, "请上传照片", field="photo")
    if source not in PhotoSource.values or source == PhotoSource.ON_FILE:
        raise ServiceError("photo_source", f"照片来源“{source}”无效", field="photo_source")
    if source == PhotoSource.STUDIO:
        if studio is None or studio.kind not in (OrgKind.BANK, OrgKind.BANK_OUTLET):
            raise ServiceError(
                "photo_studio", "照相馆上传须注明指定照相馆的合作银行", field="photo_studio"
            )
        app.photo_studio = studio
    verdict = photo_check.check(data, id_number=person.id_number, name=person.name)
    if verdict.verdict is not None:
        # Every application photo counts in the outlet's photo pass rate and recaptures;
        # the check keeps the one encrypted copy the application points at.
        from sbk.photos.services import record_check

        stored = record_check(
            acting_user=acting_user,
            data=data,
            person=person,
            channel=PHOTO_CHANNELS[source],
            verdict=verdict.verdict,
            person_authorised=True,
        )
        app.photo.name = stored.photo
        verdict.note = f"{verdict.note}（检测记录 #{stored.pk}）"[:200]
    else:
        # A face photo is sensitive personal data: sealed on disk, the key outside (SPEC §8).
        now = timezone.now()
        rel = f"photos/applications/{now:%Y/%m}/{app.pk}-{now:%Y%m%d%H%M%S%f}.jpg"
        save_encrypted(rel, data, PHOTO_CONTEXT)
        app.photo.name = rel
    app.photo_source = source
    app.photo_checked, app.photo_ok = verdict.checked, verdict.ok
    app.photo_result, app.photo_note = verdict.as_dict(), verdict.note


def _submit(app, now):
    app.status = app_transition(app, "submit", "提交")
    if not app.photo:
        raise ServiceError(E.PHOTO_REQUIRED, "提交前须提供照片", field="photo")
    if app.photo_checked and app.photo_ok is False:
        raise ServiceError(E.PHOTO_FAILED, app.photo_note or "照片不符合要求", field="photo")
    app.submitted_at = now
    due = rules.deadline(
        timezone.localdate(now),
        settings.SBK_APPLICATION_DEADLINE_DAYS,
        working_days=settings.SBK_DEADLINE_WORKING_DAYS,
    )
    app.deadline, app.deadline_provisional = due.due, due.provisional


def _produce(app, person, *, acting_user, verified, face_confirmed, account_no, now) -> Card:
    if not verified:
        raise ServiceError(E.NOT_VERIFIED, "制卡前须核验申请人身份与信息", field="verified")
    new_status = app_transition(app, "produce", "制卡")
    if app.replaces_id:
        (old,) = lock_cards([app.replaces_id])
        status = rules.effective_status(old.status, old.temp_loss_until, now)
        allowed = (
            rules.replacement_allowed(status, app.replace_reason)
            if app.kind == ApplicationKind.REPLACEMENT
            else status in rules.HELD
        )
        if not allowed:
            raise Conflict(
                E.REPLACEMENT_NOT_ALLOWED,
                f"原卡 {old.card_no} 当前状态为“{rules.CARD_STATUS_LABELS[status]}”，不能补换",
            )
    elif held_card(person) is not None:
        raise Conflict(E.HAS_VALID_CARD, "该持卡人已持有有效社保卡")
    problems, notes = intercept(app, person, face_confirmed=face_confirmed)
    if problems:
        raise ServiceError(
            E.INTERCEPTED,
            "卡面信息差错拦截：" + "；".join(p.message for p in problems),
            problems=problems,
        )
    account_no = (account_no or "").replace(" ", "")
    if account_no and not rules.account_valid(account_no):
        raise ServiceError(E.ACCOUNT_INVALID, "银行账号应为 12–19 位且校验正确", field="account_no")
    outlet = app.outlet
    card = Card(
        person=person,
        card_no=rules.make_card_no(settings.SBK_CARD_NO_PREFIX, app.pk),
        card_code=rules.make_card_code(outlet.division_code, settings.SBK_CARD_VERSION),
        version=settings.SBK_CARD_VERSION,
        division_code=outlet.division_code,
        org=outlet,
        bank=outlet.bank if outlet.bank_id else None,
        account_no=account_no,
        account_masked=rules.mask_account(account_no),
        status=rules.PRODUCED,
        category=person.category,
        photo=app.photo.name,
        produced_at=now,
        expires_on=add_years(timezone.localdate(now), settings.SBK_CARD_VALIDITY_YEARS),
        electronic=True,
        replaces_id=app.replaces_id,
    )
    if Card.objects.filter(card_no=card.card_no).exists():
        raise Conflict(E.CARD_NO_TAKEN, f"卡号 {card.card_no} 已存在（迁移数据冲突）")
    save_guarded(card, E.HAS_VALID_CARD, "该持卡人已有待领取的社保卡")
    app.status = new_status
    app.card = card
    app.done_at = now
    app.interception = {"problems": [], "notes": notes}
    return card


def _issue(card, person, *, now):
    card_transition(card, "issue", now)
    old = None
    if card.replaces_id:
        (old,) = lock_cards([card.replaces_id])
        card_transition(old, "invalidate_replaced", now)
        old.status, old.invalid_on = rules.REPLACED, timezone.localdate(now)
        old.temp_loss_until = None
        old.save(update_fields=["status", "invalid_on", "temp_loss_until", "updated_at"])
    card.status, card.issued_on = rules.ISSUED, timezone.localdate(now)
    save_guarded(card, E.HAS_VALID_CARD, "该持卡人已持有有效社保卡")
    app = Application.objects.select_for_update().filter(card=card).first()
    if app is not None and app.status == rules.APP_PRODUCED:
        app.status = rules.APP_ISSUED
        app.save(update_fields=["status"])
    return old, app


# ---------------------------------------------------------------------------- public API
@transaction.atomic
def start_application(
    person_id: int,
    *,
    acting_user,
    kind: str = "first",
    channel=None,
    outlet=None,
    replace_reason: str = "",
    proxy: dict | None = None,
    reason: str = "",
) -> Application:
    """Start an application (draft): first card, replacement (补换卡) or renewal."""
    ensure_writer(acting_user)
    person = lock_person(acting_user, person_id)
    app = _start(
        person,
        acting_user=acting_user,
        kind=kind,
        channel=channel_value(channel, acting_user),
        outlet=_outlet(acting_user, outlet),
        replace_reason=replace_reason,
        proxy=proxy,
    )
    audit.record(
        acting_user=acting_user,
        action="application.start",
        obj=app,
        after=app_snapshot(app),
        reason=reason,
    )
    return app


@transaction.atomic
def attach_photo(
    app_id: int,
    *,
    acting_user,
    data: bytes | None = None,
    source: str = "upload",
    studio=None,
    use_on_file: bool = False,
) -> Application:
    """Attach the photo: an upload (applicant, counter, bank studio) or the one on file."""
    ensure_writer(acting_user)
    person, app = lock_application(acting_user, app_id)
    app_transition(app, "attach_photo", "更换照片")
    before = app_snapshot(app)
    _attach_photo(
        app,
        person,
        acting_user=acting_user,
        data=data,
        source=source,
        studio=studio,
        use_on_file=use_on_file,
    )
    app.save()
    audit.record(
        acting_user=acting_user,
        action="application.photo",
        obj=app,
        before=before,
        after={**app_snapshot(app), "photo_note": app.photo_note},
    )
    return app


@transaction.atomic
def submit_application(app_id: int, *, acting_user, reason: str = "") -> Application:
    """Submit: the 7-day clock starts and the applicant is told the card can be produced."""
    ensure_writer(acting_user)
    person, app = lock_application(acting_user, app_id)
    ensure_active(person)
    before = app_snapshot(app)
    now = timezone.now()
    _submit(app, now)
    app.save()
    notify("can_produce", app, person)
    record_txn(
        item=ServiceItem.APPLICATION,
        channel=app.channel,
        action="application.submit",
        acting_user=acting_user,
        person=person,
        application=app,
        outlet=app.intake_org,
        details={"kind": app.kind, "deadline": app.deadline.isoformat()},
        at=now,
    )
    audit.record(
        acting_user=acting_user,
        action="application.submit",
        obj=app,
        before=before,
        after=app_snapshot(app),
        reason=reason,
    )
    return app


@transaction.atomic
def reject_application(app_id: int, *, acting_user, reason: str) -> Application:
    """Review at production refuses: the applicant is told why by SMS."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            E.REASON_REQUIRED, "驳回须填写原因（将以短信告知申请人）", field="reason"
        )
    person, app = lock_application(acting_user, app_id)
    ensure_writer(acting_user, app.outlet)
    before = app_snapshot(app)
    app.status = app_transition(app, "reject", "驳回")
    app.reject_reason = reason[:200]
    app.done_at = timezone.now()
    app.save()
    notify("rejected", app, person, reason=reason)
    record_txn(
        item=ServiceItem.APPLICATION,
        channel=app.channel,
        action="application.reject",
        acting_user=acting_user,
        person=person,
        application=app,
        outlet=app.outlet,
        outcome="rejected",
        details={"reason": reason},
    )
    audit.record(
        acting_user=acting_user,
        action="application.reject",
        obj=app,
        before=before,
        after=app_snapshot(app),
        reason=reason,
    )
    return app


@transaction.atomic
def produce_card(
    app_id: int,
    *,
    acting_user,
    verified: bool,
    face_confirmed: bool = False,
    account_no: str = "",
    reason: str = "",
) -> Card:
    """Verify and produce (审核后置): card-face interception, then the card and e-card."""
    person, app = lock_application(acting_user, app_id)
    ensure_writer(acting_user, app.outlet)
    before = app_snapshot(app)
    now = timezone.now()
    card = _produce(
        app,
        person,
        acting_user=acting_user,
        verified=verified,
        face_confirmed=face_confirmed,
        account_no=account_no,
        now=now,
    )
    app.save()
    notify("ready", app, person)
    record_txn(
        item=ServiceItem.APPLICATION,
        channel=app.channel,
        action="card.produce",
        acting_user=acting_user,
        person=person,
        card=card,
        application=app,
        outlet=app.outlet,
        details={"card_no": card.card_no, "electronic": True, "notes": app.interception["notes"]},
        at=now,
    )
    audit.record(
        acting_user=acting_user,
        action="card.produce",
        obj=card,
        before={"application": before},
        after={"application": app_snapshot(app), "card": card_snapshot(card)},
        reason=reason,
    )
    return card


@transaction.atomic
def issue_card(card_id: int, *, acting_user, reason: str = "") -> Card:
    """Hand the card over; a replaced card becomes invalid in the same transaction."""
    person, card = lock_card(acting_user, card_id)
    ensure_writer(acting_user, card.org)
    ensure_active(person)
    before = card_snapshot(card)
    now = timezone.now()
    old, app = _issue(card, person, now=now)
    record_txn(
        item=ServiceItem.APPLICATION,
        channel=app.channel if app else Channel.OTHER,
        action="card.issue",
        acting_user=acting_user,
        person=person,
        card=card,
        application=app,
        outlet=card.org,
        details={"card_no": card.card_no, "replaced": old.card_no if old else None},
        at=now,
    )
    audit.record(
        acting_user=acting_user,
        action="card.issue",
        obj=card,
        before={"card": before, "replaced": card_snapshot(old) if old else None},
        after={"card": card_snapshot(card), "replaced_after": card_snapshot(old) if old else None},
        reason=reason,
    )
    return card


@transaction.atomic
def kiosk_issue(
    id_number: str,
    *,
    acting_user,
    photo: bytes,
    kind: str = "first",
    replace_reason: str = "",
    proxy: dict | None = None,
    account_no: str = "",
    face_confirmed: bool = False,
) -> Card:
    """Self-service kiosk instant issuance (自助一体机现场制卡): a photo taken on the spot
    (even when one is on file), verification by the machine, production and issue at once.

    The holder is found by the document read at the machine (blind index), not by the
    kiosk's organisation scope: presenting the document is what authorises the service.
    That is why only a kiosk's own account may call it: a counter clerk who could type any
    number would otherwise reach every person in the province.
    """
    ensure_writer(acting_user)
    outlet = user_outlet(acting_user)
    if outlet is None or outlet.kind != OrgKind.KIOSK:
        raise ServiceError(E.BAD_OUTLET, "现场制卡只能由自助一体机办理", field="outlet")
    found = Person.objects.filter(id_index=lookup.id_index(id_number or "")).first()
    if found is None:
        raise NotFound("持卡人")
    person = lock_person(None, found.pk)
    now = timezone.now()
    app = _start(
        person,
        acting_user=acting_user,
        kind=kind,
        channel=int(Channel.KIOSK),
        outlet=outlet,
        replace_reason=replace_reason,
        proxy=proxy,
    )
    _attach_photo(app, person, acting_user=acting_user, data=photo, source=PhotoSource.KIOSK)
    _submit(app, now)
    card = _produce(
        app,
        person,
        acting_user=acting_user,
        verified=True,
        face_confirmed=face_confirmed,
        account_no=account_no,
        now=now,
    )
    app.save()
    old, _ = _issue(card, person, now=now)
    app.refresh_from_db()
    record_txn(
        item=ServiceItem.APPLICATION,
        channel=Channel.KIOSK,
        action="card.kiosk_issue",
        acting_user=acting_user,
        person=person,
        card=card,
        application=app,
        outlet=outlet,
        details={"card_no": card.card_no, "proxy": app.proxy, "kind": kind},
        at=now,
    )
    audit.record(
        acting_user=acting_user,
        action="card.kiosk_issue",
        obj=card,
        before={"replaced": card_snapshot(old) if old else None},
        after={"application": app_snapshot(app), "card": card_snapshot(card)},
    )
    return card
