"""Who may do what (权限策略): role × action × scope, in one place.

``can(user, action, obj)`` answers; ``ensure(user, action, obj)`` refuses with a clear error.
Every service asks here before it changes anything; the console asks the same question to
decide which buttons to show. The matrix below is written out for people in
``docs/roles.md`` and tried cell by cell in ``sbk/accounts/tests/test_policy.py``.

Scope: an object belongs to one or more organisations (a card to the outlet that made it
and to the holder's registering organisation; an application to its production outlet,
its intake outlet and the applicant's organisation); a user may act on it when one of them
lies in the user's scope (``sbk.orgs.scope``). An applicant may act on their own records
only. The system actor (``sbk.core.actors``) may do the actions listed for it, everywhere.
"""

from __future__ import annotations

from sbk.core.actors import is_system, require_actor
from sbk.core.catalogue import Action as A
from sbk.core.errors import Forbidden
from sbk.orgs.models import Organisation
from sbk.orgs.scope import org_q

from .models import Role

CITY, DISTRICT, OUTLET, BANK, AUDITOR, APPLICANT = (
    Role.CITY_ADMIN,
    Role.DISTRICT_ADMIN,
    Role.OUTLET_OPERATOR,
    Role.BANK_OPERATOR,
    Role.AUDITOR,
    Role.APPLICANT,
)
SYSTEM = "system"
STAFF = frozenset({CITY, DISTRICT, OUTLET, BANK, AUDITOR})
COUNTER = frozenset({CITY, OUTLET, BANK})  # where cards are produced and handed over

