"""``sbk tokens``: API bearer tokens from the operator's shell (the system acts).

``create USER`` prints the raw token once, alone on stdout (``TOKEN=$(sbk tokens create
alice)``); only its SHA-256 is stored. ``list`` and ``revoke`` show and end tokens.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sbk.accounts import services
from sbk.accounts.models import ApiToken, User, token_days, token_max_days
from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "API 令牌：create 创建（令牌只显示一次）；list 列出；revoke 吊销"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="为用户创建 API 令牌，令牌原文只输出这一次")
        create.add_argument("user", help="用户名")
        create.add_argument("--name", default="", help="令牌名称（如脚本名），默认 api")
        create.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"有效天数，1–{token_max_days()}（默认 {token_days()}）",
        )
        create.add_argument(
            "--totp",
            default="",
            metavar="CODE",
            help="该用户当前的动态口令；角色须动态口令验证（如市卡中心管理员）时必填",
        )
        ls = sub.add_parser("list", help="列出令牌（不含令牌原文）")
        ls.add_argument("user", nargs="?", help="只列出该用户的令牌")
        ls.add_argument("--json", action="store_true", help="每行一个 JSON 对象")
        rev = sub.add_parser("revoke", help="吊销令牌")
        rev.add_argument("id", type=int, help="令牌编号（见 list）")
        rev.add_argument("--reason", default="", help="吊销原因，记入审计")

    def handle(self, *args, action, **opts):
        try:
            return getattr(self, f"_{action}")(opts)
        except ServiceError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from None

    @staticmethod
    def _user(username: str) -> User:
        user = User.objects.select_related("org").filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在")
        return user

    def _create(self, opts):
        user = self._user(opts["user"])
        new = services.create_token(
            acting_user=SYSTEM,
            user=user,
            name=opts["name"],
            days=opts["days"],
            second_factor=bool(opts["totp"]) and services.totp_code_valid(user, opts["totp"]),
        )
        self.stdout.write(new.raw)
        self.stderr.write(
            f"已为 {user.username} 创建 API 令牌 #{new.token.pk}「{new.token.name}」，"
            f"有效至 {_when(new.token.expires_at)}。令牌原文只显示这一次，请妥善保存；"
            f"使用方式：Authorization: Bearer <令牌>"
        )

    def _list(self, opts):
        qs = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
        if opts.get("user"):
            qs = qs.filter(user=self._user(opts["user"]))
        for t in qs:
            if opts["json"]:
                row = {
                    "id": t.pk,
                    "user": t.user.username,
                    "name": t.name,
                    "created_at": t.created_at.isoformat(),
                    "expires_at": t.expires_at.isoformat(),
                    "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                    "state": t.state,
                    "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
                    "revoked_reason": t.revoked_reason or None,
                }
                self.stdout.write(json.dumps(row, ensure_ascii=False))
                continue
            state = t.state_label
            if t.revoked_at:
                state += f"（{t.get_revoked_reason_display()} {_when(t.revoked_at)}）"
            self.stdout.write(
                f"{t.pk:>5}  {t.user.username}  {t.name}  创建 {_when(t.created_at)}  "
                f"到期 {_when(t.expires_at)}  最近使用 {_when(t.last_used_at)}  {state}"
            )

    def _revoke(self, opts):
        token = services.revoke_token(opts["id"], acting_user=SYSTEM, reason=opts["reason"])
        self.stdout.write(f"已吊销 API 令牌 #{token.pk}「{token.name}」（{token.user.username}）")
