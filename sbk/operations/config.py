"""Configurable figures of the operations records (settings override the defaults)."""

from __future__ import annotations

from django.conf import settings

from . import timelimits


def time_limits(source: str) -> dict[str, float]:
    """Working days allowed per state and in total for a source (``SBK_OPS_TIME_LIMITS``:
    ``{"bad_review": {"responded": 2, "total": 6}, …}`` replaces the defaults given)."""
    return timelimits.limits_for(source, getattr(settings, "SBK_OPS_TIME_LIMITS", None))


def sample_size() -> int:
    """Applications drawn per district and quarter (``SBK_OPS_SAMPLE_SIZE``)."""
    return int(getattr(settings, "SBK_OPS_SAMPLE_SIZE", 20))


def renewal_years() -> int:
    """A device older than this is due for renewal (seed: 更新年限为5年)."""
    return int(getattr(settings, "SBK_OPS_RENEWAL_YEARS", 5))


def report_within_days() -> int:
    """A training counts when reported within this many days (seed: 一周内上报)."""
    return int(getattr(settings, "SBK_OPS_TRAINING_REPORT_DAYS", 7))
