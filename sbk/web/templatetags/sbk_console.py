from django import template

from sbk.divisions.table import load_table

register = template.Library()


@register.filter
def division(code: str) -> str:
    """ "610102" → "610102 陕西省西安市新城区" (abolished codes keep their old names)."""
    if not code:
        return ""
    name = load_table().full_name(code)
    return f"{code} {name}" if name else code
