import json

from django.core.management.base import BaseCommand, CommandError

from sbk.divisions.models import Division
from sbk.divisions.services import load_divisions

LEVEL_NAMES = dict(Division.LEVELS)


class Command(BaseCommand):
    help = "行政区划（GB/T 2260）：load 载入全国代码表；show CODE 显示名称、级别、上级、有效期"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="从随包数据载入（含已撤销代码及其有效期）")
        show = sub.add_parser("show", help="显示一个代码的各个时期")
        show.add_argument("code")
        show.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        if action == "load":
            before, after = load_divisions()
            self.stdout.write(f"已载入行政区划 {after} 条（原有 {before} 条）")
            return
        code = opts["code"].strip()
        rows = list(Division.objects.filter(code=code).order_by("-valid_from"))
        if not rows:
            raise CommandError(f"行政区划代码 {code} 在任何时期都不存在")
        for d in rows:
            parent = Division.objects.filter(code=d.parent_code).order_by("valid_to").first()
            if opts["json"]:
                self.stdout.write(
                    json.dumps(
                        {
                            "code": d.code,
                            "name": d.name,
                            "level": d.level,
                            "parent": d.parent_code or None,
                            "parent_name": parent.name if parent else None,
                            "valid_from": d.valid_from,
                            "valid_to": d.valid_to,
                            "current": d.is_current,
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                self.stdout.write(
                    f"{d.code}  {d.name}\n"
                    f"  级别：{LEVEL_NAMES[d.level]}\n"
                    f"  上级：{d.parent_code + ' ' + parent.name if parent else '无'}\n"
                    f"  有效期：{d.validity}{'' if d.is_current else '（已撤销）'}"
                )
