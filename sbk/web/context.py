from html import escape
from urllib.parse import quote

from django.utils import timezone


def _tile(text: str) -> str:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="420" height="220">'
        '<text x="20" y="140" transform="rotate(-20 210 110)" font-size="15" '
        f'font-family="sans-serif" fill="#000">{escape(text)}</text></svg>'
    )
    return "data:image/svg+xml;charset=utf-8," + quote(svg)


def console(request):
    """Every signed-in page carries a faint user/time watermark against photographed screens."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    org = getattr(user, "org", None)
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    text = f"{user.get_username()} {user.display_name} {org.name if org else ''} {now}"
    return {"watermark": text, "watermark_tile": _tile(text), "console_org": org}
