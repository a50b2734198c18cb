"""The counting rule of the dispatch tables (持卡人数计数规则), pure. No Django import.

A person counts once on day D when they hold at least one valid card on D (issued on or
before D, not cancelled or replaced by then; ``sbk.cards.queries.valid_cards_at``), in
the region, category, bank and financial-function kind of that card; with two valid cards
(only migrated histories have them) the one issued last counts. Replacements are never
counted twice, cancelled cards not at all.

The kept counts are per-day changes (deltas) keyed by (day, division, category, bank,
kind) with three measures: holders, holders whose financial function is activated, and
cards issued (gross, for "the city's first card"). Holders at D = the sum of the deltas up
to D, so a period's tables cost regions × days, not holders.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

MUNICIPALITIES = frozenset({"11", "12", "31", "50"})  # 直辖市: each district is a row

FIN_NONE = ""  # no financial function (no partner bank)
FIN_CHIP = "chip"  # 隐蔽磁条或芯片加载金融功能 (the ministry's standard card)
FIN_OTHER = "other"  # 显性磁条等其他方式加载


def province_code(division: str) -> str:
    return division[:2] + "0000"


def report_region(division: str) -> str:
    """The row a card's 6-digit division falls in: 省本级 (the province's own code), the
    prefecture-level city, for a municipality the district, and a county-level unit the
    province administers directly (xx90xx) as itself."""
    prov = division[:2]
    if division == prov + "0000":
        return division
    if prov in MUNICIPALITIES:
        if division[4:] == "00":  # 市辖区 / 县 headings: the municipality's own level
            return prov + "0000"
        return division
    if division[2:4] == "90":
        return division
    return division[:4] + "00"


def province_regions(province: str, year: int, records: Iterable) -> list[str]:
    """Every row of the quarterly tables (一) and (二) ("本表填报省内全部地市情况"): 省本级 and
    each report region of ``province`` in force in ``year``, with or without cards.
    ``records``: division records (``sbk.divisions.table``: code, name, level, valid_in)."""
    prov = province[:2]
    out = {province}
    for r in records:
        code = r.code
        if not code.startswith(prov) or code == province or not r.valid_in(year):
            continue
        if prov in MUNICIPALITIES:
            wanted = r.level == "county"  # each district or county is a row
        elif code[2:4] == "90":
            wanted = r.level == "county"  # a county-level unit the province administers
        else:
            wanted = r.level == "prefecture"
        if wanted and report_region(code) == code:
            out.add(code)
    return sorted(out)


def financial_kind(bank_id: int | None, version: str, other_versions: Iterable[str]) -> str:
    if not bank_id:
        return FIN_NONE
    return FIN_OTHER if version in set(other_versions) else FIN_CHIP


@dataclass(frozen=True)
class Place:
    """Where a holder counts: division (6 digits), category, bank (0 = none), kind."""

    division: str
    category: str
    bank: int
    kind: str


@dataclass(frozen=True)
class Move:
    """The card's region or category changed on ``day`` (an in-province transfer, an
    information change): from ``old`` to ``new``."""

    day: dt.date
    old: Place
    new: Place


@dataclass
class CardFacts:
    card_id: int
    person_id: int
    issued_on: dt.date | None
    invalid_on: dt.date | None
    activated_on: dt.date | None
    place: Place  # as the card row says now (after every move)
    moves: list[Move] = field(default_factory=list)

    def place_at(self, day: dt.date) -> Place:
        """The place on ``day``: the current one with the later moves undone."""
        place = self.place
        for move in sorted(self.moves, key=lambda m: m.day, reverse=True):
            if move.day <= day:
                break
            place = move.old
        return place

    def valid_on(self, day: dt.date) -> bool:
        return (
            self.issued_on is not None
            and self.issued_on <= day
            and (self.invalid_on is None or self.invalid_on > day)
        )


Key = tuple[dt.date, str, str, int, str]
Deltas = dict[Key, list[int]]  # key -> [holders, activated, issued]


def new_deltas() -> Deltas:
    return defaultdict(lambda: [0, 0, 0])


def add(deltas: Deltas, day: dt.date, place: Place, holders=0, activated=0, issued=0) -> None:
    row = deltas[(day, place.division, place.category, place.bank, place.kind)]
    row[0] += holders
    row[1] += activated
    row[2] += issued


def _state(cards: list[CardFacts], day: dt.date):
    valid = [c for c in cards if c.valid_on(day)]
    if not valid:
        return None
    card = max(valid, key=lambda c: (c.issued_on, c.card_id))
    activated = card.activated_on is not None and card.activated_on <= day
    return card.place_at(day), activated


def person_deltas(cards: list[CardFacts], deltas: Deltas) -> None:
    """Add one person's whole history (all their cards) to ``deltas``."""
    days = set()
    for c in cards:
        if c.issued_on is None:
            continue
        add(deltas, c.issued_on, c.place_at(c.issued_on), issued=1)
        days.add(c.issued_on)
        if c.invalid_on is not None:
            days.add(c.invalid_on)
        if c.activated_on is not None:
            days.add(c.activated_on)
        days.update(m.day for m in c.moves)
    state = None
    for day in sorted(days):
        new = _state(cards, day)
        if new == state:
            continue
        if state is not None:
            add(deltas, day, state[0], holders=-1, activated=-int(state[1]))
        if new is not None:
            add(deltas, day, new[0], holders=1, activated=int(new[1]))
        state = new


def history_deltas(people: Iterable[list[CardFacts]]) -> Deltas:
    deltas = new_deltas()
    for cards in people:
        person_deltas(cards, deltas)
    return deltas


def subtract(a: Deltas, b: Deltas) -> Deltas:
    out = new_deltas()
    for key, row in a.items():
        out[key] = list(row)
    for key, row in b.items():
        mine = out[key]
        for i in range(3):
            mine[i] -= row[i]
    return out


def nonzero(deltas: Deltas) -> list[tuple[Key, list[int]]]:
    return [(k, v) for k, v in sorted(deltas.items()) if any(v)]


# --- one live transition -----------------------------------------------------------------
def enter_deltas(card: CardFacts, deltas: Deltas) -> None:
    """A card becomes held (issued): one more holder from its issue day."""
    s = card.issued_on
    add(deltas, s, card.place, holders=1, issued=1)
    if card.activated_on is not None:
        add(deltas, max(card.activated_on, s), card.place, activated=1)


def leave_deltas(card: CardFacts, deltas: Deltas) -> None:
    """A held card is replaced or cancelled: one holder fewer from its invalid day (a date
    before the issue means it never counted: the change lands on the issue day)."""
    s = card.issued_on
    end = max(card.invalid_on or s, s)
    add(deltas, end, card.place, holders=-1)
    if card.activated_on is not None:
        add(deltas, max(end, card.activated_on, s), card.place, activated=-1)


def activate_deltas(card: CardFacts, deltas: Deltas) -> None:
    add(deltas, max(card.activated_on, card.issued_on), card.place, activated=1)


def move_deltas(card: CardFacts, move: Move, deltas: Deltas) -> None:
    """A held card's region or category changes on ``move.day``."""
    activated = int(card.activated_on is not None and card.activated_on <= move.day)
    add(deltas, move.day, move.old, holders=-1, activated=-activated)
    add(deltas, move.day, move.new, holders=1, activated=activated)
