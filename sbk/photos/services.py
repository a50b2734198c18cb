"""Photo actions: check a photo and record the check; read back a stored photo and its
annotated preview; auto-fix a photo.

``record_check`` is one transaction with one audit row (``Action.PHOTO_CHECK``), or none
when the check is recorded as part of another action (``part_of``: a card application's
photo), whose own row covers it. The check itself (≈ 20 ms of model time) runs before the
transaction opens, so the database is not held while the models think. The photo is
stored encrypted (``sbk.core.files``, context ``photos.photo``); the audit row holds the
outcome and the person's id, never the document number.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import NotFound, Problem, ServiceError
from sbk.core.files import read_encrypted, save_encrypted

from . import naming
from .config import MAX_UPLOAD_BYTES, current_rules
from .errors import PhotoErrorCode as E
from .models import Channel, OverrideReason, PersonPhoto, PhotoCheck
from .queries import pass_rate, recapture_counts, scoped_checks  # noqa: F401  (re-exported)
from .rules import FILE_NAME, KB, RULE_TITLES, SOFT_RULES, PhotoRules
from .stamp import stamp_dpi
from .verdict import Geometry, Measurements, PhotoVerdict, RuleResult, _round

PHOTO_CONTEXT = "photos.photo"


# ------------------------------------------------------------------------------- helpers
def _ensure_data(data: bytes | None) -> bytes:
    if not data:
        raise ServiceError(E.FILE_REQUIRED, "请上传照片文件", field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ServiceError(
            E.FILE_TOO_LARGE,
            f"照片文件过大（{len(data) / KB / KB:.1f} MB），上限 {MAX_UPLOAD_BYTES // KB // KB} MB",
            field="file",
        )
    return bytes(data)


def _ensure_person_visible(acting_user, person) -> None:
    if person is None or acting_user is None:
        return
    from sbk.registry.queries import scoped_people

    if not scoped_people(acting_user).filter(pk=person.pk).exists():
        raise NotFound("持卡人")


def _org_of(acting_user, person):
    org = getattr(acting_user, "org", None)
    if org is None and person is not None:
        org = person.org
    if org is None:
        raise ServiceError(E.ORG_REQUIRED, "照片检测须由所属机构的工作人员办理", field="org")
    return org


def _identity(person) -> tuple[str | None, str | None]:
    if person is None:
        return None, None
    return person.id_number or None, person.name or None


def evaluate(
    data: bytes, *, person=None, filename: str | None = None, rules: PhotoRules | None = None
) -> PhotoVerdict:
    """The verdict of ``data``. The file-name rule applies when ``filename`` is given and
    the person is known (the counter renames photos itself, so it passes no name)."""
    from .checker import check_photo

    id_number, name = _identity(person) if filename else (None, None)
    return check_photo(
        data, filename=filename, id_number=id_number, name=name, rules=rules or current_rules()
    )


def _stored_results(verdict: PhotoVerdict) -> list[dict]:
    out = []
    for r in verdict.results:
        row = {
            "rule": r.rule,
            "status": r.status,
            "expected": r.expected,
            "actual": _round(r.actual),
            "message": r.message,
        }
        if r.rule == FILE_NAME:
            # the uploaded name may hold the full document number: keep only the verdict
            row["actual"] = None
            if r.status != "pass":
                row["message"] = f"文件名不符合命名规定，应为 {r.expected}"
        out.append(row)
    return out


# ------------------------------------------------------------------------------- actions
def record_check(
    *,
    acting_user,
    data: bytes,
    person=None,
    channel: str,
    filename: str | None = None,
    verdict: PhotoVerdict | None = None,
    person_authorised: bool = False,
    part_of: Action | None = None,
    collected_at=None,
) -> PhotoCheck:
    """Check a photo and store the check (encrypted photo, outcome, failing rules).

    ``verdict``, when the caller already has it, must be the verdict of ``data``.
    A check of a person whose previous check failed is a recapture (重拍).

    ``person_authorised`` is for a calling service that has already decided the user may
    act for this person (a card application routed to a bank outlet, a kiosk that read
    the document): the check is then recorded against the person whatever the user's scope.

    ``part_of`` names the caller's action when the check is recorded as part of it (a card
    application's photo, ``Action.APPLICATION_PHOTO``): the caller has authorised it and
    its audit row covers the check, so none is written here. Without it the check is an
    action of its own, ``Action.PHOTO_CHECK``, with its own audit row.

    ``collected_at``: the organisation where the photo was collected, when not the user's."""
    data = _ensure_data(data)
    ensure(acting_user, part_of if part_of is not None else Action.PHOTO_CHECK)
    if channel not in Channel.values:
        raise ServiceError(E.CHANNEL, f"渠道“{channel}”无效", field="channel")
    if not person_authorised:
        _ensure_person_visible(acting_user, person)
    # Counted where the photo was collected (the pass rate and recaptures are scored per
    # outlet): the user's organisation, or the one the caller names (an online upload counts
    # for the outlet the applicant chose), never merely the person's registering office.
    org = collected_at or _org_of(acting_user, person)
    if verdict is None:
        verdict = evaluate(data, person=person, filename=filename)
    return _store(acting_user, data, person, channel, org, verdict, audited=part_of is None)


