from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sbk.core.crypto import CIPHERS, KeyError_, KeyRing


class Command(BaseCommand):
    help = "密钥：generate PATH 生成密钥文件（不覆盖）；rotate 新增并启用一个密钥"
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate", help="生成新的密钥文件")
        gen.add_argument("path")
        gen.add_argument("--cipher", default=settings.SBK_CIPHER, choices=sorted(CIPHERS))
        gen.add_argument("--if-missing", action="store_true", help="文件已存在时什么也不做")
        rot = sub.add_parser("rotate", help="新增一个密钥并设为当前密钥（旧密钥保留用于解密）")
        rot.add_argument("--cipher", choices=sorted(CIPHERS))

    def handle(self, *args, action, **opts):
        try:
            if action == "generate":
                from pathlib import Path

                if opts["if_missing"] and Path(opts["path"]).exists():
                    self.stdout.write(f"密钥文件已存在：{opts['path']}")
                    return
                KeyRing.generate(opts["cipher"]).save(opts["path"])
                self.stdout.write(f"已生成密钥文件 {opts['path']}（{opts['cipher']}），请妥善备份")
            elif action == "rotate":
                ring = KeyRing.load(settings.SBK_KEYS_FILE)
                new = ring.rotated(opts.get("cipher"))
                new.save(settings.SBK_KEYS_FILE, overwrite=True)
                self.stdout.write(
                    f"当前密钥 {ring.current} → {new.current}；旧数据请用 sbk keys reencrypt 重新加密"
                )
        except KeyError_ as exc:
            raise CommandError(str(exc)) from None
