import datetime as dt

from django.core.management.base import BaseCommand

from sbk.core import chain
from sbk.core.models import AccessLog, AuditEntry


class Command(BaseCommand):
    help = "审计：verify 校验审计日志与访问日志的哈希链是否完整"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ver = sub.add_parser("verify", help="校验哈希链（完整时退出码 0）")
        ver.add_argument("--from", dest="from_date", help="从该日期（YYYY-MM-DD）起校验")

    def handle(self, *args, action, **opts):
        ok_all = True
        for model, label in ((AuditEntry, "审计日志"), (AccessLog, "访问日志")):
            start = None
            if opts.get("from_date"):
                day = dt.date.fromisoformat(opts["from_date"])
                first = model.objects.filter(at__date__gte=day).order_by("seq").first()
                start = first.seq if first else None
                if first is None:
                    self.stdout.write(f"{label}：{day} 之后无记录")
                    continue
            ok, bad, reason, n = chain.verify(model, from_seq=start)
            if ok:
                self.stdout.write(f"{label}：完整，共校验 {n} 行")
            else:
                ok_all = False
                self.stdout.write(f"{label}：损坏！{reason}")
        if not ok_all:
            raise SystemExit(1)