@transaction.atomic
def _store(
    acting_user, data, person, channel, org, verdict: PhotoVerdict, *, audited: bool
) -> PhotoCheck:
    recapture = False
    if person is not None:
        from sbk.registry.models import Person

        # serialise checks of one person, so "follows a failed one" is well defined
        Person.objects.select_for_update().filter(pk=person.pk).first()
        previous = PhotoCheck.objects.filter(person=person).order_by("-at", "-id").first()
        recapture = previous is not None and not previous.ok
    now = timezone.now()
    rel = f"photos/{now:%Y/%m}/{uuid.uuid4().hex}.bin"
    m = verdict.measurements
    if m.dpi is None and m.format == "JPEG":
        # the copy kept for production states the resolution the spec needs (issue 21)
        data = stamp_dpi(data, current_rules().target_dpi)
    save_encrypted(rel, data, PHOTO_CONTEXT)
    check = PhotoCheck.objects.create(
        at=now,
        user=acting_user,
        org=org,
        channel=channel,
        person=person,
        ok=verdict.ok,
        failed_rules=verdict.failed_rules(),
        measurements=verdict.measurements.to_dict(),
        results=_stored_results(verdict),
        geometry=verdict.geometry.to_dict(),
        photo=rel,
        photo_sha256=hashlib.sha256(data).hexdigest(),
        photo_bytes=len(data),
        recapture=recapture,
    )
    if not audited:
        return check
    actions.record(
        Action.PHOTO_CHECK,
        acting_user=acting_user,
        obj=check,
        after={
            "ok": check.ok,
            "failed_rules": check.failed_rules,
            "channel": channel,
            "org": org.code,
            "person_id": person.pk if person is not None else None,
            "recapture": recapture,
            "sha256": check.photo_sha256,
        },
    )
    return check


# ------------------------------------------------------------------------------- reading
def photo_bytes(check: PhotoCheck) -> bytes:
    """The stored photo, decrypted (the caller has already checked the scope)."""
    return read_encrypted(check.photo, PHOTO_CONTEXT)


def stored_verdict(check: PhotoCheck) -> PhotoVerdict:
    """The verdict as stored with the check (not recomputed under today's rules)."""
    m = dict(check.measurements or {})
    fields = set(Measurements.__dataclass_fields__)
    meas = Measurements(**{k: v for k, v in m.items() if k in fields})
    if meas.dpi is not None:
        meas.dpi = tuple(meas.dpi)
    results = [
        RuleResult(r["rule"], r["status"], r.get("expected", ""), r.get("actual"), r["message"])
        for r in check.results or []
    ]
    g = dict(check.geometry or {})
    geometry = Geometry(**{k: v for k, v in g.items() if k in Geometry.__dataclass_fields__})
    return PhotoVerdict(ok=check.ok, measurements=meas, results=results, geometry=geometry)


def preview_png(check: PhotoCheck) -> bytes:
    """The annotated preview (PNG) of a stored check."""
    from .annotate import annotate

    return annotate(photo_bytes(check), stored_verdict(check), rules=current_rules())


def verdict_json(verdict: PhotoVerdict, *, file: str | None = None) -> dict:
    """The CLI's ``--json`` object plus ``results`` (every rule, passed ones too)."""
    out = verdict.to_dict()
    out.setdefault("warnings", [])
    if file is not None:
        out["file"] = file
    out["results"] = [
        {
            "rule": r.rule,
            "title": r.title,
            "status": r.status,
            "expected": r.expected,
            "actual": _round(r.actual),
            "message": r.message,
        }
        for r in verdict.results
    ]
    return out


# ------------------------------------------------------------------------------- fixing
@dataclass(frozen=True)
class Fixed:
    jpeg: bytes
    file_name: str  # the convention name when the person is known, else "<stem>.jpg"
    verdict: PhotoVerdict


class PhotoUnfixable(ServiceError):
    status = 422


