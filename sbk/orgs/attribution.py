"""Attribution of a service (业务归属): the channel it came through and the outlet where the
work was done. Every journal row names both; the reports count by them (季调度表(一) notes 5–6).

- A clerk's work counts for the clerk's own organisation, through the channel of its kind
  (a bank outlet is channel ⑤ whatever channel the application came through).
- An applicant's online work counts for the organisation the service belongs to (the
  production outlet an online application names), through channel ⑦.
- A channel stated explicitly (a temporary loss taken on the 12333 line) is kept, if valid.
- The system acting alone (sbk.core.actors) is no channel and no outlet: it journals nothing.
"""

from __future__ import annotations

from sbk.core.catalogue import Channel
from sbk.core.errors import ServiceError

from .errors import OrgErrorCode as E
from .models import Organisation, OrgKind

CHANNEL_BY_ORG_KIND = {
    OrgKind.SERVICE_CENTRE: Channel.CARD_CENTRE,
    OrgKind.CENTRE: Channel.CARD_CENTRE,
    OrgKind.CITY: Channel.CARD_CENTRE,
    OrgKind.DISTRICT: Channel.CARD_CENTRE,
    OrgKind.COMMUNITY_OUTLET: Channel.COMMUNITY,
    OrgKind.BANK_OUTLET: Channel.BANK,
    OrgKind.BANK: Channel.BANK,
    OrgKind.KIOSK: Channel.KIOSK,
}


def channel_of_org(org: Organisation | None) -> int:
    return int(CHANNEL_BY_ORG_KIND.get(getattr(org, "kind", None), Channel.OTHER))


def parse_channel(channel) -> int | None:
    """A channel given by a caller (1–10), or None when none was given."""
    if channel in (None, ""):
        return None
    try:
        value = int(channel)
    except (TypeError, ValueError):
        value = -1
    if value not in Channel.values:
        raise ServiceError(E.BAD_CHANNEL, f"服务渠道“{channel}”无效（应为 1–10）", field="channel")
    return value


def default_channel(user, where: Organisation | None = None) -> int:
    if getattr(user, "is_applicant", False):
        return int(Channel.ONLINE)
    return channel_of_org(where if where is not None else getattr(user, "org", None))


def attribute(
    user, *, channel=None, outlet: Organisation | None = None
) -> tuple[int, Organisation]:
    """(channel, outlet) of a service ``user`` does now.

    ``outlet``, when given, is the place the service belongs to (the production outlet of an
    application, the outlet holding a card to hand over); otherwise the user's organisation.
    """
    where = outlet if outlet is not None else getattr(user, "org", None)
    if where is None:
        raise ServiceError(E.OUTLET_REQUIRED, "无法确定办理网点", field="outlet")
    stated = parse_channel(channel)
    return (stated if stated is not None else default_channel(user, where)), where
