"""``sbk id check NUMBER... [--json]``: validate identity document numbers.

Exit status 0 when every number is valid, 1 when any is not. Needs no database.
"""

import json
import sys

from django.core.management.base import BaseCommand

from sbk.idcard import check_id_number

TYPE_NAMES = {
    "resident18": "居民身份证（18位）",
    "resident15": "居民身份证（15位旧号）",
    "foreign_pr_2023": "外国人永久居留身份证（2023版）",
    "foreign_pr_2017": "外国人永久居留身份证（2017版）",
    "hmt_permit": "港澳台居民居住证",
}


class Command(BaseCommand):
    help = "证件号码校验：id check NUMBER...（“-”从标准输入逐行读取）"
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        chk = sub.add_parser("check", help="校验一个或多个证件号码")
        chk.add_argument("numbers", nargs="+")
        chk.add_argument("--json", action="store_true", help="每个号码输出一行 JSON")

    def handle(self, *args, action, numbers, **opts):
        inputs = []
        for n in numbers:
            if n == "-":
                inputs.extend(line.rstrip("\n") for line in sys.stdin if line.strip())
            else:
                inputs.append(n)
        all_valid = True
        for raw in inputs:
            result = check_id_number(raw)
            all_valid &= result.valid
            if opts["json"]:
                self.stdout.write(json.dumps(result.to_json_dict(), ensure_ascii=False))
                continue
            if result.valid:
                parts = [
                    TYPE_NAMES.get(result.type, result.type),
                    f"出生 {result.birth_date.isoformat()}" if result.birth_date else "",
                    {"M": "男", "F": "女"}.get(result.gender, ""),
                    " ".join(x for x in (result.division_code, result.division_name) if x),
                    f"升位后 {result.upgraded}" if result.upgraded else "",
                ]
                self.stdout.write(f"{result.number}  有效  " + "，".join(p for p in parts if p))
            else:
                self.stdout.write(f"{result.number}  无效")
                for err in result.errors:
                    self.stdout.write(f"  [{err.code}] {err.message}")
        if not all_valid:
            sys.stdout.flush()
            raise SystemExit(1)