# action -> the roles that may do it ("system": the platform acting on its own).
MATRIX: dict[A, frozenset[str]] = {
    # Registry: the social-insurance side keeps the cardholder base; banks do not edit it.
    A.PERSON_CREATE: frozenset({CITY, DISTRICT, OUTLET, SYSTEM}),
    A.PERSON_CHANGE: frozenset({CITY, DISTRICT, OUTLET}),
    A.PERSON_IMPORT: frozenset({CITY, DISTRICT, SYSTEM}),
    # 注销 ends every card of a person (e.g. on death): a district or the centre decides.
    A.PERSON_CANCEL: frozenset({CITY, DISTRICT}),
    A.PERSON_TRANSFER_IN_PROVINCE: frozenset({CITY, DISTRICT, OUTLET}),
    A.PERSON_TRANSFER_CROSS_PROVINCE: frozenset({CITY, DISTRICT, OUTLET}),
    # Applications: at a counter (outlet, bank, the centre's hall) or online by the applicant.
    A.APPLICATION_START: frozenset({CITY, DISTRICT, OUTLET, BANK, APPLICANT}),
    A.APPLICATION_PHOTO: frozenset({CITY, DISTRICT, OUTLET, BANK, APPLICANT}),
    A.APPLICATION_SUBMIT: frozenset({CITY, DISTRICT, OUTLET, BANK, APPLICANT}),
    A.APPLICATION_REJECT: COUNTER,  # the review happens at production (审核后置)
    A.APPLICATION_WITHDRAW: frozenset({CITY, DISTRICT, OUTLET, BANK, APPLICANT}),
    # Cards: produced and handed over where there is a printer and a counter.
    A.CARD_PRODUCE: COUNTER,
    A.CARD_ISSUE: COUNTER,
    A.CARD_PRODUCE_ON_THE_SPOT: COUNTER,
    A.CARD_INTERCEPT: COUNTER,
    A.CARD_CHANGE_BANK: frozenset(
        {CITY, DISTRICT, OUTLET, BANK}
    ),  # recorded for whoever's production was blocked
    # A holder shows the e-card's QR code at any counter (a community outlet included).
    A.ECARD_VERIFY: frozenset({CITY, DISTRICT, OUTLET, BANK}),
    A.CARD_KIOSK_ISSUE: frozenset({OUTLET}),  # a kiosk's own account (checked by the service)
    A.CARD_REPORT_LOSS_TEMPORARY: frozenset({CITY, DISTRICT, OUTLET, BANK, APPLICANT}),
    A.CARD_REPORT_LOSS_FORMAL: frozenset({CITY, DISTRICT, OUTLET, BANK}),
    A.CARD_UNLOCK_LOSS: frozenset({CITY, DISTRICT, OUTLET, BANK}),
    # The financial account is the bank's: only the card's bank switches it on.
    A.CARD_ACTIVATE_FINANCIAL: frozenset({BANK}),
    A.CARD_UNLOCK_PIN: COUNTER,
    # The holder changes the PIN at a counter's PIN pad or at a kiosk; staff record it.
    A.CARD_CHANGE_PIN: COUNTER,
    A.CARD_LAPSE_TEMPORARY_LOSS: frozenset({SYSTEM}),
    A.CARD_MARK_UNCLAIMED: frozenset({SYSTEM}),
    A.CARD_IMPORT: frozenset({CITY, SYSTEM}),
    A.ENQUIRY: frozenset({CITY, DISTRICT, OUTLET, BANK}),
    A.PHOTO_CHECK: frozenset({CITY, DISTRICT, OUTLET, BANK, APPLICANT}),
    # An operator accepts a photo that fails only the rules about the person (issue 21).
    A.PHOTO_OVERRIDE: frozenset({CITY, DISTRICT, OUTLET, BANK}),
    # Exports: the auditor reads, so the auditor may export (masked, or approved full).
    A.EXPORT_PEOPLE: frozenset({CITY, DISTRICT, OUTLET, BANK, AUDITOR}),
    A.EXPORT_REQUEST: frozenset({CITY, DISTRICT, OUTLET, BANK, AUDITOR}),
    A.EXPORT_APPROVE: frozenset({CITY, DISTRICT}),
    A.EXPORT_REJECT: frozenset({CITY, DISTRICT}),
    A.EXPORT_DOWNLOAD: frozenset({CITY, DISTRICT, OUTLET, BANK, AUDITOR}),
    A.STAFF_CREATE: frozenset({CITY, DISTRICT, SYSTEM}),
    A.STAFF_PASSWORD_CHANGE: STAFF | {APPLICANT},  # one's own password, whoever one is
    A.STAFF_TOTP_ENROL: STAFF,
    # The public signs up through the portal (the system acting for a visitor): no clerk
    # opens an applicant's account for them.
    A.APPLICANT_REGISTER: frozenset({SYSTEM}),
    # API tokens: every staff member for themselves (the auditor's scripts read); for
    # someone else only a city admin, within scope, or the operator's shell (`sbk tokens`),
    # which the service checks. Revoking another's token: a city or district admin in scope.
    # Applicants have none: the portal is used in a browser.
    A.TOKEN_CREATE: STAFF | {SYSTEM},
    A.TOKEN_REVOKE: STAFF | {SYSTEM},
    # Deactivating an account (its tokens are revoked with it): who may create staff.
    A.STAFF_DEACTIVATE: frozenset({CITY, DISTRICT, SYSTEM}),
    A.ORG_CREATE: frozenset({CITY, SYSTEM}),
    A.ORG_CHANGE: frozenset({CITY, SYSTEM}),
    A.KEYS_ROTATE: frozenset({SYSTEM}),
    A.KEYS_REENCRYPT: frozenset({SYSTEM}),
    A.AUDIT_PURGE: frozenset({CITY, SYSTEM}),
    A.KEYS_INDEX_ROTATE: frozenset({SYSTEM}),
    A.KEYS_REINDEX: frozenset({SYSTEM}),
    # Stock (卡基台账): the centre brings blanks in, allocates and writes off; a district
    # passes them on, moves them between its outlets and corrects its books; wherever
    # there is stock it is received, closed daily and monthly, and counted. "system" is the
    # operator's shell (`sbk stock`) and the nightly jobs.
    A.STOCK_ALLOCATE: frozenset({CITY, DISTRICT, SYSTEM}),
    A.STOCK_RECEIVE: frozenset({CITY, DISTRICT, OUTLET, BANK, SYSTEM}),
    A.STOCK_CONSUME: frozenset({CITY, SYSTEM}),  # production recorded outside sbk
    A.STOCK_SPOIL: COUNTER | {SYSTEM},
    A.STOCK_RETURN: frozenset({DISTRICT, OUTLET, BANK, SYSTEM}),
    A.STOCK_WRITE_OFF: frozenset({CITY, SYSTEM}),
    A.STOCK_TRANSFER: frozenset({CITY, DISTRICT, SYSTEM}),
    A.STOCK_CORRECT: frozenset({CITY, DISTRICT, SYSTEM}),
    A.STOCK_CLOSE_DAY: frozenset({CITY, DISTRICT, OUTLET, BANK, SYSTEM}),
    A.STOCK_CLOSE_MONTH: frozenset({CITY, DISTRICT, OUTLET, BANK, SYSTEM}),
    A.STOCK_COUNT: frozenset({CITY, DISTRICT, OUTLET, BANK, SYSTEM}),
    A.STOCK_EXPLAIN: frozenset({CITY, DISTRICT, OUTLET, BANK, SYSTEM}),
    A.STOCK_RECTIFY: frozenset({CITY, DISTRICT, SYSTEM}),
    # Reports and the holiday table are the centre's; the operator's shell loads and runs them.
    A.HOLIDAY_SET: frozenset({CITY}),
    A.HOLIDAY_LOAD: frozenset({CITY, SYSTEM}),
    A.REPORT_GENERATE: frozenset({CITY, SYSTEM}),
    A.REPORT_ENTER: frozenset({CITY}),
    A.REPORT_CATALOGUE: frozenset({CITY}),
    A.REPORT_REBUILD_COUNTS: frozenset({CITY, SYSTEM}),
    # Operations records (运营记录): the centre and the district take orders in and dispatch
    # them; the outlet signs, responds, rectifies and may send an order back; the district
    # (or the centre) follows up, closes, reopens; the clock is paused by whoever holds the
    # order. Trainings, the register and reports are entered where the work is done; the
    # centre imports exams, draws and inspects samples and assesses the districts.
    A.ORDER_CREATE: frozenset({CITY, DISTRICT, OUTLET}),
    A.ORDER_IMPORT: frozenset({CITY, SYSTEM}),
    A.ORDER_DISPATCH: frozenset({CITY, DISTRICT}),
    A.ORDER_SIGN: frozenset({CITY, DISTRICT, OUTLET}),
    A.ORDER_RESPOND: frozenset({CITY, DISTRICT, OUTLET}),
    A.ORDER_RECTIFY: frozenset({CITY, DISTRICT, OUTLET}),
    A.ORDER_VISIT: frozenset({CITY, DISTRICT}),
    A.ORDER_CLOSE: frozenset({CITY, DISTRICT}),
    A.ORDER_RETURN: frozenset({CITY, DISTRICT, OUTLET}),
    A.ORDER_REOPEN: frozenset({CITY, DISTRICT}),
    A.ORDER_PAUSE: frozenset({CITY, DISTRICT, OUTLET}),
    A.ORDER_RESUME: frozenset({CITY, DISTRICT, OUTLET}),
    A.ORDER_ESCALATE: frozenset({SYSTEM}),
    A.TRAINING_RECORD: frozenset({CITY, DISTRICT}),
    A.TUTOR_RECORD: frozenset({CITY, DISTRICT}),
    A.QUESTIONNAIRE_RECORD: frozenset({CITY}),
    A.EXAM_CREATE: frozenset({CITY}),
    A.EXAM_IMPORT: frozenset({CITY, SYSTEM}),
    A.DEVICE_REGISTER: frozenset({CITY, DISTRICT, OUTLET}),
    A.DEVICE_CHANGE: frozenset({CITY, DISTRICT, OUTLET}),
    A.FAULT_REPORT: frozenset({CITY, DISTRICT, OUTLET}),
    A.FAULT_REPAIR: frozenset({CITY, DISTRICT, OUTLET}),
    A.FAULT_REVIEW: frozenset({CITY, DISTRICT}),
    A.MAINTENANCE_SET: frozenset({CITY, DISTRICT}),
    A.INFO_SUBMIT: frozenset({CITY, DISTRICT}),
    A.INFO_ADOPT: frozenset({CITY}),
    A.DOCUMENT_ATTACH: frozenset({CITY, DISTRICT, OUTLET, BANK}),
    A.SAMPLE_DRAW: frozenset({CITY, SYSTEM}),
    A.SAMPLE_INSPECT: frozenset({CITY}),
    A.BUSINESS_ERROR_RECORD: frozenset({CITY, DISTRICT}),
    A.ASSESSMENT_RECORD: frozenset({CITY}),
    # Banks and card usage: the centre keeps the service banks' records and imports the
    # usage files; outlets survey canteens and merchants for their district; campaigns are
    # the centre's or a district's; any staff counter submits a publicity case, the centre
    # selects.
    A.BANK_ONBOARD: frozenset({CITY, SYSTEM}),
    A.BANK_CHANGE: frozenset({CITY, SYSTEM}),
    A.BANK_SET_STATUS: frozenset({CITY, SYSTEM}),
    A.USAGE_IMPORT: frozenset({CITY, SYSTEM}),
    A.VENUE_REGISTER: frozenset({CITY, DISTRICT, OUTLET}),
    A.VENUE_CHANGE: frozenset({CITY, DISTRICT, OUTLET}),
    A.CAMPAIGN_CREATE: frozenset({CITY, DISTRICT}),
    A.CAMPAIGN_CHANGE: frozenset({CITY, DISTRICT}),
    A.CASE_SUBMIT: frozenset({CITY, DISTRICT, OUTLET, BANK}),
    A.CASE_SELECT: frozenset({CITY}),
    # The assistant's library: the centre and the districts load their documents (a
    # district's own apply below it only); the synonym list is one for the whole city.
    A.ASSISTANT_DOCUMENT_LOAD: frozenset({CITY, DISTRICT, SYSTEM}),
    A.ASSISTANT_DOCUMENT_STATUS: frozenset({CITY, DISTRICT, SYSTEM}),
    A.ASSISTANT_SYNONYMS_EDIT: frozenset({CITY, SYSTEM}),
    # Teaching a question its passage (教小助手) is the synonym list's kind of change: one
    # index for the whole city, so the centre decides.
    A.ASSISTANT_TEACH: frozenset({CITY, SYSTEM}),
    A.ASSISTANT_FORGET: frozenset({CITY, SYSTEM}),
    # So is marking a question as outside the library (库外问题), which the whole city's
    # assistant then refuses.
    A.ASSISTANT_DECLINE: frozenset({CITY, SYSTEM}),
    A.ASSISTANT_UNDECLINE: frozenset({CITY, SYSTEM}),
    # An answer that does not answer (答非所问) is reported by the clerk who read it out, at
    # any staff counter, or by the applicant it was given to on the portal (with the
    # answer's signed receipt): it joins the unanswered list, where the centre fills the gap.
    A.ASSISTANT_REPORT_WRONG: frozenset({CITY, DISTRICT, OUTLET, BANK, APPLICANT}),
    # Evaluation (评估): the city centre scores the districts and banks and enters the figures
    # no capability records; the operator's shell runs the quarterly scoring.
    A.EVALUATION_RUN: frozenset({CITY, SYSTEM}),
    A.EVALUATION_ENTER: frozenset({CITY, SYSTEM}),
}

