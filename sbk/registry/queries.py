"""Read-side helpers for the registry: scoped search.

A search by a whole document number never travels in a URL (issue 23): a URL ends up in
the server's access log, a proxy's log and the browser's history. The console's search
form and the API's ``POST /api/registry/persons/search`` send it in the body; a GET whose
query string holds a whole number is refused (``number_in_query``), see
:func:`refuse_number_in_query`. Logs, audit rows and watermarks hold the search text as
:func:`shown_query` gives it: a whole number masked.
"""

import re

from django.db.models import Q, QuerySet

from sbk.core.errors import ServiceError
from sbk.idcard import check_id_number, normalise
from sbk.orgs.scope import scoped

from . import lookup
from .errors import RegistryErrorCode
from .models import Person

_PARTIAL = re.compile(r"^[0-9A-Z]{2,18}$")
# 15 to 18 characters, mostly digits: a document number, valid or mistyped. (A partial
# search is at most 10 leading or 4 trailing characters: the middle is masked.)
_NUMBER_LIKE = re.compile(r"^[0-9A-Z]{15,18}$")
NUMBER_IN_QUERY = (
    "完整证件号码不能放在网址中（网址会记入服务器日志）：请使用查询表单，"
    "接口请用 POST /api/registry/persons/search"
)


def is_full_number(text: str | None) -> bool:
    """Is this search text a whole document number (valid, or one with a typo in it)?"""
    number = normalise(text or "")
    if not number:
        return False
    if _NUMBER_LIKE.match(number) and sum(c.isdigit() for c in number) >= 12:
        return True
    return check_id_number(number).valid


def shown_query(text: str | None) -> str:
    """A search text as a log, an audit row or a watermark may hold it."""
    text = (text or "").strip()
    return lookup.masked_id(text) if is_full_number(text) else text


def refuse_number_in_query(text: str | None) -> None:
    """Refuse a whole document number that arrived in a URL's query string."""
    if is_full_number(text):
        raise ServiceError(RegistryErrorCode.NUMBER_IN_QUERY, NUMBER_IN_QUERY, field="q")


def scoped_people(user) -> QuerySet[Person]:
    """Staff: the people of their organisations; an applicant: their own record."""
    return scoped(user, Person.objects.select_related("org"))


def search_people(user, query: str) -> QuerySet[Person]:
    """Search by name or by document number, full or partial.

    A full, valid number is found through its blind index. A partial number matches the
    stored masked form (first ten and last four characters visible), so "6125011990" and
    "123X" find a person but the hidden middle never can be searched.
    """
    qs = scoped_people(user)
    text = (query or "").strip()
    if not text:
        return qs.order_by("-id")
    number = normalise(text)
    result = check_id_number(number)
    if result.valid:
        full = result.upgraded or result.number
        return qs.filter(id_index__in=lookup.id_indexes(full)).order_by("id")
    if _PARTIAL.match(number) and any(c.isdigit() for c in number):
        return qs.filter(Q(id_masked__startswith=number) | Q(id_masked__endswith=number)).order_by(
            "id_masked"
        )
    return qs.filter(name__contains=text).order_by("name", "id")
