"""Template helpers of the public pages: the elder-mode switch link and form fields that
carry their label, help and errors together (errors in words next to the field)."""

from __future__ import annotations

from django import template

from sbk.portal.elder import PARAM

register = template.Library()


@register.simple_tag(takes_context=True)
def elder_url(context, on: int) -> str:
    """This page's address with ``?elder=`` set, the other parameters kept (``next``)."""
    request = context["request"]
    query = request.GET.copy()
    query[PARAM] = "1" if on else "0"
    return f"{request.path}?{query.urlencode()}"


@register.inclusion_tag("portal/_field.html")
def field(bound, extra_help: str = ""):
    """One labelled field: label, control, help and errors; the control names its help and
    error by aria-describedby and says aria-invalid when it has an error."""
    widget = bound.field.widget
    ids = []
    if bound.help_text or extra_help:
        ids.append(f"{bound.auto_id}_help")
    if bound.errors:
        ids.append(f"{bound.auto_id}_error")
    attrs = {}
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if bound.errors:
        attrs["aria-invalid"] = "true"
    if bound.field.required and not getattr(widget, "allow_multiple_selected", False):
        attrs["aria-required"] = "true"
    kind = getattr(widget, "input_type", "") or widget.__class__.__name__.lower()
    return {
        "f": bound,
        "control": bound.as_widget(attrs={**widget.attrs, **attrs}),
        "check": kind == "checkbox",
        "help": bound.help_text or extra_help,
    }
