from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from sbk.cards.models import Card
from sbk.core.appendonly import purge_allowed
from sbk.demo import data
from sbk.demo.builder import build
from sbk.divisions.services import load_divisions
from sbk.orgs.models import Organisation


class Command(BaseCommand):
    help = "生成演示省份：省本级、地市、区县、各类网点、合作银行、各角色工作人员和 N 名合成持卡人"

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=5000, help="合成持卡人数（默认 5000）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（相同种子结果相同）")
        parser.add_argument(
            "--if-empty", action="store_true", help="数据库已有机构时只打印登录账号"
        )
        parser.add_argument("--reset", action="store_true", help="清空数据库后重新生成")
        parser.add_argument(
            "--otp",
            metavar="USERNAME",
            help="（仅 DEBUG 演示环境）显示该账号动态口令设备的当前口令，便于无手机验证器时试用",
        )

    def handle(self, *args, **opts):
        if opts["otp"]:
            self._print_current_otp(opts["otp"])
            return
        if opts["reset"]:
            self._reset()
        if Organisation.objects.exists():
            if not opts["if_empty"]:
                raise CommandError(
                    "数据库中已有机构数据：用 --reset 清空后重建，或 --if-empty 跳过"
                )
            self.stdout.write("演示数据已存在，跳过生成。")
            self._print_logins(self._existing_logins())
            return
        logins, count = build(opts["people"], opts["seed"])
        orgs, cards = Organisation.objects.count(), Card.objects.count()
        self.stdout.write(f"已生成演示数据：{orgs} 个机构，{count} 名持卡人，{cards} 张社保卡")
        self._print_logins(logins)

    def _reset(self) -> None:
        """Empty the whole database, the logs included, and load the divisions again.

        The logs refuse DELETE outside a purge (SPEC §8): the reset is one, allowed only
        where DEBUG is on (a developer's or a demo machine; ``sbk serve`` and production
        run with DEBUG off, where this would erase the audit trail)."""
        from django.conf import settings

        if not settings.DEBUG:
            raise CommandError(
                "--reset 会清空整个数据库（含审计日志），只用于 DEBUG 演示环境；生产环境不能使用"
            )
        with purge_allowed():
            call_command("flush", interactive=False, verbosity=0)
        load_divisions()

    def _existing_logins(self):
        from sbk.accounts.models import User

        return [
            (u.username, data.DEMO_PASSWORD, u.get_role_display(), u.org.name)
            for u in User.objects.select_related("org").filter(org__isnull=False).order_by("id")
        ]

    def _print_logins(self, logins):
        self.stdout.write(f"\n演示账号（密码均为 {data.DEMO_PASSWORD}）：")
        for item in logins:
            username, _pw, role, org = (
                item
                if isinstance(item, tuple)
                else (item.username, item.password, item.role, item.org)
            )
            self.stdout.write(f"  {username:<16} {role:<10} {org}")
        self.stdout.write(
            "控制台：http://127.0.0.1:8000/  API 文档：http://127.0.0.1:8000/api/docs\n"
        )
        self._print_totp_notice()

    def _print_totp_notice(self):
        from django.conf import settings

        from sbk.accounts.models import Role

        roles = [Role(r).label for r in settings.SBK_TOTP_REQUIRED_ROLES if r in Role.values]
        if roles:
            self.stdout.write(
                f"注意：{'、'.join(roles)}须使用动态口令（TOTP）：首次登录时会显示二维码，"
                "请用手机验证器扫码绑定，此后每次登录都须输入动态口令。\n"
                "演示环境没有验证器时：sbk demo --otp admin 显示当前口令。\n"
            )

    def _print_current_otp(self, username: str) -> None:
        """A demo convenience: the code an authenticator app would show right now."""
        from django.conf import settings
        from django_otp.oath import totp
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if not settings.DEBUG:
            raise CommandError("--otp 只用于 DEBUG 演示环境：生产环境的动态口令只在用户的验证器上")
        device = TOTPDevice.objects.filter(user__username=username).order_by("-id").first()
        if device is None:
            raise CommandError(f"{username} 还没有动态口令设备：先用该账号登录，打开绑定页面")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.stdout.write(f"{code:0{device.digits}d}")
