from html import escape
from urllib.parse import quote

from django.utils import timezone


def _tile(text: str) -> str:
    # Wide enough for the whole line: CJK glyphs are ~15 px at this size, others ~8 px.
    width = 40 + sum(15 if ord(ch) > 0x2E7F else 8 for ch in text)
    height = 40 + width // 3
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<text x="20" y="{height - 20}" transform="rotate(-18 {width // 2} {height // 2})" '
        f'font-size="15" font-family="sans-serif" fill="#000">{escape(text)}</text></svg>'
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
