"""``sbk worker [--once]``: deliver the SMS outbox and run the card maintenance jobs.

Loops until stopped: every pass delivers the due messages (retries with exponential
backoff), lapses expired temporary loss reports, marks long-uncollected cards as
unclaimed, deletes pending online registrations a day after their SMS code expired and
API answers kept for idempotency past ``SBK_IDEMPOTENCY_HOURS``, and escalates work
orders past their time limit to the district (``sbk operations escalate`` does it alone). ``--once`` runs a single
pass (tests, cron).
"""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from sbk.notify.services import deliver_due


class Command(BaseCommand):
    help = "后台任务：发送短信（失败重试）、临时挂失到期、滞发卡标记"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只运行一轮")
        parser.add_argument("--interval", type=float, default=5.0, help="轮询间隔（秒）")
        parser.add_argument("--batch", type=int, default=50)

    def handle(self, *args, once=False, interval=5.0, batch=50, **opts):
        while True:
            counts = self.run_pass(batch)
            if counts:
                self.stdout.write(
                    f"{timezone.localtime():%H:%M:%S} "
                    + "，".join(f"{k} {v}" for k, v in sorted(counts.items()))
                )
            if once:
                return
            time.sleep(interval)

    def run_pass(self, batch: int) -> dict[str, int]:
        # The jobs of the apps above notify, imported here so notify stays below them.
        from sbk.cards.services import maintenance
        from sbk.core.actors import WORKER
        from sbk.core.idempotency import purge_expired
        from sbk.operations.services import escalate_due
        from sbk.portal.registration import purge_challenges

        counts = dict(maintenance.run_due())
        purged = purge_challenges()
        if purged:
            counts["registrations_purged"] = purged
        escalated = escalate_due(acting_user=WORKER)
        if escalated:
            counts["orders_escalated"] = len(escalated)
        expired = purge_expired()
        if expired:
            counts["idempotency_purged"] = expired
        for key, n in deliver_due(limit=batch).items():
            counts[f"sms_{key}"] = n
        return counts
