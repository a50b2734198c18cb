"""The application's photo step (照片): an upload, a photo a counter or the kiosk recorded,
or the one on file re-checked under today's rules; used by the application and kiosk services."""

from __future__ import annotations

from django.utils import timezone

from sbk.core.catalogue import Action
from sbk.core.errors import ServiceError
from sbk.core.files import read_encrypted, save_encrypted
from sbk.orgs.models import OrgKind

from .. import photo as photo_check
from .. import rules as card_rules
from ..errors import CardErrorCode as E
from ..models import Application, PhotoSource
from ..queries import counter_photo, current_photo, photo_on_file

PHOTO_CONTEXT = "cards.photo"
PHOTO_CHANNELS = {
    PhotoSource.UPLOAD: "online",
    PhotoSource.STUDIO: "studio",
    PhotoSource.COUNTER: "counter",
    PhotoSource.KIOSK: "kiosk",
}


def _use_recorded(app, recorded, source) -> int:
    """The photo of a check already recorded (at the kiosk, or by a counter earlier)."""
    app.photo.name = recorded.photo
    app.photo_source = source
    # an operator's override (人工放行) of the recorded check counts as accepted
    overridden = bool(getattr(recorded, "overridden", False)) and not recorded.ok
    app.photo_checked, app.photo_ok = True, recorded.ok or overridden
    titles = "、".join(recorded.failed_titles)
    app.photo_note = (
        f"照片机检通过（检测记录 #{recorded.pk}）"
        if recorded.ok
        else f"照片机检未通过：{titles}，已人工放行（检测记录 #{recorded.pk}）"
        if overridden
        else f"照片机检未通过：{titles}（检测记录 #{recorded.pk}）"
    )[:200]
    app.photo_result = {
        "checked": True,
        "ok": recorded.ok or overridden,
        "failed_rules": recorded.failed_rules,
        "check_id": recorded.pk,
        **({"overridden": True} if overridden else {}),
    }
    return recorded.pk


def _ensure_recent(person, taken) -> None:
    """Renewal (issue 21): a photo older than ``SBK_PHOTO_MAX_AGE_MONTHS`` (60 months; 12
    for a photo taken before 16) is not reused; the applicant is asked for a new one."""
    from sbk.photos.config import add_months, photo_max_age_months
    from sbk.photos.errors import PhotoErrorCode

    months, child = photo_max_age_months(getattr(person, "birth_date", None), taken)
    if add_months(taken, months) < timezone.localdate():
        who = "未满 16 周岁时拍摄的照片" if child else "照片"
        raise ServiceError(
            PhotoErrorCode.PHOTO_ON_FILE_TOO_OLD,
            f"已有照片拍摄于 {taken:%Y-%m-%d}，{who}有效期为 {months} 个月，已过期，不能沿用，"
            "请重新拍摄或上传照片",
            field="photo",
        )


def _reuse_on_file(app, person) -> None:
    """沿用已有照片: the person's current photo (the one on their latest card, with its check
    and date; before any, their latest usable application photo), re-checked now under the
    rules in force — unless it is older than the renewal age (``_ensure_recent``)."""
    current = current_photo(person)
    if current is not None:
        path, taken, check_id = current.photo_check.photo, current.since, current.photo_check_id
        # the photo's age runs from when it was taken (checked), not from the card's date
        taken = min(taken, timezone.localtime(current.photo_check.at).date())
    else:
        prior = photo_on_file(person, exclude_pk=app.pk)
        if prior is None:
            raise ServiceError(
                E.PHOTO_NOT_ON_FILE, "没有可沿用的已有照片，请上传照片", field="photo"
            )
        path, check_id = prior.photo.name, (prior.photo_result or {}).get("check_id")
        taken = timezone.localtime(prior.submitted_at or prior.created_at).date()
    _ensure_recent(person, taken)
    taken = f"{taken:%Y-%m-%d}"
    verdict = photo_check.check(read_encrypted(path), id_number=person.id_number, name=person.name)
    if verdict.checked and not verdict.ok:
        raise ServiceError(
            E.PHOTO_ON_FILE_FAILED,
            f"已有照片（{taken}）不符合现行照片规定，不能沿用，请重新拍摄或上传："
            + verdict.note.removeprefix("照片机检未通过："),
            field="photo",
        )
    app.photo = path
    app.photo_source = PhotoSource.ON_FILE
    app.photo_checked, app.photo_ok = verdict.checked, verdict.ok
    app.photo_result = {**verdict.as_dict(), "check_id": check_id}
    app.photo_note = f"沿用 {taken} 的照片，按现行规定复检：{verdict.note}"[:200]


