"""Applications through to the card in the holder's hand: start, photo, submit, review
at production (produce or reject), issue, and the kiosk's instant issuance."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.actors import as_user
from sbk.core.catalogue import Action
from sbk.core.errors import Conflict, NotFound, ServiceError
from sbk.holidays.services import calendar as holiday_calendar
from sbk.idcard import check_id_number, mask_number
from sbk.orgs.models import Organisation, OrgKind

from .. import rules
from ..errors import CardErrorCode as E
from ..interception import intercept
from ..models import Application, ApplicationKind, Card, PhotoSource
from ..queries import held_card
from ..transitions import (
    app_target,
    card_target,
    create_card,
    transition_application,
    transition_card,
)
from .card_face import (
    _replacement_bank,
    _stated,
    _warnings,
    ensure_same_bank,
    record_interception,
)
from .common import (
    add_years,
    app_snapshot,
    card_snapshot,
    ensure_active,
    ensure_org_in_scope,
    first_card_flags,
    lock_application,
    lock_card,
    lock_cards,
    lock_person,
    notify,
    save_guarded,
    user_outlet,
    where,
)
from .photo_steps import attach_photo_to as _attach_photo


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


def _start(
    person, *, acting_user, kind, channel, outlet, replace_reason, proxy, stated=None
) -> Application:
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
        else:
            ensure_same_bank(current, outlet)
        replaces = current
    app = Application(
        person=person,
        kind=kind,
        replace_reason=replace_reason or "",
        replaces=replaces,
        channel=channel,
        intake_org=user_outlet(acting_user),
        outlet=outlet,
        created_by=as_user(acting_user),
        **_stated(person, stated),
        **_proxy_values(proxy),
    )
    app.interception = {"warnings": _warnings(app, person), "problems": [], "notes": []}
    save_guarded(app, E.OPEN_APPLICATION, "该持卡人已有办理中的申请")
    return app


def _submit(app, now, *, save: bool = True):
    app_target(app, "submit")
    if not app.photo:
        raise ServiceError(E.PHOTO_REQUIRED, "提交前须提供照片", field="photo")
    if app.photo_checked and app.photo_ok is False:
        raise ServiceError(E.PHOTO_FAILED, app.photo_note or "照片不符合要求", field="photo")
    working = settings.SBK_DEADLINE_WORKING_DAYS
    due = rules.deadline(
        timezone.localdate(now),
        settings.SBK_APPLICATION_DEADLINE_DAYS,
        working_days=working,
        # sbk's own holiday table (read only when deadlines count working days)
        calendar=holiday_calendar() if working else None,
    )
    transition_application(
        app,
        "submit",
        save=save,
        submitted_at=now,
        deadline=due.due,
        deadline_provisional=due.provisional,
    )


def _held_or_taken(person, card_no: str) -> tuple[bool, bool]:
    """(does the person hold a card, is ``card_no`` taken): the two checks of a first card,
    in one statement after the person's lock."""
    rows = list(
        Card.objects.filter(
            Q(person_id=person.pk, status__in=rules.HELD) | Q(card_no=card_no)
        ).values_list("person_id", "status", "card_no")
    )
    held = any(pk == person.pk and status in rules.HELD for pk, status, _ in rows)
    return held, any(no == card_no for _, _, no in rows)


