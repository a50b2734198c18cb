from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sbk.core.actors import IMPORTER
from sbk.orgs.models import Organisation
from sbk.registry.importer import ImportFileError, import_people


class Command(BaseCommand):
    help = "持卡库：import FILE 批量导入（.csv 或 .xlsx），默认全部成功才写入"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="批量导入持卡人")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        imp.add_argument("--valid-only", action="store_true", help="只写入校验通过的行")
        imp.add_argument("--org", help="文件中没有 org_code 时使用的经办机构代码")
        imp.add_argument("--user", help="记入审计的操作员用户名（默认 system）")
        imp.add_argument("--quiet", action="store_true", help="不显示进度条")

    def handle(self, *args, action, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        org = None
        if opts["org"]:
            org = Organisation.objects.filter(code=opts["org"]).first()
            if org is None:
                raise CommandError(f"机构代码 {opts['org']} 不存在")
        user = IMPORTER
        if opts["user"]:
            user = get_user_model().objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"用户 {opts['user']} 不存在")
        try:
            if opts["quiet"]:
                result = self._run(path, user, org, opts, None)
            else:
                from rich.progress import Progress

                with Progress(transient=True) as bar:
                    task = bar.add_task("校验中…", total=None)
                    result = self._run(path, user, org, opts, lambda n: bar.advance(task, n))
        except ImportFileError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from None
        verb = "校验" if opts["dry_run"] else "导入"
        self.stdout.write(
            f"{verb}完成：共 {result.total} 行，有效 {result.valid} 行，"
            f"拒绝 {result.rejected_rows} 行，写入 {result.written} 行"
        )
        if result.report_path:
            self.stdout.write(f"错误报告：{result.report_path}")
        if result.errors:
            if not opts["dry_run"] and not opts["valid_only"]:
                self.stdout.write(
                    "存在错误行，按“全部或全不”规则未写入任何数据（可用 --valid-only）"
                )
            raise SystemExit(1)

    def _run(self, path, user, org, opts, progress):
        return import_people(
            path,
            acting_user=user,
            default_org=org,
            dry_run=opts["dry_run"],
            valid_only=opts["valid_only"],
            progress=progress,
        )