def attach_photo_to(
    app,
    person,
    *,
    acting_user,
    data=None,
    source="upload",
    studio=None,
    use_on_file=False,
    from_counter=False,
    recorded=None,
) -> int | None:
    """Set the application's photo; the id of the photo check it recorded, if any."""
    check_id = None
    if use_on_file:
        _reuse_on_file(app, person)
        return None
    if from_counter:
        recorded = counter_photo(person)
        if recorded is None:
            raise ServiceError(
                E.PHOTO_NOT_ON_FILE, "没有窗口采集的合格照片，请现场拍摄", field="photo"
            )
        return _use_recorded(app, recorded, PhotoSource.COUNTER)
    if recorded is not None:
        return _use_recorded(app, recorded, source)
    if not data:
        raise ServiceError(E.PHOTO_REQUIRED, "请上传照片", field="photo")
    if source not in PhotoSource.values or source == PhotoSource.ON_FILE:
        raise ServiceError(E.PHOTO_SOURCE, f"照片来源“{source}”无效", field="photo_source")
    if source == PhotoSource.STUDIO:
        if studio is None or studio.kind not in (OrgKind.BANK, OrgKind.BANK_OUTLET):
            raise ServiceError(
                E.PHOTO_STUDIO, "照相馆上传须注明指定照相馆的合作银行", field="photo_studio"
            )
        app.photo_studio = studio
    verdict = photo_check.check(data, id_number=person.id_number, name=person.name)
    if verdict.verdict is not None:
        # Every application photo counts in the outlet's photo pass rate and recaptures;
        # the check keeps the one encrypted copy the application points at.
        from sbk.photos.services import record_check

        # Recorded as part of this action: its audit row is the application's.
        stored = record_check(
            acting_user=acting_user,
            data=data,
            person=person,
            channel=PHOTO_CHANNELS[source],
            verdict=verdict.verdict,
            person_authorised=True,
            part_of=Action.APPLICATION_PHOTO,
            # Online there is no counter: the photo counts for the outlet the applicant chose.
            collected_at=app.outlet if getattr(acting_user, "is_applicant", False) else None,
        )
        app.photo.name = stored.photo
        check_id = stored.pk
        verdict.note = f"{verdict.note}（检测记录 #{stored.pk}）"[:200]
    else:
        # A face photo is sensitive personal data: sealed on disk, the key outside (SPEC §8).
        now = timezone.now()
        rel = f"photos/applications/{now:%Y/%m}/{app.pk}-{now:%Y%m%d%H%M%S%f}.jpg"
        save_encrypted(rel, data, PHOTO_CONTEXT)
        app.photo.name = rel
    app.photo_source = source
    app.photo_checked, app.photo_ok = verdict.checked, verdict.ok
    app.photo_result = {**verdict.as_dict(), "check_id": check_id}
    app.photo_note = verdict.note
    return check_id


def accept_overridden_photo(check) -> list[int]:
    """An operator accepted ``check``'s photo (sbk.photos.services.override_check, inside
    its transaction and audit row): the open applications using it may go forward, and
    say so. Returns their ids."""
    apps = list(
        Application.objects.select_for_update().filter(
            person_id=check.person_id,
            photo_result__check_id=check.pk,
            status__in=[card_rules.DRAFT, card_rules.AWAITING_PHOTO, card_rules.SUBMITTED],
        )
    )
    for app in apps:
        app.photo_ok = True
        app.photo_result = {
            **(app.photo_result or {}),
            "ok": True,
            "overridden": True,
            "override_reason": check.override_reason,
        }
        by = getattr(check.overridden_by, "username", "")
        app.photo_note = (
            f"照片人工放行（{check.get_override_reason_display()}：{check.override_text}；"
            f"经办人 {by}，检测记录 #{check.pk}）"
        )[:200]
        app.save(update_fields=["photo_ok", "photo_result", "photo_note"])
    return [a.pk for a in apps]
