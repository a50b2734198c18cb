"""``sbk operations escalate [--at ISO]`` / ``import-reviews FILE.json`` /
``import-exam CODE FILE.csv`` / ``renewals ORG [--at DATE] [--csv OUT | --xlsx OUT]`` /
``indicators ORG --start D --end D``: the operations records from the shell.

``escalate`` is the time-limit check: run it from cron (or beside ``sbk worker``) every few
minutes; breached orders go up to their district once. Acts as the system.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sbk.core.actors import IMPORTER, SYSTEM, WORKER
from sbk.core.errors import ServiceError
from sbk.orgs.models import Organisation


class Command(BaseCommand):
    help = "运营记录：工单超时升级、好差评工单导入、考核成绩导入、设备更新清单、评估指标"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="cmd", required=True)
        esc = sub.add_parser("escalate", help="超时工单升级至区")
        esc.add_argument("--at", help="按此时刻检查（ISO，默认现在）")
        imp = sub.add_parser("import-reviews", help="导入好差评导出文件（JSON）")
        imp.add_argument("file")
        exam = sub.add_parser("import-exam", help="导入考核成绩（CSV）")
        exam.add_argument("code")
        exam.add_argument("file")
        ren = sub.add_parser("renewals", help="设备更新清单")
        ren.add_argument("org")
        ren.add_argument("--at")
        ren.add_argument("--csv")
        ren.add_argument("--xlsx")
        ind = sub.add_parser("indicators", help="评估指标（JSON）")
        ind.add_argument("org")
        ind.add_argument("--start", required=True)
        ind.add_argument("--end", required=True)

    def handle(self, *args, cmd, **o):
        try:
            getattr(self, "do_" + cmd.replace("-", "_"))(**o)
        except ServiceError as exc:
            raise CommandError(f"{exc.message}（{exc.code}）") from None

    def do_escalate(self, at=None, **_):
        from sbk.operations.services import escalate_due

        now = dt.datetime.fromisoformat(at) if at else timezone.now()
        if timezone.is_naive(now):
            now = timezone.make_aware(now)
        done = escalate_due(acting_user=WORKER, now=now)
        for order in done:
            self.stdout.write(f"升级 {order.number}（{order.district.name}）")
        self.stdout.write(f"共升级 {len(done)} 张工单")

    def do_import_reviews(self, file, **_):
        from sbk.operations.services import import_reviews

        got = import_reviews(Path(file).read_bytes(), acting_user=IMPORTER)
        self.stdout.write(f"导入 {len(got.created)} 张，跳过已导入 {len(got.skipped)} 张")

    def do_import_exam(self, code, file, **_):
        from sbk.operations.services import import_exam_results

        raw = Path(file).read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
        n = import_exam_results(acting_user=IMPORTER, code=code, text=text)
        self.stdout.write(f"导入成绩 {n} 条")

    def _org(self, code):
        org = Organisation.objects.filter(code=code).first()
        if org is None:
            raise CommandError(f"机构 {code} 不存在")
        return org

    def do_renewals(self, org, at=None, csv=None, xlsx=None, **_):
        import csv as csvlib

        from sbk.operations.queries import renewal_list
        from sbk.operations.views_records import RENEWAL_COLUMNS

        day = dt.date.fromisoformat(at) if at else timezone.localdate()
        rows = renewal_list(SYSTEM, self._org(org), day)
        head = [label for _, label in RENEWAL_COLUMNS]
        if xlsx:
            from openpyxl import Workbook

            wb = Workbook()
            ws = wb.active
            ws.append(head)
            for r in rows:
                ws.append([r[k] for k, _ in RENEWAL_COLUMNS])
            wb.save(xlsx)
        if csv:
            with open(csv, "w", newline="", encoding="utf-8-sig") as fh:
                w = csvlib.writer(fh)
                w.writerow(head)
                for r in rows:
                    w.writerow([r[k] for k, _ in RENEWAL_COLUMNS])
        if not (csv or xlsx):
            for r in rows:
                self.stdout.write(json.dumps(r, ensure_ascii=False))
        self.stderr.write(f"{len(rows)} 台设备超过更新年限")

    def do_indicators(self, org, start, end, **_):
        from sbk.operations.queries import indicators

        got = indicators(self._org(org), dt.date.fromisoformat(start), dt.date.fromisoformat(end))
        self.stdout.write(json.dumps(got, ensure_ascii=False, indent=2))
