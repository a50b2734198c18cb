"""The photo actions for ``sbk/tests/test_action_layer.py`` (merged into its SCENARIOS):
each prepares what it needs as the city admin (outside the measured call) in the user's
own place and returns the call."""

from __future__ import annotations

from sbk.core.catalogue import Action as A
from sbk.photos import services

from .overrides import soft_failed_check


def _override(ctx, u):
    check = soft_failed_check(ctx.w.city_admin, org=ctx.home(u))
    return lambda: services.override_check(
        acting_user=u, check_id=check.pk, reason="religious", text="宗教头饰，已核对本人"
    )


SCENARIOS = {A.PHOTO_OVERRIDE: _override}
