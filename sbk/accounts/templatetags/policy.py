"""``{% load policy %}`` … ``{% if user|may:"card.issue" %}``: the console shows a button
only when the policy (``sbk.accounts.policy``) lets the user do that action at all; the
service still checks the object's scope when the button is pressed."""

from django import template

from sbk.accounts.policy import can
from sbk.core.catalogue import Action

register = template.Library()


@register.filter
def may(user, audit_name: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return can(user, Action.by_audit_name(audit_name))
