"""The platform's photo rules: ``settings.SBK_PHOTO_RULES`` over the seed's defaults."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .rules import PhotoRules

# Uploads larger than this are refused before any decoding (phone pictures are < 15 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 4000 * 4000  # = sbk.photos.analysis.MAX_PIXELS


def max_pixels() -> int:
    """The pixel budget, ``settings.SBK_PHOTO_MAX_PIXELS``: a photo with more pixels is
    refused from its header (``size_px``), never decoded. Read on each call."""
    value = getattr(settings, "SBK_PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS)
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured("SBK_PHOTO_MAX_PIXELS must be a whole number") from None
    if value < 1:
        raise ImproperlyConfigured("SBK_PHOTO_MAX_PIXELS must be positive")
    return value


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
