"""``sbk stock apply``: a list of movements from a script, applied in order, all or nothing.

Each movement is its own business action (one audit row each), all inside one transaction:
a refused movement names its index, serial and rule and nothing of the file is kept.
"""

from __future__ import annotations

import datetime as dt

from sbk.core import actions
from sbk.core.errors import Problem, ServiceError
from sbk.orgs.models import Organisation, OrgKind

from .. import rules
from ..errors import StockErrorCode as E
from . import ledger, movements


def _org(code, field: str, required: bool = True) -> Organisation | None:
    if code in (None, ""):
        if required:
            raise ServiceError(E.BAD_ROUTE, f"须填写 {field}（机构代码）", field=field)
        return None
    org = Organisation.objects.filter(code=str(code)).first()
    if org is None:
        raise ServiceError(E.BAD_ROUTE, f"机构代码 {code} 不存在", field=field)
    return org


def _day(text) -> dt.date | None:
    if text in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise ServiceError(E.BAD_DATE, f"日期 {text} 应为 YYYY-MM-DD", field="date") from None


class RefusedMovement(ServiceError):
    """A movement of the list refused: its index and serial, with the HTTP status of the
    refusal it wraps (409 for a conflict, 403 for a forbidden one)."""

    def __init__(self, problems: list[Problem], http_status: int, index: int, serial: str):
        first = problems[0]
        super().__init__(
            first.code, "；".join(p.message for p in problems), field=first.field, problems=problems
        )
        self.http_status, self.index, self.serial = http_status, index, serial

    @property
    def status(self) -> int:  # type: ignore[override]
        return self.http_status


def apply_one(m: dict, *, acting_user) -> list:
    if not isinstance(m, dict):
        raise ServiceError(E.BAD_KIND, "每一项应为一个 JSON 对象")
    kind, item = m.get("kind"), m.get("item", rules.BLANK)
    if kind not in rules.CONTRACT_KINDS:
        raise ServiceError(
            E.BAD_KIND, f"kind 应为 {'、'.join(rules.CONTRACT_KINDS)} 之一", field="kind"
        )
    if item not in rules.KIND_ITEMS[kind]:
        raise ServiceError(
            E.BAD_ITEM, f"“{rules.KIND_LABELS[kind]}”不能用于物品 {item}", field="item"
        )
    serials, day, note = m.get("serials"), _day(m.get("date")), str(m.get("note") or "")
    if not isinstance(serials, list):
        raise ServiceError(E.NO_SERIALS, "serials 应为序列号列表", field="serials")
    common = {"acting_user": acting_user, "serials": serials, "day": day, "note": note}
    # "version" (卡版本) is optional: an allocation is of the current version unless it names
    # another; any other movement names one only to have it checked against its serials.
    version = ledger.check_version(m.get("version"))
    if kind != rules.ALLOCATE and m.get("version") not in (None, ""):
        ledger.require_version(ledger.clean_serials(serials), version)
    if kind == rules.ALLOCATE:
        bank = _org(m.get("bank"), "bank")
        if bank.kind != OrgKind.BANK:
            raise ServiceError(E.BAD_BANK, f"{bank.code} 不是合作银行", field="bank")
        return movements.allocate_blanks(
            source=_org(m.get("from"), "from", required=False),
            target=_org(m.get("to"), "to"),
            bank=bank,
            version=version,
            **common,
        )
    if kind == rules.RECEIVE:
        return movements.receive(
            target=_org(m.get("to"), "to"),
            source=_org(m.get("from"), "from", required=False),
            **common,
        )
    if kind == rules.CONSUME:
        return movements.record_consumption(outlet=_org(m.get("from"), "from"), **common)
    if kind == rules.SPOIL:
        outlet = _org(m.get("from") or m.get("to"), "from")
        return movements.spoil_blanks(outlet=outlet, **common)
    if kind == rules.RETURN:
        return movements.return_upward(
            source=_org(m.get("from"), "from"),
            target=_org(m.get("to"), "to", required=False),
            **common,
        )
    if kind == rules.WRITE_OFF:
        return movements.write_off(centre=_org(m.get("from") or m.get("to"), "from"), **common)
    return movements.transfer(
        source=_org(m.get("from"), "from"), target=_org(m.get("to"), "to"), **common
    )


@actions.atomic
def apply_movements(movements_list, *, acting_user) -> int:
    """Apply every movement in order; the first refusal fails them all, naming its index."""
    if not isinstance(movements_list, list):
        raise ServiceError(E.BAD_KIND, "文件内容应为 JSON 列表")
    done = 0
    for index, m in enumerate(movements_list):
        try:
            done += len(apply_one(m, acting_user=acting_user))
        except ServiceError as exc:
            serial = _serial_in(exc.message, m)
            prefix = f"第 {index} 项" + (f"（序列号 {serial}）" if serial else "") + "："
            problems = [
                Problem(p.code, prefix + p.message, p.field or f"[{index}]") for p in exc.problems
            ]
            raise RefusedMovement(problems, exc.status, index, serial) from None
    return done


def _serial_in(message: str, m) -> str:
    serials = m.get("serials") if isinstance(m, dict) else None
    for s in serials if isinstance(serials, list) else []:
        if str(s) and str(s) in message:
            return str(s)
    return ""