ROLE_LABELS = {**{r.value: r.label for r in Role}, SYSTEM: "系统"}


def role_of(user) -> str:
    """The user's role; a superuser without one (the back-office account that
    ``createsuperuser`` makes) counts as a city centre admin, no more."""
    if is_system(user):
        return SYSTEM
    role = getattr(user, "role", "") or ""
    if not role and getattr(user, "is_superuser", False):
        return CITY
    return role


def orgs_of(obj) -> list[Organisation]:
    """The organisations an object belongs to, for the scope check."""
    if obj is None:
        return []
    if isinstance(obj, Organisation):
        return [obj]
    label = obj._meta.label_lower
    if label == "registry.person":
        return [obj.org]
    if label == "cards.card":
        return [obj.org, obj.person.org]
    if label == "cards.application":
        orgs = [obj.outlet, obj.person.org]
        return orgs + ([obj.intake_org] if obj.intake_org_id else [])
    org = getattr(obj, "org", None)
    return [org] if org is not None else []


def _own(user, obj) -> bool:
    """An applicant's own record (the person, or what belongs to the person)."""
    if obj is None or not getattr(user, "person_id", None):
        return False
    if obj._meta.label_lower == "registry.person":
        return obj.pk == user.person_id
    return getattr(obj, "person_id", None) == user.person_id


