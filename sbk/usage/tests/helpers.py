"""Small fixtures for the usage tests: a centre, a bank with a record, a district with an
outlet, cards imported through the cards app's migration (which keeps the holder counts)."""

from __future__ import annotations

import datetime as dt
import io
import itertools

from sbk.accounts.models import Role
from sbk.cards.importer import import_cards
from sbk.core.actors import IMPORTER, SYSTEM
from sbk.orgs.models import OrgKind
from sbk.testing import org, resident_number, user
from sbk.usage import services
from sbk.usage.importer import import_usage

HEADER = "card_no,used_at,kind,amount,scenario,division_code,row_key\n"
_seq = itertools.count(1)


class Place:
    def __init__(self):
        self.centre = org("CENTRE", OrgKind.CENTRE, "310000", name="市卡中心")
        self.bank = org("BANK1", OrgKind.BANK, "310000", self.centre, name="测试银行")
        self.bank2 = org("BANK2", OrgKind.BANK, "310000", self.centre, name="第二银行")
        self.district = org("DA", OrgKind.DISTRICT, "310112", self.centre, name="闵行区")
        self.other = org("DB", OrgKind.DISTRICT, "310115", self.centre, name="浦东新区")
        self.outlet = org("OA1", OrgKind.COMMUNITY_OUTLET, "310112", self.district, name="A网点")
        self.bank_outlet = org(
            "BOA1", OrgKind.BANK_OUTLET, "310112", self.district, bank=self.bank, name="A银行网点"
        )
        self.city = user("city", Role.CITY_ADMIN, self.centre)
        self.admin = user("admin_a", Role.DISTRICT_ADMIN, self.district)
        self.admin_b = user("admin_b", Role.DISTRICT_ADMIN, self.other)
        self.operator = user("op_a", Role.OUTLET_OPERATOR, self.outlet)
        self.banker = user("bank_a", Role.BANK_OPERATOR, self.bank_outlet)
        self.record = services.onboard_bank(
            self.bank,
            acting_user=SYSTEM,
            full_name="测试银行股份有限公司",
            medium="chip",
            card_versions=["3.0"],
            bins=[["621000", "621099", "3.0"]],
            cities=[["310000", "2020-01-01"], ["310112", "2021-06-01"]],
        )


def cards(tmp_path, rows) -> None:
    """Import cards: rows of (card_no, division, bank name or "", issued_on[, cancelled_on
    [, replaces]][, birth])."""
    lines = []
    for r in rows:
        card_no, division, bank, issued = r[:4]
        cancelled = r[4] if len(r) > 4 else ""
        replaces = r[5] if len(r) > 5 else ""
        number = r[6] if len(r) > 6 else resident_number(division)
        lines.append(
            f"{number},测试{next(_seq)},employee,{division},{card_no},{bank},{issued},,"
            f"{cancelled},{replaces}"
        )
    header = (
        "id_number,name,category,division_code,card_no,bank,issued_on,activated_on,"
        "cancelled_on,replaces_card_no\n"
    )
    path = tmp_path / f"cards{next(_seq)}.csv"
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    result = import_cards(path, acting_user=IMPORTER)
    assert not result.errors, result.errors


def usage_csv(rows) -> bytes:
    """rows of (card_no, used_at, kind, amount, scenario, division, row_key)."""
    return (HEADER + "".join(",".join(map(str, r)) + "\n" for r in rows)).encode()


def load(rows, *, acting_user=SYSTEM, name="usage.csv", dry_run=False):
    return import_usage(usage_csv(rows), acting_user=acting_user, name=name, dry_run=dry_run)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


__all__ = ["Place", "cards", "usage_csv", "load", "day", "io"]
