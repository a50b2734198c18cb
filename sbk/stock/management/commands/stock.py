"""``sbk stock …``: the card-blank books from the operator's shell (and scripts).

apply FILE.json · balance ORG [--date D] [--json] · close-day ORG DATE · close-month ORG
YYYY-MM · count ORG --item I --qty N [--serials FILE] [--bank B] [--version V] ·
trace SERIAL [--json] · verify. The shell acts as the system unless ``--user USERNAME``
names a staff account. Exit 1 with the error's code and message when anything is refused.
"""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from sbk.accounts.models import User
from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.orgs.models import Organisation
from sbk.stock import queries, rules, services
from sbk.stock.verify import verify


def _org(code: str) -> Organisation:
    org = Organisation.objects.filter(code=code).first()
    if org is None:
        raise CommandError(f"[unknown_org] 机构代码 {code} 不存在")
    return org


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"[bad_date] 日期 {text} 应为 YYYY-MM-DD") from None


def _read_json(path: str):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise CommandError(f"文件不存在：{path}") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"[bad_json] {path} 不是合法的 JSON：{exc}") from None


class Command(BaseCommand):
    help = "卡基台账：apply / balance / close-day / close-month / count / trace / verify"

    def add_arguments(self, parser):
        parser.add_argument("--user", help="以该工作人员身份办理（默认：系统）")
        sub = parser.add_subparsers(dest="action", required=True)
        a = sub.add_parser("apply", help="按顺序登记 JSON 列表中的流转（全部通过才写入）")
        a.add_argument("file")
        b = sub.add_parser("balance", help="机构余额（可指定历史日期）")
        b.add_argument("org")
        b.add_argument("--date")
        b.add_argument("--json", action="store_true")
        c = sub.add_parser("close-day", help="日清")
        c.add_argument("org")
        c.add_argument("date")
        m = sub.add_parser("close-month", help="月结")
        m.add_argument("org")
        m.add_argument("month")
        k = sub.add_parser("count", help="盘点录入")
        k.add_argument("org")
        k.add_argument("--item", default="blank", choices=list(rules.ITEMS))
        k.add_argument("--qty", type=int, required=True)
        k.add_argument("--serials", help="实盘序列号文件（每行一个，或 JSON 列表）")
        k.add_argument("--bank", help="只盘某一银行的卡基")
        k.add_argument("--version", dest="card_version", help="只盘某一卡版本（如 3.00）")
        t = sub.add_parser("trace", help="追溯一个序列号的流转")
        t.add_argument("serial")
        t.add_argument("--json", action="store_true")
        sub.add_parser("verify", help="核对余额、快照与台账，检查序列号流转连续")

    def handle(self, *args, action, **opts):
        actor = SYSTEM
        if opts.get("user"):
            actor = User.objects.filter(username=opts["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"[unknown_user] 用户 {opts['user']} 不存在或已停用")
        try:
            getattr(self, "do_" + action.replace("-", "_"))(actor, **opts)
        except ServiceError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc

    def do_apply(self, actor, *, file, **_):
        n = services.apply_movements(_read_json(file), acting_user=actor)
        self.stdout.write(f"已登记 {n} 条台账明细")

    def do_balance(self, actor, *, org, date=None, json=False, **_):
        report = queries.balance_report(_org(org), _date(date) if date else None)
        if json:
            self.stdout.write(_dumps(report))
            return
        items = "，".join(f"{rules.ITEM_LABELS[i]} {n}" for i, n in report["items"].items())
        self.stdout.write(f"{report['org']} {report['date']}：{items}")
        for bank, figures in report["by_bank"].items():
            self.stdout.write(f"  {bank}: " + "，".join(f"{k} {v}" for k, v in figures.items()))
        for version, figures in report["by_version"].items():
            self.stdout.write(
                f"  {version}版: " + "，".join(f"{k} {v}" for k, v in figures.items())
            )

    def do_close_day(self, actor, *, org, date, **_):
        close = services.close_day(_org(org), _date(date), acting_user=actor)
        self.stdout.write(
            f"{org} {close.day} 已日清：制卡 {close.cards_produced}，领用卡基 {close.blanks_consumed}"
        )
        for s in close.snapshot:
            self.stdout.write(
                f"  {s.item} 银行#{s.bank_id} {s.version}版: {s.opening} + {s.incoming} − {s.outgoing} = {s.closing}"
            )

    def do_close_month(self, actor, *, org, month, **_):
        close = services.close_month(_org(org), month, acting_user=actor)
        self.stdout.write(f"{org} {month} 已月结（日清 {close.days_closed} 天）")

    def do_count(self, actor, *, org, item, qty, serials=None, bank=None, card_version=None, **_):
        listed = None
        if serials:
            try:
                with open(serials, encoding="utf-8") as fh:
                    text = fh.read()
            except FileNotFoundError:
                raise CommandError(f"文件不存在：{serials}") from None
            text = text.strip()
            listed = json.loads(text) if text.startswith("[") else text.split()
        take = services.count_stock(
            _org(org),
            acting_user=actor,
            item=item,
            qty=qty,
            bank=_org(bank) if bank else None,
            serials=listed,
            version=card_version or "",
        )
        self.stdout.write(f"盘点#{take.pk}：账面 {take.book}，实盘 {take.counted}")
        if take.counted != take.book or take.missing or take.extra:
            self.stdout.write(f"[discrepancy] 账实不符，已立差异#{take.discrepancy.pk}")
            for s in take.missing[:50]:
                self.stdout.write(f"  账有实无 {s}")
            for s in take.extra[:50]:
                self.stdout.write(f"  实有账无 {s}")
            self.stdout.write("请在差异页面说明原因并整改（盘点已记录）")

    def do_trace(self, actor, *, serial, json=False, **_):
        place, entries = queries.trace(serial)
        if place is None:
            raise CommandError(f"[unknown_serial] 序列号 {serial} 不在台账中")
        card = queries.card_of(serial)
        data = {
            "serial": serial,
            "bank": place.bank.code,
            "version": place.version,
            "item": place.item,
            "state": place.state,
            "org": place.org.code if place.org_id else None,
            "card": card.card_no if card else None,
            "entries": [
                {
                    "id": e.pk,
                    "kind": e.kind,
                    "day": e.day.isoformat(),
                    "from": e.src_org.code if e.src_org_id else None,
                    "from_state": e.src_state,
                    "to": e.dst_org.code if e.dst_org_id else None,
                    "to_state": e.dst_state,
                    "item": e.dst_item or e.src_item,
                    "note": e.note,
                    "corrects": e.corrects_id,
                    "reason": e.reason,
                }
                for e in entries
            ],
        }
        if json:
            self.stdout.write(_dumps(data))
            return
        self.stdout.write(
            f"{serial}（{data['bank']}，{data['version']}版）当前：{rules.STATE_LABELS[place.state]} {data['org'] or ''}"
            + (f"，卡号 {data['card']}" if data["card"] else "")
        )
        for e in data["entries"]:
            self.stdout.write(
                f"  #{e['id']} {e['day']} {rules.KIND_LABELS[e['kind']]} "
                f"{e['from'] or '—'}({e['from_state'] or '—'}) → {e['to'] or '—'}({e['to_state']})"
                + (f" {e['note']}" if e["note"] else "")
            )

    def do_verify(self, actor, **_):
        problems = verify()
        for p in problems:
            self.stdout.write(p)
        if problems:
            raise CommandError(f"[verify_failed] 发现 {len(problems)} 处不一致")
        self.stdout.write("台账核对通过：余额、快照与序列号流转一致")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)
