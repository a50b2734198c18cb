"""``sbk cards import FILE.csv [--dry-run]``: migrate card history from a vendor system."""

from django.core.management.base import BaseCommand, CommandError

from sbk.cards.importer import import_cards
from sbk.core.actors import IMPORTER
from sbk.registry.importer import ImportFileError


class Command(BaseCommand):
    help = "社保卡：import FILE.csv 迁移历史卡数据（全部通过才写入）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入历史卡数据（每行一张曾发放的卡）")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="只校验，不写入")

    def handle(self, *args, action, file, dry_run=False, **opts):
        try:
            result = import_cards(file, acting_user=IMPORTER, dry_run=dry_run)
        except ImportFileError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        except FileNotFoundError as exc:
            raise CommandError(f"文件不存在：{file}") from exc
        self.stdout.write(f"共 {result.total} 行，错误 {len(result.errors)} 处")
        if result.report_path:
            self.stdout.write(f"错误报告：{result.report_path}")
        if result.errors:
            for e in result.errors[:20]:
                self.stdout.write(f"  第 {e.row} 行 {e.field} [{e.code}] {e.message}")
            raise CommandError("有错误，未写入任何数据" if not dry_run else "校验未通过")
        if dry_run:
            self.stdout.write("校验通过（试运行，未写入）")
            return
        self.stdout.write(
            f"已写入 {result.cards_written} 张卡，新建持卡人 {result.people_created} 人，"
            f"新建地区 {len(result.regions_created)} 个，新建银行 {len(result.banks_created)} 家"
        )
