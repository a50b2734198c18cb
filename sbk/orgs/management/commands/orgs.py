import json

from django.core.management.base import BaseCommand

from sbk.orgs.models import Organisation


class Command(BaseCommand):
    help = "机构：list 列出全部机构（--json 每行一个 JSON 对象）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ls = sub.add_parser("list", help="列出机构")
        ls.add_argument("--json", action="store_true")
        ls.add_argument("--kind", help="只列出某一类型")

    def handle(self, *args, action, **opts):
        qs = Organisation.objects.select_related("parent").order_by("path")
        if opts.get("kind"):
            qs = qs.filter(kind=opts["kind"])
        for o in qs:
            if opts["json"]:
                self.stdout.write(
                    json.dumps(
                        {
                            "code": o.code,
                            "name": o.name,
                            "kind": o.kind,
                            "division_code": o.division_code,
                            "parent": o.parent.code if o.parent_id else None,
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                depth = o.path.count("/") - 2
                self.stdout.write(
                    f"{'  ' * depth}{o.code}  {o.name}  [{o.get_kind_display()}]  {o.division_code}"
                )
