"""``sbk evaluate …``: the evaluation from the operator's shell and scripts.

score --rules R --indicators FILE.json [--json]   the script contract (no database)
indicators --period P --district CODE [--json]    the indicators file from the records
run --period P [--rules R] [--outlets]            score and store every district and bank
diff --rules A --rules B --period P [--json]      what method B changes against A
enter ORG PERIOD KEY VALUE [--note N]             a figure entered by hand (VALUE: JSON)
bulletin --period P --output FILE.pdf|.xlsx       the quarterly bulletin as a file

The shell acts as the system unless ``--user USERNAME`` names a staff account. A refusal
exits 1 with the error's code and message.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from sbk.accounts.models import User
from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.evaluation import indicators as figures
from sbk.evaluation import queries, services
from sbk.evaluation.engine import IndicatorError, RulesError, load, score
from sbk.evaluation.engine.score import contract_view
from sbk.orgs.models import Organisation


def _org(code: str) -> Organisation:
    """An organisation by its code, or a district by its division code (310112)."""
    found = Organisation.objects.filter(
        Q(code=code) | Q(kind="district", division_code=code)
    ).order_by("-kind")
    org = found.filter(code=code).first() or found.first()
    if org is None:
        raise CommandError(f"[bad_org] 机构代码 {code} 不存在")
    return org


def _read_json(path: str):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(f"文件不存在：{path}") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"[bad_indicators] {path} 不是合法的 JSON：{exc}") from None


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


class Command(BaseCommand):
    help = "工作评估：score / indicators / run / diff / enter / bulletin"

    def add_arguments(self, parser):
        parser.add_argument("--user", help="以该工作人员身份办理（默认：系统）")
        sub = parser.add_subparsers(dest="action", required=True)
        s = sub.add_parser("score", help="按评估规则为一个指标文件计分（不读数据库）")
        s.add_argument("--rules", required=True)
        s.add_argument("--indicators", required=True)
        s.add_argument("--json", action="store_true")
        i = sub.add_parser("indicators", help="由业务记录计算一个区（银行、网点）的指标文件")
        i.add_argument("--period", required=True)
        i.add_argument("--district", required=True)
        i.add_argument("--json", action="store_true")
        r = sub.add_parser("run", help="计算并存储评估期内各区、服务银行的评估得分")
        r.add_argument("--period", required=True)
        r.add_argument("--rules")
        r.add_argument("--outlets", action="store_true", help="按网点评估项目表为各网点计分")
        d = sub.add_parser("diff", help="比较两套评估规则对各区得分的影响")
        d.add_argument("--rules", action="append", required=True)
        d.add_argument("--period", required=True)
        d.add_argument("--json", action="store_true")
        e = sub.add_parser("enter", help="人工录入一项指标（VALUE 为 JSON；null 撤销）")
        e.add_argument("org")
        e.add_argument("period")
        e.add_argument("key")
        e.add_argument("value")
        e.add_argument("--note", default="")
        b = sub.add_parser("bulletin", help="导出季度评估通报（PDF 或 XLSX）")
        b.add_argument("--period", required=True)
        b.add_argument("--output", required=True)

    def handle(self, *args, **opts):
        actor = SYSTEM
        if opts.get("user"):
            actor = User.objects.filter(username=opts["user"]).first()
            if actor is None:
                raise CommandError(f"用户 {opts['user']} 不存在")
        try:
            getattr(self, "do_" + opts["action"])(actor, opts)
        except ServiceError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from None

    def do_score(self, actor, opts):
        try:
            method = load(opts["rules"])
            result = score(method, _read_json(opts["indicators"]))
        except RulesError as exc:
            raise CommandError(f"[bad_rules] {exc}") from None
        except IndicatorError as exc:
            raise CommandError(f"[bad_indicators] {exc}") from None
        if opts["json"]:
            self.stdout.write(_dump(contract_view(result)))
            return
        self.stdout.write(f"{method.title}（{method.version}）")
        for item in result["items"]:
            self.stdout.write(f"{item['label']:<12} {item['points']:>6g}/{item['max']:g}")
            self.stdout.write(f"    {item['explain']}")
        self.stdout.write(f"总分 {result['total']:g}/{result['max_total']:g}")
        for w in result["warnings"]:
            self.stdout.write(f"提示：{w}")

    def do_indicators(self, actor, opts):
        period = services.parse_period(opts["period"])
        got, sources, details = figures.compute(_org(opts["district"]), period)
        if opts["json"]:
            self.stdout.write(_dump(got))
            return
        for key, value in got.items():
            source = sources.get(key, "")
            if key == "special_work":
                for sub, v in value.items():
                    name = f"special_work.{sub}"
                    self.stdout.write(f"{name:<28} {v!s:<12} {sources.get(name, '未记录')}")
                continue
            shown = json.dumps(value, ensure_ascii=False)
            self.stdout.write(
                f"{key:<28} {shown:<12} {source or ('' if key == 'district' else '未记录')}"
            )

    def do_run(self, actor, opts):
        cards = services.run_period(
            opts["period"], acting_user=actor, rules=opts.get("rules"), outlets=opts["outlets"]
        )
        for card in cards:
            self.stdout.write(f"{card.org.code:<12} {card.org.name:<16} {card.total}")
        if cards:
            for w in cards[0].result["warnings"]:
                self.stdout.write(f"提示：{w}")
        self.stdout.write(f"已存储 {len(cards)} 份评估得分（{opts['period']}）")

    def do_diff(self, actor, opts):
        if len(opts["rules"]) != 2:
            raise CommandError("diff 需要两次 --rules（A 与 B）")
        rows = queries.diff(opts["rules"][0], opts["rules"][1], opts["period"])
        if opts["json"]:
            self.stdout.write(_dump(rows))
            return
        for row in rows:
            self.stdout.write(
                f"{row['org']:<12} {row['name']:<16} A {row['a']:g}  B {row['b']:g}  "
                f"变化 {row['change']:+g}"
            )
            for c in row["items"]:
                self.stdout.write(f"    {c['item']}: {c['a']} → {c['b']}  {c['explain_b']}")

    def do_enter(self, actor, opts):
        value = services.parse_value(opts["key"], opts["value"])
        services.enter_figure(
            _org(opts["org"]),
            opts["period"],
            opts["key"],
            value,
            acting_user=actor,
            note=opts["note"],
        )
        self.stdout.write(f"已录入 {opts['org']} {opts['period']} {opts['key']} = {value!r}")

    def do_bulletin(self, actor, opts):
        from sbk.evaluation import bulletin  # matplotlib: only for the command that draws

        output = Path(opts["output"])
        data = queries.bulletin(opts["period"])
        if output.suffix.lower() == ".pdf":
            output.write_bytes(bulletin.pdf(data))
        elif output.suffix.lower() == ".xlsx":
            output.write_bytes(bulletin.xlsx(data))
        else:
            raise CommandError("--output 应以 .pdf 或 .xlsx 结尾")
        self.stdout.write(f"已导出 {output}")