def _produce(
    app, person, *, acting_user, verified, face_confirmed, account_no, now, save: bool = True
) -> Card:
    if not verified:
        raise ServiceError(E.NOT_VERIFIED, "制卡前须核验申请人身份与信息", field="verified")
    app_target(app, "produce")
    card_no = rules.make_card_no(settings.SBK_CARD_NO_PREFIX, app.pk)
    replaced = None  # a replacement keeps its card's bank (ensure_same_bank)
    taken = None  # is the card number taken? (migrated data may hold it)
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
        if app.kind == ApplicationKind.REPLACEMENT:
            ensure_same_bank(old, app.outlet)
            if not old.bank_change_to_id:
                # The original data: the new card keeps the bank and its account.
                account_no = account_no or old.account_no
            replaced = old
    else:
        held, taken = first_card_flags(app) or _held_or_taken(person, card_no)
        if held:
            raise Conflict(E.HAS_VALID_CARD, "该持卡人已持有有效社保卡")
    problems, notes = intercept(app, person, face_confirmed=face_confirmed)
    if problems:
        refused = ServiceError(
            E.INTERCEPTED,
            "卡面信息差错拦截：" + "；".join(p.message for p in problems),
            problems=problems,
        )
        # The blocked attempt is counted (the centre's quality reports, the evaluation).
        refused.after_rollback.append(
            lambda: record_interception(
                app.pk, acting_user=acting_user, problems=[p.as_dict() for p in problems]
            )
        )
        raise refused
    account_no = (account_no or "").replace(" ", "")
    if account_no and not rules.account_valid(account_no):
        raise ServiceError(E.ACCOUNT_INVALID, "银行账号应为 12–19 位且校验正确", field="account_no")
    outlet = app.outlet
    card = Card(
        person=person,
        card_no=card_no,
        card_code=rules.make_card_code(outlet.division_code, settings.SBK_CARD_VERSION),
        version=settings.SBK_CARD_VERSION,
        division_code=outlet.division_code,
        org=outlet,
        bank=outlet.bank if outlet.bank_id else _replacement_bank(replaced),
        account_no=account_no,
        account_masked=rules.mask_account(account_no),
        category=person.category,
        photo=app.photo.name,
        produced_at=now,
        expires_on=add_years(timezone.localdate(now), settings.SBK_CARD_VALIDITY_YEARS),
        electronic=True,
        replaces_id=app.replaces_id,
    )
    if taken is None:
        taken = Card.objects.filter(card_no=card_no).exists()
    if taken:
        raise Conflict(E.CARD_NO_TAKEN, f"卡号 {card.card_no} 已存在（迁移数据冲突）")
    create_card(card, at=now, acting_user=acting_user)
    check_id = (app.photo_result or {}).get("check_id")
    if check_id:  # the checked photo printed on the card becomes the person's current photo
        # The photo capability is optional (sbk.cards.photo): imported only when it checked.
        from sbk.photos.services import make_current

        make_current(person.pk, check_id, timezone.localdate(now))
    transition_application(
        app,
        "produce",
        save=save,
        card=card,
        done_at=now,
        interception={"problems": [], "notes": notes},
    )
    return card


def _issue(card, person, *, acting_user, now, app=None):
    """Hand ``card`` over; the card it replaces becomes invalid first (one held card)."""
    card_target(card, "issue", now)
    old = None
    if card.replaces_id:
        (old,) = lock_cards([card.replaces_id])
        transition_card(old, "invalidate_replaced", at=now, acting_user=acting_user)
    try:
        transition_card(card, "issue", at=now, acting_user=acting_user)
    except IntegrityError:
        raise Conflict(E.HAS_VALID_CARD, "该持卡人已持有有效社保卡") from None
    if app is None:
        app = Application.objects.select_for_update().filter(card=card).first()
    if app is not None and app.status == rules.APP_PRODUCED:
        transition_application(app, "issue")
    return old, app


# ---------------------------------------------------------------------------- public API
@actions.atomic
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
    stated: dict | None = None,
) -> Application:
    """Start an application (draft): first card, replacement (补换卡) or renewal.

    ``stated``: what the applicant stated for the card face (name, id_number, category), as
    entered; differences from the registry come back at once in
    ``app.interception["warnings"]`` and block production until corrected."""
    ensure(acting_user, Action.APPLICATION_START)
    person = lock_person(acting_user, person_id)
    production = _outlet(acting_user, outlet)
    channel, _ = where(acting_user, channel, production if acting_user.is_applicant else None)
    app = _start(
        person,
        acting_user=acting_user,
        kind=kind,
        channel=channel,
        outlet=production,
        replace_reason=replace_reason,
        proxy=proxy,
        stated=stated,
    )
    actions.record(
        Action.APPLICATION_START,
        acting_user=acting_user,
        obj=app,
        after=app_snapshot(app),
        reason=reason,
    )
    return app


