from django.apps import AppConfig
from django.core import checks


def check_photo_rules(app_configs=None, **kwargs):
    """System check: SBK_PHOTO_RULES must build a PhotoRules (typos do not pass silently)
    and SBK_PHOTO_MAX_AGE_MONTHS must hold whole numbers."""
    import datetime as dt

    from django.core.exceptions import ImproperlyConfigured

    from .config import current_rules, photo_max_age_months

    try:
        current_rules()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="sbk.E101")]
    try:  # the renewal ages too (SBK_PHOTO_MAX_AGE_MONTHS)
        photo_max_age_months(None, dt.date.today())
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="sbk.E101")]
    return []


class PhotosConfig(AppConfig):
    name = "sbk.photos"
    label = "photos"
    verbose_name = "证件照检测"

    def ready(self):
        checks.register(check_photo_rules, "sbk")
