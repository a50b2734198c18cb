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


# Renewal (issue 21): a photo on file older than this is not reused ("沿用已有照片"); the
# applicant is asked for a new one. A child's face changes fast: a photo taken before the
# age of ``child_under`` is valid for ``child`` months (openIMIS renews insuree photos
# the same way).
DEFAULT_MAX_AGE_MONTHS = {"adult": 60, "child": 12, "child_under": 16}


def photo_max_age_months(birth_date, taken) -> tuple[int, bool]:
    """(months a photo taken on ``taken`` stays reusable, was the person a child then),
    from ``settings.SBK_PHOTO_MAX_AGE_MONTHS`` (a dict like the default, merged over it)."""
    raw = getattr(settings, "SBK_PHOTO_MAX_AGE_MONTHS", None) or {}
    if not isinstance(raw, dict):
        raise ImproperlyConfigured("SBK_PHOTO_MAX_AGE_MONTHS must be a dict")
    unknown = sorted(set(raw) - set(DEFAULT_MAX_AGE_MONTHS))
    if unknown:
        raise ImproperlyConfigured(f"SBK_PHOTO_MAX_AGE_MONTHS: unknown key(s) {', '.join(unknown)}")
    conf = {**DEFAULT_MAX_AGE_MONTHS, **raw}
    try:
        adult, child, under = int(conf["adult"]), int(conf["child"]), int(conf["child_under"])
    except (TypeError, ValueError):
        raise ImproperlyConfigured("SBK_PHOTO_MAX_AGE_MONTHS: whole numbers expected") from None
    is_child = False
    if birth_date is not None:
        years = (
            taken.year
            - birth_date.year
            - ((taken.month, taken.day) < (birth_date.month, birth_date.day))
        )
        is_child = years < under
    return (child if is_child else adult), is_child


def add_months(day, months: int):
    """``day`` plus ``months`` calendar months (the last day of a shorter month)."""
    import calendar

    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )
