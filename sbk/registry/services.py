"""Registry actions: create a person, change a person, reveal a person's full record.

Each is one transaction recorded through the action layer (``sbk.core.actions``): one audit
row, and for a change (信息变更, service item ②) one journal row; changes also leave one
PersonChange row per field. Audit rows hold masked forms only: the trail must not become a
copy of the data.

A number that is already registered is refused. When its person lies outside the clerk's
scope, the answer (``registered_elsewhere``) tells the clerk that the person is registered
in another area and must be transferred, naming no organisation; telling it is a look-up
of that person, so it is written to the access log (who, when, which person, why), and
that row outlives the refusal (:class:`RegisteredElsewhere`).
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F

from sbk.accounts.policy import ensure
from sbk.core import actions, audit
from sbk.core.actors import as_user
from sbk.core.catalogue import Action
from sbk.core.errors import Problem, ServiceError
from sbk.core.models import AccessLog
from sbk.orgs.attribution import attribute
from sbk.orgs.scope import get_scoped, scoped

from . import lookup
from .errors import RegistryErrorCode as E
from .models import Person, PersonChange, PersonStatus
from .rules import clean_person

SENSITIVE = ("id_number", "phone", "address")
EDITABLE = (
    "name",
    "doc_type",
    "id_number",
    "gender",
    "birth_date",
    "nationality",
    "phone",
    "address",
    "residence_division",
    "category",
    "category_note",
)


def _raise(cleaned) -> None:
    raise ServiceError.from_problems([Problem(c, m, f) for f, c, m in cleaned.problems])


def apply_values(person: Person, values: dict) -> None:
    """Set cleaned values and everything derived from them (indexes, masks)."""
    for key, value in values.items():
        if key in EDITABLE or key == "name_printable":
            setattr(person, key, value)
    if "id_number" in values:
        person.id_index = lookup.id_index(values["id_number"])
        person.id_masked = lookup.masked_id(values["id_number"])
    if "phone" in values:
        person.phone_index = lookup.phone_index(values["phone"])
        person.phone_masked = lookup.masked_phone(values["phone"])


def snapshot(person: Person) -> dict:
    """What the audit trail may hold about a person: masked, never full."""
    return {
        "name": person.name,
        "doc_type": person.doc_type,
        "id_masked": person.id_masked,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "nationality": person.nationality,
        "phone_masked": person.phone_masked,
        "residence_division": person.residence_division,
        "category": person.category,
        "category_note": person.category_note,
        "org": person.org.code if person.org_id else None,
        "status": person.status,
    }


def _duplicate() -> ServiceError:
    return ServiceError(E.DUPLICATE, "该证件号码已在持卡库中登记", field="id_number")


REGISTERED_ELSEWHERE = (
    "该证件号码的持卡人已在其他地区登记，不能在此重复登记。"
    "如持卡人已迁入本地，须办理省内转移（由原登记地转入本地），或联系卡中心协调"
)


class RegisteredElsewhere(ServiceError):
    """The number belongs to a person outside the acting user's scope.

    Saying so is a look-up of that person, written to the access log by
    :meth:`record_lookup`. The refusal rolls the action back, and the row with it, so the
    row is written where it lasts: the service calls :meth:`record_lookup` once its own
    transaction is over (then the row is committed at once, or belongs to the caller's
    transaction), and a caller whose own transaction is rolled back by the refusal (the
    API's idempotent request) calls it again after that rollback; it writes the row again
    only if the row is gone.
    """

    def __init__(self, *, acting_user, person: Person, purpose: str, channel: str = ""):
        super().__init__(E.REGISTERED_ELSEWHERE, REGISTERED_ELSEWHERE, field="id_number")
        self.person = person
        self._lookup = (acting_user, purpose, channel)
        self._row: AccessLog | None = None

    def record_lookup(self) -> AccessLog | None:
        """The access-log row of this look-up: written now unless it is still there."""
        try:
            if self._row is not None and (
                AccessLog.objects.filter(pk=self._row.pk, hash=self._row.hash).exists()
            ):
                return self._row
            user, purpose, channel = self._lookup
            with transaction.atomic():
                self._row = audit.record_access(
                    user=user,
                    obj=self.person,
                    purpose=purpose,
                    label=self.person.id_masked,
                    channel=channel,
                )
        except DatabaseError:
            # A transaction broken by something else: the refusal itself must still show.
            return None
        return self._row


def _existing(doc_type: str, number: str, *, exclude: int | None = None) -> Person | None:
    qs = Person.objects.filter(doc_type=doc_type, id_index__in=lookup.id_indexes(number))
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.first()


def _taken(acting_user, existing: Person, *, purpose: str, channel: str) -> ServiceError:
    """``duplicate`` for a person the user may see, ``registered_elsewhere`` for another."""
    if scoped(acting_user, Person.objects.filter(pk=existing.pk)).exists():
        return _duplicate()
    return RegisteredElsewhere(
        acting_user=acting_user, person=existing, purpose=purpose, channel=channel
    )


def _recording_lookups(func):
    """Run a registry action; a ``registered_elsewhere`` refusal leaves its access-log row
    once the action's transaction has rolled back."""

    @functools.wraps(func)
    def inner(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except RegisteredElsewhere as exc:
            exc.record_lookup()
            raise

    return inner


CREATE_LOOKUP = "登记持卡人时查重：该证件号码已在其他地区登记"
CHANGE_LOOKUP = "变更证件号码时查重：该证件号码已在其他地区登记"
IMPORT_LOOKUP = "批量导入时查重：该证件号码已在其他地区登记"


def registered_elsewhere(
    acting_user, people, *, purpose: str = IMPORT_LOOKUP, channel: str = "import"
) -> set[int]:
    """Of these registered people (a bulk import's duplicates), the pks of those outside the
    user's scope, each of whose look-ups is written to the access log at once, in a
    transaction of its own: call it before (and apart from) the import's write, dry runs
    included, and report those rows as ``registered_elsewhere``, the others as
    ``duplicate``."""
    people = list(people)
    seen = set(
        scoped(acting_user, Person.objects.filter(pk__in=[p.pk for p in people])).values_list(
            "pk", flat=True
        )
    )
    outside = [p for p in people if p.pk not in seen]
    if outside:
        with transaction.atomic():
            for p in outside:
                audit.record_access(
                    user=acting_user, obj=p, purpose=purpose, label=p.id_masked, channel=channel
                )
    return {p.pk for p in outside}


@_recording_lookups
@transaction.atomic
def create_person(
    *,
    acting_user,
    org,
    data: dict,
    reason: str = "",
    part_of: Action | None = None,
    access_channel: str = "",
) -> Person:
    """Register a person in the cardholder base (持卡人登记).

    ``part_of``: the action this registration belongs to (an applicant's own sign-up), whose
    audit row covers it. ``access_channel`` ("console", "api") goes into the access-log row
    of a ``registered_elsewhere`` refusal."""
    ensure(acting_user, part_of or Action.PERSON_CREATE, None if part_of else org)
    cleaned = clean_person(data)
    if not cleaned.ok:
        _raise(cleaned)
    person = Person(org=org)
    apply_values(person, cleaned.values)
    existing = _existing(person.doc_type, person.id_number)
    if existing is not None:
        raise _taken(acting_user, existing, purpose=CREATE_LOOKUP, channel=access_channel)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Registered a moment ago by someone else.
        existing = _existing(person.doc_type, person.id_number)
        if existing is None:
            raise _duplicate() from None
        raise _taken(acting_user, existing, purpose=CREATE_LOOKUP, channel=access_channel) from None
    if part_of is not None:
        return person
    actions.record(
        Action.PERSON_CREATE,
        acting_user=acting_user,
        obj=person,
        after=snapshot(person),
        reason=reason,
    )
    return person


def _display(field: str, value) -> str:
    if value is None:
        return ""
    if field == "id_number":
        return lookup.masked_id(value)
    if field == "phone":
        return lookup.masked_phone(value)
    if field == "address":
        return "（已加密）" if value else ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@_recording_lookups
@transaction.atomic
def change_person(
    person_id: int,
    *,
    acting_user,
    changes: dict,
    reason: str,
    channel=None,
    part_of: Action | None = None,
    access_channel: str = "",
) -> Person:
    """Change a person's information (信息变更, item ②), cross-checking against the number.

    ``part_of`` names the action this change belongs to (an applicant's registration
    recording a missing phone): that action's own audit row covers it, so this call writes
    neither an audit nor a journal row of its own. ``access_channel``: as for
    :func:`create_person`.
    """
    ensure(acting_user, part_of or Action.PERSON_CHANGE)
    if not (reason or "").strip():
        raise ServiceError(E.REASON_REQUIRED, "修改持卡人信息须填写原因", field="reason")
    person = get_scoped(
        acting_user,
        Person.objects.select_for_update(of=("self",)).select_related("org"),
        "持卡人",
        pk=person_id,
    )
    if person.status == PersonStatus.CANCELLED:
        raise ServiceError(E.PERSON_CANCELLED, "该持卡人已注销，不能修改信息")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ServiceError(E.NOT_EDITABLE, f"不能修改字段：{'、'.join(sorted(unknown))}")
    merged = {f: getattr(person, f) for f in EDITABLE}
    merged.update(changes)
    cleaned = clean_person(merged)
    if not cleaned.ok:
        _raise(cleaned)
    before = snapshot(person)
    diffs = {
        f: (getattr(person, f), cleaned.values.get(f, getattr(person, f)))
        for f in EDITABLE
        if cleaned.values.get(f, getattr(person, f)) != getattr(person, f)
    }
    if not diffs:
        return person
    apply_values(
        person,
        {
            **{f: new for f, (_, new) in diffs.items()},
            "name_printable": cleaned.values.get("name_printable", person.name_printable),
        },
    )
    if "id_number" in diffs:
        existing = _existing(person.doc_type, person.id_number, exclude=person.pk)
        if existing is not None:
            raise _taken(acting_user, existing, purpose=CHANGE_LOOKUP, channel=access_channel)
    person.version = F("version") + 1
    person.save()
    person.refresh_from_db()
    PersonChange.objects.bulk_create(
        [
            PersonChange(
                person=person,
                actor=as_user(acting_user),
                field=f,
                old_value=_display(f, old),
                new_value=_display(f, new),
                old_secret=str(old or "") if f in SENSITIVE else "",
                new_secret=str(new or "") if f in SENSITIVE else "",
                reason=reason,
            )
            for f, (old, new) in diffs.items()
        ]
    )
    if part_of is None:
        channel, outlet = attribute(acting_user, channel=channel)
        actions.record(
            Action.PERSON_CHANGE,
            acting_user=acting_user,
            obj=person,
            before=before,
            after=snapshot(person),
            reason=reason,
            channel=channel,
            outlet=outlet,
            person=person,
            details={"fields": sorted(diffs)},
        )
    return person


def mark_cancelled(person: Person, *, day: dt.date) -> None:
    """The registry side of 注销 (part of ``cards.services.cancel_person``, which records it)."""
    Person.objects.filter(pk=person.pk).update(
        status=PersonStatus.CANCELLED, cancelled_on=day, version=F("version") + 1
    )
    person.refresh_from_db(fields=["status", "cancelled_on", "version"])


def move_record(person: Person, *, org) -> None:
    """The registry side of 省内转移 (part of ``cards.services.transfer``, which records it)."""
    Person.objects.filter(pk=person.pk).update(org=org, version=F("version") + 1)
    person.refresh_from_db(fields=["org", "version"])


@transaction.atomic
def reveal_person(person_id: int, *, acting_user, purpose: str, channel: str = "console") -> dict:
    """Show a person's full document number, phone and address; every call is logged."""
    purpose = (purpose or "").strip()
    if not purpose:
        raise ServiceError(
            E.PURPOSE_REQUIRED, "查看完整信息须说明用途（办理事项）", field="purpose"
        )
    person = get_scoped(acting_user, Person.objects.all(), "持卡人", pk=person_id)
    audit.record_access(
        user=acting_user, obj=person, purpose=purpose, label=person.id_masked, channel=channel
    )
    return {"id_number": person.id_number, "phone": person.phone, "address": person.address}


def find_by_number(user, number: str):
    """Exact lookup through the blind index, within the user's scope."""
    from sbk.orgs.scope import scoped

    return scoped(user, Person.objects.filter(id_index__in=lookup.id_indexes(number)))
