"""The platform's photo rules: ``settings.SBK_PHOTO_RULES`` over the seed's defaults."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .rules import PhotoRules

# Uploads larger than this are refused before any decoding (phone pictures are < 15 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def current_rules() -> PhotoRules:
    """``PhotoRules`` with ``SBK_PHOTO_RULES`` (a dict, default ``{}``) merged over the
    defaults. Built on each call (cheap), so ``override_settings`` takes effect at once."""
    raw = getattr(settings, "SBK_PHOTO_RULES", None) or {}
    if not isinstance(raw, dict):
        raise ImproperlyConfigured("SBK_PHOTO_RULES must be a dict of PhotoRules fields")
    try:
        return PhotoRules.from_dict(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"SBK_PHOTO_RULES: {exc}") from exc
