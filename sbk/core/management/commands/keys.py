from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sbk.core.crypto import CIPHERS, KeyError_, KeyRing


class Command(BaseCommand):
    help = (
        "密钥：generate PATH 生成密钥文件（不覆盖）；rotate 新增并启用一个密钥；"
        "reencrypt 把旧密钥下的数据与文件重新加密；rotate-index 新增盲索引密钥层；"
        "reindex 把盲索引移到当前密钥层"
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate", help="生成新的密钥文件")
        gen.add_argument("path")
        gen.add_argument("--cipher", default=settings.SBK_CIPHER, choices=sorted(CIPHERS))
        gen.add_argument("--if-missing", action="store_true", help="文件已存在时什么也不做")
        rot = sub.add_parser("rotate", help="新增一个密钥并设为当前密钥（旧密钥保留用于解密）")
        rot.add_argument("--cipher", choices=sorted(CIPHERS))
        rec = sub.add_parser("reencrypt", help="分批重新加密旧密钥下的数据（可中断后续跑）")
        rec.add_argument("--batch", type=int, default=500, help="每批行数（每批一个短事务）")
        rec.add_argument("--quiet", action="store_true", help="不显示进度条")
        sub.add_parser(
            "rotate-index",
            help="新增一个盲索引密钥层（新索引 = HMAC(新密钥, 旧索引)）；随后运行 reindex",
        )
        rix = sub.add_parser("reindex", help="分批把盲索引移到当前密钥层（可中断后续跑）")
        rix.add_argument("--batch", type=int, default=500, help="每批行数（每批一个短事务）")
        rix.add_argument("--quiet", action="store_true", help="不显示进度条")

    def handle(self, *args, action, **opts):
        try:
            if action == "generate":
                if opts["if_missing"] and Path(opts["path"]).exists():
                    self.stdout.write(f"密钥文件已存在：{opts['path']}")
                    return
                KeyRing.generate(opts["cipher"]).save(opts["path"])
                self.stdout.write(f"已生成密钥文件 {opts['path']}（{opts['cipher']}），请妥善备份")
            elif action == "rotate":
                self._rotate(opts)
            elif action == "reencrypt":
                self._reencrypt(opts)
            elif action == "rotate-index":
                self._rotate_index()
            elif action == "reindex":
                self._reindex(opts)
        except KeyError_ as exc:
            raise CommandError(str(exc)) from None

    def _rotate(self, opts):
        from sbk.core import actions
        from sbk.core.actors import SYSTEM
        from sbk.core.catalogue import Action

        ring = KeyRing.load(settings.SBK_KEYS_FILE)
        new = ring.rotated(opts.get("cipher"))
        new.save(settings.SBK_KEYS_FILE, overwrite=True)
        actions.record(
            Action.KEYS_ROTATE,
            acting_user=SYSTEM,
            object_type="core.keyring",
            object_id=new.current,
            before={"current": ring.current},
            after={"current": new.current, "cipher": new.keys[new.current].cipher},
        )
        self.stdout.write(
            f"当前密钥 {ring.current} → {new.current}；旧数据请用 sbk keys reencrypt 重新加密"
        )

    def _reencrypt(self, opts):
        from sbk.core import actions, keys
        from sbk.core.actors import SYSTEM
        from sbk.core.catalogue import Action
        from sbk.core.reencrypt import ReencryptError, count_stale, reencrypt

        ring = keys.ring()
        rows, files = count_stale(ring)
        if not rows and not files:
            self.stdout.write(f"所有数据与文件均已在当前密钥 {ring.current} 之下，无需重新加密")
            return
        self.stdout.write(f"待重新加密：{rows} 行数据，{files} 个文件（当前密钥 {ring.current}）")
        try:
            if opts["quiet"]:
                report = reencrypt(batch=opts["batch"], ring=ring)
            else:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeRemainingColumn,
                )

                columns = (
                    TextColumn("重新加密"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeRemainingColumn(),
                )
                with Progress(*columns, transient=True) as bar:
                    task = bar.add_task("reencrypt", total=rows + files)
                    report = reencrypt(
                        batch=opts["batch"], ring=ring, progress=lambda n: bar.advance(task, n)
                    )
        except ReencryptError as exc:
            raise CommandError(f"[decrypt_failed] {exc}") from None
        actions.record(
            Action.KEYS_REENCRYPT,
            acting_user=SYSTEM,
            object_type="core.keyring",
            object_id=ring.current,
            after={"values": report.values, "rows": report.rows, "files": report.files},
        )
        self.stdout.write(
            f"完成：重新加密 {report.values} 个值（{report.rows} 行）、{report.files} 个文件，"
            f"当前密钥 {ring.current}"
        )

    def _rotate_index(self):
        from sbk.core import actions
        from sbk.core.actors import SYSTEM
        from sbk.core.catalogue import Action

        ring = KeyRing.load(settings.SBK_KEYS_FILE)
        new = ring.with_new_index_layer()
        new.save(settings.SBK_KEYS_FILE, overwrite=True)
        actions.record(
            Action.KEYS_INDEX_ROTATE,
            acting_user=SYSTEM,
            object_type="core.keyring",
            object_id=new.index_layer,
            before={"index_layer": ring.index_layer},
            after={"index_layer": new.index_layer},
        )
        self.stdout.write(
            f"盲索引密钥层 {ring.index_layer} → {new.index_layer}；查询已同时匹配各层，"
            "请用 sbk keys reindex 把已存的索引移到新层（可在服务运行时进行）"
        )

    def _reindex(self, opts):
        from sbk.core import actions, keys
        from sbk.core.actors import SYSTEM
        from sbk.core.catalogue import Action
        from sbk.core.reindex import count_stale, reindex

        ring = keys.ring()
        stale = count_stale(ring)
        if not stale:
            self.stdout.write(f"所有盲索引均已在当前密钥层 {ring.index_layer} 之下，无需重建")
            return
        self.stdout.write(f"待移到密钥层 {ring.index_layer}：{stale} 个盲索引")
        if opts["quiet"]:
            report = reindex(batch=opts["batch"], ring=ring)
        else:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            with Progress(
                TextColumn("重建盲索引"), BarColumn(), MofNCompleteColumn(), transient=True
            ) as bar:
                task = bar.add_task("reindex", total=stale)
                report = reindex(
                    batch=opts["batch"], ring=ring, progress=lambda n: bar.advance(task, n)
                )
        actions.record(
            Action.KEYS_REINDEX,
            acting_user=SYSTEM,
            object_type="core.keyring",
            object_id=ring.index_layer,
            after={"rows": report.rows, "by_column": report.by_column},
        )
        self.stdout.write(f"完成：{report.rows} 个盲索引已移到密钥层 {ring.index_layer}")