def _in_scope(user, obj) -> bool:
    orgs = [o for o in orgs_of(obj) if o is not None]
    if not orgs:
        return False
    q = org_q(user)
    return Organisation.objects.filter(q, pk__in=[o.pk for o in orgs]).exists()


def role_may(role: str, action: A) -> bool:
    return role in MATRIX[action]


def can(user, action: A, obj=None) -> bool:
    """May ``user`` do ``action`` (on ``obj``, when given)?"""
    require_actor(user)
    if is_system(user):
        return SYSTEM in MATRIX[action]
    if not getattr(user, "is_authenticated", False) or user.is_active is False:
        return False
    role = role_of(user)
    if not role_may(role, action):
        return False
    if obj is None:
        return True
    if role == APPLICANT:
        return _own(user, obj)
    return _in_scope(user, obj)


def ensure(user, action: A, obj=None) -> None:
    """Refuse ``action`` with a clear message when the user may not do it."""
    require_actor(user)
    if can(user, action, obj):
        return
    role = role_of(user)
    if not role_may(role, action) and not (is_system(user) and SYSTEM in MATRIX[action]):
        label = ROLE_LABELS.get(role, role or "未授权用户")
        if role == AUDITOR:
            raise Forbidden(f"审计员为只读角色，不能办理“{action.label}”")
        raise Forbidden(f"{label}无权办理“{action.label}”")
    raise Forbidden("该记录不在您的管辖范围内")


def matrix_markdown() -> str:
    """The matrix as the table in ``docs/roles.md`` (a test keeps the two the same)."""
    roles = [CITY, DISTRICT, OUTLET, BANK, AUDITOR, APPLICANT, SYSTEM]
    head = "| 编号 | 业务动作 | 审计名 | 服务事项 | " + " | ".join(ROLE_LABELS[r] for r in roles)
    lines = [head + " |", "|" + " --- |" * (4 + len(roles))]
    for action in A:
        item = f"{action.item.value} {action.item.label}" if action.item else ""
        cells = ["✓" if r in MATRIX[action] else "" for r in roles]
        lines.append(
            f"| {action.value} | {action.label} | `{action.audit_name}` | {item} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines) + "\n"
