"""``sbk holidays load FILE`` (the State Council's yearly schedule as CSV ``date,kind,name``)
and ``sbk holidays show YEAR``."""

from django.core.management.base import BaseCommand, CommandError

from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.holidays import services
from sbk.holidays.models import Holiday, HolidayYear


class Command(BaseCommand):
    help = "节假日表：load FILE 导入年度放假安排；show YEAR 查看"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        load = sub.add_parser(
            "load", help="导入 CSV：date,kind,name（kind: holiday/workday 或 休/班）"
        )
        load.add_argument("file")
        show = sub.add_parser("show", help="列出某年的放假与调休上班日")
        show.add_argument("year", type=int)

    def handle(self, *args, verb, **opts):
        if verb == "show":
            known = HolidayYear.objects.filter(year=opts["year"]).exists()
            self.stdout.write(
                f"{opts['year']} 年：{'已载入' if known else '未载入（截止日期为暂定）'}"
            )
            for h in Holiday.objects.filter(day__year=opts["year"]):
                self.stdout.write(f"{h.day}  {h.get_kind_display()}  {h.name}")
            return
        try:
            summary = services.load_schedule(opts["file"], acting_user=SYSTEM)
        except FileNotFoundError as exc:
            raise CommandError(f"文件不存在：{opts['file']}") from exc
        except ServiceError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        years = "、".join(map(str, summary["years"]))
        self.stdout.write(f"已导入 {years} 年放假安排，共 {summary['days']} 天")
