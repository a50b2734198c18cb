import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sbk.core import chain
from sbk.core.errors import ServiceError
from sbk.core.models import AccessLog, AuditEntry


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{text}") from None


class Command(BaseCommand):
    help = "审计：verify 校验审计日志与访问日志的哈希链；purge 清理超过保留期的日志"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ver = sub.add_parser("verify", help="校验哈希链（完整时退出码 0，损坏时 1）")
        ver.add_argument("--from", dest="from_date", help="从该日期（YYYY-MM-DD）起校验")
        pur = sub.add_parser("purge", help="删除该日期之前的日志（不得短于保留期），留下锚点")
        pur.add_argument("--before", required=True, help="YYYY-MM-DD")
        pur.add_argument("--user", help="记入审计的操作员用户名（默认 system）")

    def handle(self, *args, action, **opts):
        if action == "purge":
            return self._purge(opts)
        ok_all = True
        for model, label in ((AuditEntry, "审计日志"), (AccessLog, "访问日志")):
            start = None
            if opts.get("from_date"):
                day = _date(opts["from_date"])
                since = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
                first = model.objects.filter(at__gte=since).order_by("seq").first()
                if first is None:
                    self.stdout.write(f"{label}：{day} 之后无记录")
                    continue
                start = first.seq
            v = chain.verify(model, from_seq=start)
            if v.ok:
                origin = "创世" if v.anchor_seq == 0 else f"第 {v.anchor_seq} 行"
                self.stdout.write(
                    f"{label}：完整，共校验 {v.checked} 行（锚点：{origin} {v.anchor_hash[:16]}…；"
                    f"链尾：第 {v.last_seq} 行 {v.last_hash}）"
                )
            else:
                ok_all = False
                self.stdout.write(f"{label}：损坏！第 {v.bad_seq} 行：{v.reason}")
        if not ok_all:
            raise SystemExit(1)

    def _purge(self, opts):
        from django.contrib.auth import get_user_model

        from sbk.core.actors import SYSTEM
        from sbk.core.retention import purge

        user = SYSTEM
        if opts.get("user"):
            user = get_user_model().objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"用户 {opts['user']} 不存在")
        try:
            anchors = purge(acting_user=user, before=_date(opts["before"]))
        except ServiceError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from None
        if not anchors:
            self.stdout.write("没有需要清理的记录")
        for name, a in anchors.items():
            self.stdout.write(
                f"{name}：已清理 {a['rows']} 行（至第 {a['seq']} 行，锚点 {a['hash']}）"
            )
