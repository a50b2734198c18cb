"""``sbk usage …``: card usage from the operator's shell (and scripts).

import FILE.csv [--dry-run] · coverage --period YYYYQn [--json] [--region CODE] [--bank CODE]
· rebuild-counts (the kept payer counts again from the cards and first-use days).
The shell acts as the system unless ``--user USERNAME`` names a staff account. A refused
file: every problem on stderr and in ``FILE.errors.csv`` beside it (row, field, code,
message), nothing imported, exit 1.
"""

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sbk.accounts.models import User
from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.orgs.models import Organisation, OrgKind
from sbk.reports.periods import Period
from sbk.usage import queries
from sbk.usage.importer import import_usage


class Command(BaseCommand):
    help = "用卡：import（导入用卡记录）/ coverage（持卡缴费、领取待遇人群覆盖率）"

    def add_arguments(self, parser):
        parser.add_argument("--user", help="以该工作人员身份办理（默认：系统）")
        sub = parser.add_subparsers(dest="action", required=True)
        a = sub.add_parser("import", help="导入用卡记录 CSV（全部通过才写入；按行键幂等）")
        a.add_argument("file")
        a.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        c = sub.add_parser("coverage", help="季末覆盖率与用卡地域")
        c.add_argument("--period", required=True, help="YYYYQn")
        c.add_argument("--json", action="store_true")
        c.add_argument("--region", help="发卡地区划代码前缀")
        c.add_argument("--bank", help="银行机构代码")
        sub.add_parser("rebuild-counts", help="从卡与首次用卡日重建用卡人数日变动")

    def handle(self, *args, **opts):
        actor = SYSTEM
        if opts.get("user"):
            actor = User.objects.filter(username=opts["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"[unknown_user] 用户 {opts['user']} 不存在或已停用")
        if opts["action"] == "import":
            return self._import(opts["file"], opts["dry_run"], actor)
        if opts["action"] == "rebuild-counts":
            from django.db import transaction

            from sbk.usage import kept

            with transaction.atomic():
                got = kept.rebuild()
            self.stdout.write(f"已重建：{got['people']} 人，{got['count_rows']} 行日变动")
            return None
        return self._coverage(opts)

    def _import(self, name: str, dry_run: bool, actor):
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"[bad_file] 无法读取 {name}：{exc.strerror}") from None
        try:
            result = import_usage(data, acting_user=actor, name=path.name, dry_run=dry_run)
        except ServiceError as exc:
            errors = path.with_name(path.name + ".errors.csv")
            with errors.open("w", encoding="utf-8", newline="") as fh:
                out = csv.writer(fh)
                out.writerow(["row", "field", "code", "message"])
                for p in exc.problems:
                    row, _, column = (p.field or "").partition(":")
                    out.writerow([row, column, p.code, p.message])
            for p in exc.problems[:50]:
                self.stderr.write(f"[{p.code}] {p.message}")
            raise CommandError(f"[{exc.code}] {exc.message}；错误清单：{errors}") from None
        verb = "检查通过（未写入）" if dry_run else "已导入"
        self.stdout.write(
            f"{verb}：{result.rows} 行，新增 {result.new_rows} 行，已导入过 {result.known_rows} 行"
        )

    def _coverage(self, opts):
        try:
            period = Period.parse(opts["period"])
        except ValueError:
            raise CommandError(f"[bad_period] 期别 {opts['period']} 应为 YYYYQn") from None
        if period.quarterly is False:
            raise CommandError(f"[bad_period] 期别 {opts['period']} 应为季度 YYYYQn")
        bank = None
        if opts.get("bank"):
            bank = Organisation.objects.filter(code=opts["bank"], kind=OrgKind.BANK).first()
            if bank is None:
                raise CommandError(f"[not_a_bank] {opts['bank']} 不是合作银行机构代码")
        out = queries.coverage_contract(period, opts.get("region"), bank)
        if opts["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        a = out["area"]
        self.stdout.write(
            f"{out['period']} 累计持卡人数 {out['holders']}；持卡缴费 {out['payers']} 人"
            f"（{out['payer_coverage']}%）；持卡领取待遇 {out['beneficiaries']} 人"
            f"（{out['benefit_coverage']}%）；用卡地域：①省内跨地市 {a['in_province_cross_city']}"
            f" ②跨省 {a['cross_province']} ③其他 {a['other']}"
        )
