"""The console's entry forms, described as data and drawn by one template
(``operations/_form.html``), so every form shows its errors next to its fields the same way.

A form is a name (the ``do`` of the POST), a title, the action it needs (to show it only to
those who may) and its fields: (name, label, kind, choices). Kinds: text, textarea, date,
datetime, number, select, checkbox, file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from sbk.accounts.policy import can
from sbk.core.catalogue import Action as A
from sbk.core.errors import ServiceError
from sbk.orgs.scope import visible_orgs

from .errors import OpsErrorCode as E


@dataclass
class Form:
    name: str
    title: str
    action: A
    fields: list[tuple]
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    def rows(self):
        for name, label, kind, *rest in self.fields:
            yield {
                "name": name,
                "label": label,
                "kind": kind,
                "choices": rest[0] if rest else [],
                "value": self.values.get(name, ""),
                "error": self.errors.get(name, ""),
            }


def allowed(user, forms: list[Form]) -> list[Form]:
    return [f for f in forms if can(user, f.action)]


def with_error(forms: list[Form], name: str, post, exc: ServiceError) -> list[Form]:
    for f in forms:
        if f.name == name:
            f.values = {k: post.get(k, "") for k in post}
            f.errors = {(p.field or "all"): p.message for p in exc.problems}
            known = {row[0] for row in f.fields}
            stray = [m for k, m in f.errors.items() if k not in known]
            if stray:
                f.errors["all"] = "；".join(stray)
    return forms


# ------------------------------------------------------------------ parsing the POST
def day(post, name: str, label: str, required: bool = True) -> dt.date | None:
    text = (post.get(name) or "").strip()
    if not text:
        if required:
            raise ServiceError(E.BAD_DATE, f"{label}不能为空", field=name)
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ServiceError(E.BAD_DATE, f"{label}应为 YYYY-MM-DD", field=name) from None


def moment(post, name: str, label: str) -> dt.datetime | None:
    text = (post.get(name) or "").strip()
    if not text:
        return None
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ServiceError(E.BAD_DATE, f"{label}应为 YYYY-MM-DD HH:MM", field=name) from None
    return at if timezone.is_aware(at) else timezone.make_aware(at)


def org(user, post, name: str, label: str = "机构代码", required: bool = True):
    code = (post.get(name) or "").strip()
    if not code and not required:
        return None
    found = visible_orgs(user).filter(code=code).first()
    if found is None:
        raise ServiceError(E.BAD_ORG, f"{label} {code!r} 不存在或不在管辖范围内", field=name)
    return found


def number(post, name: str, label: str, required: bool = True):
    text = (post.get(name) or "").strip()
    if not text and not required:
        return None
    try:
        return int(text)
    except ValueError:
        raise ServiceError(E.BAD_KIND, f"{label}须为整数", field=name) from None


def codes(post, name: str) -> list[str]:
    return [c for c in (post.get(name) or "").replace(",", " ").replace("，", " ").split() if c]
