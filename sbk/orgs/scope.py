"""Who may see what: the one place where organisation scope is decided.

Every queryset of scoped records in the console, the API and the services goes through
these functions; a record outside the user's scope is simply not there (404), never
"there but forbidden", so its existence does not leak.

Staff see by organisation (``org_q``). An applicant (申请人) has no organisation, so
``org_q`` gives them nothing; they see their own person only (``person_q``), and the
query helpers of the person-bearing records (applications, cards) add that explicitly.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sbk.core.actors import is_system
from sbk.core.errors import NotFound

from .models import Organisation, OrgKind


def org_q(user, prefix: str = "") -> Q:
    """A Q selecting organisations (through ``prefix``, e.g. "org__") in the user's scope."""
    org = getattr(user, "org", None)
    if is_system(user):  # the platform itself: the worker, imports (sbk.core.actors)
        return Q()
    if not getattr(user, "is_authenticated", False) or user.is_active is False:
        return Q(pk__in=[])
    if user.is_superuser and org is None:
        return Q()
    if org is None:
        return Q(pk__in=[])
    q = Q(**{f"{prefix}path__startswith": org.path})
    if org.kind == OrgKind.BANK:
        q |= Q(**{f"{prefix}bank": org})
    return q


def is_applicant(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active is not False
        and getattr(user, "is_applicant", False)
        and getattr(user, "person_id", None)
    )


def person_q(user, prefix: str = "") -> Q:
    """A Q selecting persons (through ``prefix``, e.g. "person__") that are the user's own:
    an applicant's own record, nobody for anyone else."""
    if not is_applicant(user):
        return Q(pk__in=[])
    return Q(**{f"{prefix}pk": user.person_id})


# Records that are a person themselves: an applicant sees their own row of these.
_PERSON_MODELS = {"registry.person"}


def visible_orgs(user) -> QuerySet[Organisation]:
    return Organisation.objects.filter(org_q(user))


def scoped(user, qs: QuerySet, org_field: str = "org") -> QuerySet:
    """Restrict a queryset of records that carry an organisation to the user's scope
    (and, for persons, an applicant to their own record)."""
    if is_system(user):
        return qs  # Q() | Q(...) would be only the second: an empty Q drops out of an OR
    q = org_q(user, prefix=f"{org_field}__")
    if qs.model._meta.label_lower in _PERSON_MODELS:
        q |= person_q(user)
    return qs.filter(q)


def get_scoped(user, qs: QuerySet, what: str = "记录", org_field: str = "org", **lookup):
    try:
        return scoped(user, qs, org_field).get(**lookup)
    except qs.model.DoesNotExist:
        raise NotFound(what) from None


def can_act_in(user, org: Organisation) -> bool:
    return visible_orgs(user).filter(pk=org.pk).exists()
