"""``sbk report monthly|quarterly|due|rebuild-counts``: the dispatch tables for scripts.

monthly    --period YYYY-MM [--province CODE] [--json] [--xlsx OUT] [--csv OUT] [--no-store]
quarterly  --period YYYYQn --table 1|2|3|4 [--province CODE] [--json] [--xlsx OUT] [--csv OUT] [--no-store]
due        [--from YYYY-MM-DD] [--json]
rebuild-counts

A table that passes its consistency checks is stored as a submitted version (the system
as author) unless ``--no-store``; the checks that fail are printed on stderr.
"""

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.reports import counts, exports, queries, services, tables


class Command(BaseCommand):
    help = "统计调度表：monthly / quarterly / due / rebuild-counts"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        for name in ("monthly", "quarterly"):
            p = sub.add_parser(name, help="月调度表" if name == "monthly" else "季调度表")
            p.add_argument("--period", required=True)
            if name == "quarterly":
                p.add_argument("--table", type=int, choices=[1, 2, 3, 4], required=True)
            p.add_argument("--province", default="")
            p.add_argument("--json", action="store_true", dest="as_json")
            p.add_argument("--xlsx")
            p.add_argument("--csv")
            p.add_argument("--no-store", action="store_true")
        d = sub.add_parser("due", help="下一期报送截止日期与逾期未报")
        d.add_argument("--from", dest="start", default="")
        d.add_argument("--json", action="store_true", dest="as_json")
        sub.add_parser("rebuild-counts", help="由卡历史重建持卡人数统计")

    def handle(self, *args, verb, **opts):
        try:
            if verb == "due":
                return self._due(opts)
            if verb == "rebuild-counts":
                summary = counts.rebuild_counts(acting_user=SYSTEM)
                self.stdout.write(f"已重建：{summary['rows']} 行（原 {summary['rows_before']} 行）")
                return
            return self._table(verb, opts)
        except ServiceError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc

    def _table(self, verb, opts):
        table = 0 if verb == "monthly" else opts["table"]
        result = queries.compute(table, opts["period"], province=opts["province"])
        figures = result.figures
        for f in result.findings:
            self.stderr.write(f"检查{'未通过' if f.blocking else '提示'}：[{f.code}] {f.message}")
        if not opts["no_store"] and not any(f.blocking for f in result.findings):
            report = services.generate(
                table, str(result.period), acting_user=SYSTEM, province=result.province
            )
            self.stderr.write(f"已存档：第 {report.version} 版（{len(report.changes)} 处变化）")
        if opts["xlsx"]:
            Path(opts["xlsx"]).write_bytes(exports.xlsx(figures))
        if opts["csv"]:
            Path(opts["csv"]).write_bytes(exports.csv_bytes(figures))
        if opts["as_json"]:
            data = tables.contract(figures) if table == 0 else figures
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        elif not (opts["xlsx"] or opts["csv"]):
            self._print(figures)

    def _print(self, f):
        self.stdout.write(f"{f['title']}  {f['unit']}  {f['period_label']}")
        for r in f["rows"]:
            if f["table"] == 0:
                self.stdout.write(f"{r['code']}  {r['region']}  {r['holders_wan']}")
            else:
                self.stdout.write(json.dumps(r, ensure_ascii=False))
        if "total" in f:
            self.stdout.write(f"合计  {json.dumps(f['total'], ensure_ascii=False)}")
        if f.get("remark"):
            self.stdout.write(f"备注：{f['remark']}")

    def _due(self, opts):
        start = None
        if opts["start"]:
            try:
                start = dt.date.fromisoformat(opts["start"])
            except ValueError:
                raise CommandError("--from 应为 YYYY-MM-DD") from None
        data = queries.due_list(start)
        if opts["as_json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        for row in data["next"]:
            mark = "（暂定）" if row["provisional"] else ""
            self.stdout.write(
                f"下一期 {row['period']}：{row['due']}{mark} 截止，剩 {row['days_left']} 天"
                f"（{'、'.join(row['tables'])}）"
            )
            if row["warning"]:
                self.stderr.write(f"警告：{row['warning']}")
        for row in data["late"]:
            self.stdout.write(
                f"逾期 {row['period']}：截止 {row['due']}，未报 {'、'.join(row['tables'])}"
            )