def fix(*, acting_user, data: bytes, person=None, stem: str = "photo") -> Fixed:
    """Auto-fix a photo into a compliant one, or raise ``PhotoUnfixable`` with every reason
    (rule code + Chinese message). Nothing is stored: the result goes back to the caller."""
    from .fix import fix_photo

    data = _ensure_data(data)
    _ensure_person_visible(acting_user, person)
    id_number, name = _identity(person)
    rules = current_rules()
    result = fix_photo(data, rules=rules, id_number=id_number, name=name)
    if not result.ok or result.jpeg is None:
        problems = [Problem(f.rule, f.message, "file") for f in result.reasons] or [
            Problem(E.PHOTO_UNFIXABLE, "无法自动修正此照片", "file")
        ]
        raise PhotoUnfixable(
            E.PHOTO_UNFIXABLE,
            "无法自动生成合格照片：" + "；".join(p.message for p in problems),
            field="file",
            problems=problems,
        )
    file_name = result.file_name
    if not file_name and person is not None and id_number and name:
        file_name = naming.expected_file_name(id_number, name, rules)
    return Fixed(jpeg=result.jpeg, file_name=file_name or f"{stem}.jpg", verdict=result.verdict)


def make_current(person_id: int, check_id: int, day) -> None:
    """The photo of ``check_id`` becomes the person's current photo (one statement; called by
    the card production in its transaction, which has authorised it)."""
    PersonPhoto.objects.bulk_create(
        [
            PersonPhoto(
                person_id=person_id, photo_check_id=check_id, since=day, updated_at=timezone.now()
            )
        ],
        update_conflicts=True,
        unique_fields=["person"],
        update_fields=["photo_check", "since", "updated_at"],
    )


# ------------------------------------------------------------------------------- override
OVERRIDE_TEXT_MIN = 4  # characters of explanation at least


def overridable(check: PhotoCheck) -> bool:
    """A failed, not yet overridden check whose failures are all rules about the person."""
    failed = set(check.failed_rules or [])
    return not check.ok and not check.overridden and bool(failed) and failed <= SOFT_RULES


@actions.atomic
def override_check(*, acting_user, check_id: int, reason: str, text: str) -> PhotoCheck:
    """人工放行: accept a photo that fails only rules about the person (head covering,
    tinted lenses, white top, uniform, expression, pose, head size), with a reason from
    ``OverrideReason`` and an explanation. Geometry and file rules cannot be overridden
    (the fixer repairs those). ``ok`` stays the machine's verdict; ``overridden`` marks the
    check, which the pass rate counts apart. An application using this photo may then
    go forward (its photo is marked accepted by the operator)."""
    check = (
        PhotoCheck.objects.select_for_update(of=("self",))
        .select_related("org", "person")
        .filter(pk=check_id)
        .first()
    )
    if check is None:
        raise NotFound("照片检测记录")
    ensure(acting_user, Action.PHOTO_OVERRIDE, check)
    if check.overridden:
        raise ServiceError(E.OVERRIDE_ALREADY, "该照片检测已人工放行", field="check")
    if check.ok:
        raise ServiceError(E.OVERRIDE_NOT_FAILED, "该照片机检已合格，无需人工放行", field="check")
    hard = [r for r in check.failed_rules or [] if r not in SOFT_RULES]
    if hard:
        names = "、".join(RULE_TITLES.get(r, r) for r in hard)
        raise ServiceError(
            E.OVERRIDE_HARD_RULES,
            f"照片未通过 {names}，属尺寸、位置或文件要求，不能人工放行，请重新拍摄或自动修正",
            field="check",
        )
    if reason not in OverrideReason.values:
        raise ServiceError(E.OVERRIDE_REASON, f"放行原因“{reason}”无效", field="reason")
    text = (text or "").strip()
    if len(text) < OVERRIDE_TEXT_MIN:
        raise ServiceError(
            E.OVERRIDE_TEXT, f"请填写放行说明（至少 {OVERRIDE_TEXT_MIN} 个字）", field="text"
        )
    if len(text) > 200:
        raise ServiceError(E.OVERRIDE_TEXT, "放行说明不超过 200 个字", field="text")
    if any(ord(ch) < 32 for ch in text):
        raise ServiceError(E.OVERRIDE_TEXT, "放行说明不能含控制字符", field="text")
    check.overridden = True
    check.override_reason = reason
    check.override_text = text
    check.overridden_by = acting_user
    check.overridden_at = timezone.now()
    check.save(
        update_fields=[
            "overridden",
            "override_reason",
            "override_text",
            "overridden_by",
            "overridden_at",
        ]
    )
    applications = _accept_on_applications(check)
    actions.record(
        Action.PHOTO_OVERRIDE,
        acting_user=acting_user,
        obj=check,
        before={"ok": False, "overridden": False},
        reason=text,
        after={
            "overridden": True,
            "failed_rules": check.failed_rules,
            "reason": reason,
            "text": text,
            "person_id": check.person_id,
            "applications": applications,
        },
    )
    return check


def _accept_on_applications(check: PhotoCheck) -> list[int]:
    """Mark the photo accepted on the open card applications that use it (the cards app
    is optional: without it there is nothing to update)."""
    from django.apps import apps

    if not apps.is_installed("sbk.cards"):
        return []
    from sbk.cards.services.photo_steps import accept_overridden_photo

    return accept_overridden_photo(check)
