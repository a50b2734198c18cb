"""Log retention: ``sbk audit purge --before DATE`` (SPEC §8: kept at least 180 days).

A purge deletes the oldest rows of each chain up to the last row written before DATE,
leaves a ``ChainAnchor`` holding that row's seq and hash (verification of what remains
starts from it), and is itself one audit row naming the anchors. It refuses a date
younger than ``SBK_AUDIT_RETENTION_DAYS`` and a chain that does not verify. Who may purge
is the policy's ``AUDIT_PURGE`` (the city administrator, or the system: ``sbk audit purge``
without ``--user``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import actions, chain
from .appendonly import purge_allowed
from .catalogue import Action
from .errors import CoreErrorCode, ServiceError
from .models import AccessLog, AuditEntry

CHAINS = (AuditEntry, AccessLog)


def earliest_allowed_cutoff(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return today - dt.timedelta(days=settings.SBK_AUDIT_RETENTION_DAYS)


@transaction.atomic
def purge(*, acting_user, before: dt.date) -> dict:
    """Delete log rows written before ``before``; return {chain: {"seq", "hash", "rows"}}."""
    from sbk.accounts.policy import ensure  # the policy sits above the platform layer

    ensure(acting_user, Action.AUDIT_PURGE)
    limit = earliest_allowed_cutoff()
    if before > limit:
        raise ServiceError(
            CoreErrorCode.RETENTION,
            f"日志须保留至少 {settings.SBK_AUDIT_RETENTION_DAYS} 天：只能清理 {limit} 之前的记录",
            field="before",
        )
    cutoff = timezone.make_aware(dt.datetime.combine(before, dt.time.min))
    anchors = {}
    for model in CHAINS:
        # Lock the head: no append may slip between the verification and the delete.
        chain._head_for_update(model.CHAIN)
        verdict = chain.verify(model)
        if not verdict.ok:
            raise ServiceError(
                CoreErrorCode.CHAIN_BROKEN,
                f"{model._meta.verbose_name}哈希链不完整，拒绝清理：{verdict.reason}",
            )
        first_young = model.objects.filter(at__gte=cutoff).order_by("seq").first()
        if first_young is not None:
            last = model.objects.filter(seq__lt=first_young.seq).order_by("-seq").first()
        else:
            last = model.objects.order_by("-seq").first()
        if last is None:
            continue
        with purge_allowed():
            rows, _ = model.objects.filter(seq__lte=last.seq).delete()
        chain.ChainAnchor.objects.create(
            chain=model.CHAIN,
            seq=last.seq,
            hash=last.hash,
            last_at=last.at,
            purged_by=acting_user.get_username(),
            rows=rows,
        )
        anchors[model.CHAIN] = {"seq": last.seq, "hash": last.hash, "rows": rows}
    actions.record(
        Action.AUDIT_PURGE,
        acting_user=acting_user,
        object_type="core.chain",
        object_id=",".join(anchors),
        after={"before": before.isoformat(), "anchors": anchors},
    )
    return anchors
