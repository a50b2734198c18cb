"""``sbk worker [--once]``: deliver the SMS outbox and run the card maintenance jobs.

Loops until stopped: every pass delivers the due messages (retries with exponential
backoff), lapses expired temporary loss reports and marks long-uncollected cards as
unclaimed. ``--once`` runs a single pass (tests, cron).
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
        from sbk.cards.services import maintenance

        counts = dict(maintenance.run_due())
        for key, n in deliver_due(limit=batch).items():
            counts[f"sms_{key}"] = n
        return counts