@actions.atomic
def attach_photo(
    app_id: int,
    *,
    acting_user,
    data: bytes | None = None,
    source: str = "upload",
    studio=None,
    use_on_file: bool = False,
) -> Application:
    """Attach the photo: an upload (applicant, counter, bank studio) or the one on file.
    On an application awaiting its studio photo, a photo that passes completes the
    submission (its 7-day clock starts now); one that fails leaves it waiting."""
    ensure(acting_user, Action.APPLICATION_PHOTO)
    person, app = lock_application(acting_user, app_id)
    app_target(app, "attach_photo")
    awaiting = app.status == rules.AWAITING_PHOTO
    if awaiting and source == PhotoSource.STUDIO and studio is None:
        studio = app.photo_studio  # the studio the applicant designated
    before = app_snapshot(app)
    check_id = _attach_photo(
        app,
        person,
        acting_user=acting_user,
        data=data,
        source=source,
        studio=studio,
        use_on_file=use_on_file,
    )
    app.save()
    completed = awaiting and app.photo_ok is not False
    if completed:  # the studio's photo completes it: the 7-day clock starts now
        _submit(app, timezone.now())
        notify("can_produce", app, person)
    actions.record(
        Action.APPLICATION_PHOTO,
        acting_user=acting_user,
        obj=app,
        before=before,
        after={
            **app_snapshot(app),
            "photo_note": app.photo_note,
            "photo_check": check_id,
            "completed_submission": completed,
        },
    )
    return app


def _await_studio(app, studio) -> None:
    """Submitted without a photo: a bank-designated studio (照相馆) will upload it."""
    if app.photo:
        raise ServiceError(
            E.PHOTO_STUDIO, "申请已有照片，无需照相馆上传，请直接提交", field="photo_studio"
        )
    if studio is None or studio.kind not in (OrgKind.BANK, OrgKind.BANK_OUTLET):
        raise ServiceError(
            E.PHOTO_STUDIO, "照相馆上传须注明指定照相馆的合作银行", field="photo_studio"
        )
    transition_application(app, "await_studio_photo", photo_studio=studio)


@actions.atomic
def submit_application(app_id: int, *, acting_user, reason: str = "", studio=None) -> Application:
    """Submit: the 7-day clock starts and the applicant is told the card can be produced.

    ``studio``: submitted without a photo, a bank-designated studio to upload it (seed 002
    附件1 step 3); the application waits as "awaiting photo" and its clock starts when the
    studio's photo completes it (``attach_photo``)."""
    ensure(acting_user, Action.APPLICATION_SUBMIT)
    person, app = lock_application(acting_user, app_id)
    ensure_active(person)
    before = app_snapshot(app)
    now = timezone.now()
    if studio is not None:
        _await_studio(app, studio)
    else:
        _submit(app, now)
        notify("can_produce", app, person)
    # Online, the service belongs to the production outlet the applicant chose; at a
    # counter, to the counter that took the submission.
    channel, outlet = where(
        acting_user, app.channel, app.outlet if acting_user.is_applicant else None
    )
    actions.record(
        Action.APPLICATION_SUBMIT,
        acting_user=acting_user,
        obj=app,
        before=before,
        after=app_snapshot(app),
        reason=reason,
        channel=channel,
        outlet=outlet,
        person=person,
        application=app,
        details={
            "kind": app.kind,
            "deadline": app.deadline.isoformat() if app.deadline else None,
            "awaiting_photo_from": studio.code if studio is not None else None,
        },
        at=now,
    )
    return app


@actions.atomic
def withdraw_application(app_id: int, *, acting_user, reason: str = "") -> Application:
    """Withdraw (撤销) an application not yet produced, at the applicant's request."""
    ensure(acting_user, Action.APPLICATION_WITHDRAW)
    person, app = lock_application(acting_user, app_id)
    before = app_snapshot(app)
    transition_application(app, "withdraw", done_at=timezone.now())
    actions.record(
        Action.APPLICATION_WITHDRAW,
        acting_user=acting_user,
        obj=app,
        before=before,
        after=app_snapshot(app),
        reason=reason,
    )
    return app


@actions.atomic
def reject_application(app_id: int, *, acting_user, reason: str) -> Application:
    """Review at production refuses: the applicant is told why by SMS."""
    ensure(acting_user, Action.APPLICATION_REJECT)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            E.REASON_REQUIRED, "驳回须填写原因（将以短信告知申请人）", field="reason"
        )
    person, app = lock_application(acting_user, app_id, outlet_scope=True)
    ensure_org_in_scope(acting_user, Action.APPLICATION_REJECT, app, app.outlet)
    before = app_snapshot(app)
    now = timezone.now()
    transition_application(app, "reject", reject_reason=reason[:200], done_at=now)
    notify("rejected", app, person, reason=reason)
    channel, outlet = where(acting_user, outlet=app.outlet)
    actions.record(
        Action.APPLICATION_REJECT,
        acting_user=acting_user,
        obj=app,
        before=before,
        after=app_snapshot(app),
        reason=reason,
        channel=channel,
        outlet=outlet,
        person=person,
        application=app,
        outcome="rejected",
        details={"reason": reason},
        at=now,
    )
    return app


@actions.atomic
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
    return produce_action(
        Action.CARD_PRODUCE,
        app_id,
        acting_user=acting_user,
        verified=verified,
        face_confirmed=face_confirmed,
        account_no=account_no,
        reason=reason,
    )


def produce_action(
    action: Action,
    app_id: int,
    *,
    acting_user,
    verified: bool,
    face_confirmed: bool,
    account_no: str,
    reason: str,
    hand_over: bool = False,
) -> Card:
    """The body of production, shared by ``produce_card`` and the counter's on-the-spot
    production (``hand_over``: the card is issued in the same action, no "ready" SMS)."""
    ensure(acting_user, action)
    person, app = lock_application(acting_user, app_id, outlet_scope=True, first_card=True)
    ensure_org_in_scope(acting_user, action, app, app.outlet)
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
    old = None
    if hand_over:
        old, _ = _issue(card, person, acting_user=acting_user, now=now, app=app)
    else:
        notify("ready", app, person)
    # Production counts where the printer is: a bank outlet is channel ⑤ (not the ⑦ an
    # online application came through).
    channel, outlet = where(acting_user, outlet=app.outlet)
    replaced = {"replaced": card_snapshot(old) if old else None} if hand_over else {}
    details = {"card_no": card.card_no, "electronic": True}
    if hand_over:
        details = {"card_no": card.card_no, "replaced": old.card_no if old else None}
    actions.record(
        action,
        acting_user=acting_user,
        obj=card,
        before={"application": before, **replaced},
        after={"application": app_snapshot(app), "card": card_snapshot(card)},
        reason=reason,
        channel=channel,
        outlet=outlet,
        person=person,
        card=card,
        application=app,
        details={**details, "notes": app.interception["notes"]},
        at=now,
    )
    return card


@actions.atomic
def issue_card(card_id: int, *, acting_user, reason: str = "") -> Card:
    """Hand the card over; a replaced card becomes invalid in the same transaction."""
    ensure(acting_user, Action.CARD_ISSUE)
    person, card = lock_card(acting_user, card_id, org_scope=True)
    ensure_org_in_scope(acting_user, Action.CARD_ISSUE, card, card.org)
    ensure_active(person)
    before = card_snapshot(card)
    now = timezone.now()
    old, app = _issue(card, person, acting_user=acting_user, now=now)
    channel, outlet = where(acting_user, outlet=card.org)
    actions.record(
        Action.CARD_ISSUE,
        acting_user=acting_user,
        obj=card,
        before={"card": before, "replaced": card_snapshot(old) if old else None},
        after={"card": card_snapshot(card), "replaced_after": card_snapshot(old) if old else None},
        reason=reason,
        channel=channel,
        outlet=outlet,
        person=person,
        card=card,
        application=app,
        details={"card_no": card.card_no, "replaced": old.card_no if old else None},
        at=now,
    )
    return card
