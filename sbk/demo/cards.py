"""The demo province's cards (社保卡): a migrated history and a few dozen live flows.

Most holders (``HOLDER_SHARE``) get the card history a vendor system hands over: a card
issued at their district, renewed before its ten years run out (a chain old → new), now
and then replaced early (lost, damaged) or moved to another partner bank, a few cancelled.
It goes in through the legacy importer (``sbk.cards.importer``) from a CSV file in a
temporary directory, as ``sbk cards import`` does it, with the same actor; the importer's
own checks apply, and a refusal is a bug of this generator. The history ends on
``CUT_OVER``, the day the demo province moved to sbk (clipped to today), so the same seed
gives the same history whatever the day.

Then, through the card services and as the demo's staff, holders without a card apply at
their community outlet's counter (a counter photo), and the district's bank outlet
produces and hands over: applications waiting for production (待制卡), cards made and
waiting to be collected (待领取), cards issued (some with the financial function
activated), a rejection, a withdrawal, losses reported (temporary and formal) and the
replacement applications that follow. These write the journal and audit rows and consume
card blanks, so ``stock_demo`` runs first. Their card numbers follow the application ids,
as in production: the same seed gives the same numbers in a fresh database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import random
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from sbk.accounts.models import Role, User
from sbk.cards import rules as card_rules
from sbk.cards import services
from sbk.cards.importer import COLUMNS, OPTIONAL_COLUMNS, import_cards
from sbk.cards.models import Card
from sbk.cards.services.common import add_years
from sbk.core.actors import IMPORTER
from sbk.orgs.models import Organisation, OrgKind
from sbk.registry.models import Person, PersonStatus

log = logging.getLogger(__name__)

HOLDER_SHARE = 0.75  # holders with a migrated card history
CUT_OVER = dt.date(2025, 12, 31)  # the last day of the vendor system's history
FIRST_ISSUE = dt.date(2009, 1, 1)  # the demo province issued its first cards in 2009
LEGACY_PREFIX = "L"  # migrated card numbers: L + 8 digits + check (sbk's own start with S)
LIVE_FLOWS = 40  # first-card flows through the services (fewer when fewer candidates)
# (flow, share of LIVE_FLOWS): interleaved so that a small demo still has one of each.
PLAN = (
    ("issued", 16),
    ("produced", 10),
    ("submitted", 8),
    ("replaced", 2),  # issued, lost (formal), replacement made and issued
    ("lost_waiting", 1),  # issued, lost (formal), replacement application waiting
    ("rejected", 2),
    ("withdrawn", 1),
)
LEGACY_LOSSES = (("temporary", 4), ("formal", 3), ("formal_replacement", 2))
REJECT_REASON = "照片与本人现场核对不符，请重新采集照片后申请"
WITHDRAW_REASON = "申请人要求撤销（已在其他网点办理）"


@dataclass(frozen=True)
class Holder:
    """What the history of one person's cards is made from."""

    id_number: str
    name: str
    category: str
    division: str
    birth: dt.date
    bank: str  # the partner bank's name


# ------------------------------------------------------------------------ migrated history
def _day_between(rng: random.Random, low: dt.date, high: dt.date) -> dt.date:
    return low + dt.timedelta(days=rng.randrange((high - low).days + 1))


def history_rows(
    holders: list[Holder], rng: random.Random, banks: list[str], end: dt.date
) -> list[dict]:
    """The importer's rows (``importer.COLUMNS``) for ``holders``, every date on or before
    ``end``: each card renewed before it expires, some replaced early or cancelled."""
    scheme = settings.SBK_CARD_SCHEME_START
    start = max(FIRST_ISSUE, dt.date.fromisoformat(scheme) if isinstance(scheme, str) else scheme)
    validity = settings.SBK_CARD_VALIDITY_YEARS
    rows: list[dict] = []
    serial = 61000000
    for h in holders:
        earliest = max(start, h.birth + dt.timedelta(days=rng.randrange(30, 400)))
        if earliest > end - dt.timedelta(days=30):
            continue  # born too recently for a card before the cut-over
        issued, bank, previous = _day_between(rng, earliest, end), h.bank, ""
        while True:
            serial += 1
            row = {
                "id_number": h.id_number,
                "name": h.name,
                "category": h.category,
                "division_code": h.division,
                "card_no": card_rules.make_card_no(LEGACY_PREFIX, serial),
                "bank": bank,
                "issued_on": issued,
                "activated_on": None,
                "cancelled_on": None,
                "replaces_card_no": previous,
                "expires_on": add_years(issued, validity),
            }
            if rng.random() < 0.85:
                row["activated_on"] = min(issued + dt.timedelta(days=rng.randrange(0, 90)), end)
            rows.append(row)
            renewal = add_years(issued, validity) - dt.timedelta(days=rng.randrange(150))
            mishap = issued + dt.timedelta(days=rng.randrange(200, 3000))
            following = mishap if rng.random() < 0.08 and mishap < renewal else renewal
            if following > end:
                if rng.random() < 0.02:  # the holder's record ended in the vendor system
                    row["cancelled_on"] = _day_between(rng, issued, end)
                break
            previous, issued = row["card_no"], following
            if rng.random() < 0.1:
                bank = rng.choice(banks)  # a new partner bank at renewal
    return rows


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = (*COLUMNS, *OPTIONAL_COLUMNS)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                v.isoformat() if isinstance(v, dt.date) else ("" if v is None else v)
                for v in (row[c] for c in columns)
            ]
        )
    return out.getvalue()


def import_history(rows: list[dict]) -> int:
    """Load ``rows`` through the legacy importer, as ``sbk cards import`` does."""
    if not rows:
        return 0
    with tempfile.TemporaryDirectory(prefix="sbk-demo-") as tmp:
        path = Path(tmp) / "demo-legacy-cards.csv"
        path.write_text(_csv(rows), encoding="utf-8")
        result = import_cards(path, acting_user=IMPORTER)
    if result.errors:
        shown = "; ".join(f"{e.row}:{e.field}:{e.code} {e.message}" for e in result.errors[:5])
        raise RuntimeError(f"demo card history refused by the importer: {shown}")
    return result.cards_written


# ------------------------------------------------------------------------------ live flows
@cache
def demo_photo() -> bytes | None:
    """One compliant ID photo, made once per process: the auto-fixer's output for the
    portrait that ships with scikit-image (installed with sbk's test extras). None when
    it cannot be made here."""
    try:
        from PIL import Image
        from skimage import data

        from sbk.photos.fix import fix_photo
    except ImportError:
        return None
    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, format="PNG")
    result = fix_photo(buf.getvalue())
    return result.jpeg if result.ok else None


def _account(rng: random.Random) -> str:
    """A 19-digit bank account that passes the Luhn check."""
    body = "621700" + "".join(rng.choice("0123456789") for _ in range(12))
    for check in "0123456789":
        if card_rules.account_valid(body + check):
            return body + check
    raise AssertionError("unreachable: one check digit always fits")


@dataclass
class Desk:
    """Where a holder is served: the counter of their outlet and the district's bank."""

    counter: User
    bank_user: User
    bank_outlet: Organisation


def _desks() -> dict[int, Desk]:
    """Registering outlet id -> its desk, for the outlets that have staff."""
    users = {
        u.org_id: u
        for u in User.objects.filter(
            role__in=[Role.OUTLET_OPERATOR, Role.BANK_OPERATOR], is_active=True
        ).order_by("id")
    }
    bank_outlets = {
        o.parent_id: o
        for o in Organisation.objects.filter(kind=OrgKind.BANK_OUTLET).order_by("code")
    }
    desks = {}
    outlets = Organisation.objects.filter(
        kind__in=[OrgKind.COMMUNITY_OUTLET, OrgKind.BANK_OUTLET]
    ).order_by("code")
    for outlet in outlets:
        bank_outlet = (
            outlet if outlet.kind == OrgKind.BANK_OUTLET else bank_outlets.get(outlet.parent_id)
        )
        if outlet.pk in users and bank_outlet is not None and bank_outlet.pk in users:
            desks[outlet.pk] = Desk(users[outlet.pk], users[bank_outlet.pk], bank_outlet)
    return desks


class Flows:
    """The card services as the demo's staff use them."""

    def __init__(self, rng: random.Random, photo: bytes):
        self.rng = rng
        self.photo = photo

    def apply(self, person: Person, desk: Desk, **kind):
        counter = desk.counter
        app = services.start_application(
            person.pk, acting_user=counter, outlet=desk.bank_outlet, **kind
        )
        services.attach_photo(app.pk, acting_user=counter, data=self.photo, source="counter")
        return services.submit_application(app.pk, acting_user=counter)

    def produce(self, app, desk: Desk) -> Card:
        return services.produce_card(
            app.pk, acting_user=desk.bank_user, verified=True, account_no=self._account_for(app)
        )

    def _account_for(self, app) -> str:
        return "" if app.replaces_id else _account(self.rng)  # a replacement keeps its own

    def issue(self, card: Card, desk: Desk) -> Card:
        card = services.issue_card(card.pk, acting_user=desk.bank_user)
        if self.rng.random() < 0.5 and not card.financial_activated_on:
            services.activate_financial(card.pk, acting_user=desk.bank_user)
        return card

    def lose(self, card: Card, desk: Desk, kind: str = "formal") -> Card:
        return services.report_loss(card.pk, acting_user=desk.counter, kind=kind)

    def replace(self, person: Person, card: Card, desk: Desk):
        self.lose(card, desk)
        return self.apply(person, desk, kind="replacement", replace_reason="lost")

    def run(self, flow: str, person: Person, desk: Desk) -> None:
        app = self.apply(person, desk)
        if flow == "submitted":
            return
        if flow == "rejected":
            services.reject_application(app.pk, acting_user=desk.bank_user, reason=REJECT_REASON)
            return
        if flow == "withdrawn":
            services.withdraw_application(app.pk, acting_user=desk.counter, reason=WITHDRAW_REASON)
            return
        card = self.produce(app, desk)
        if flow == "produced":
            return
        card = self.issue(card, desk)
        if flow in ("replaced", "lost_waiting"):
            app = self.replace(person, card, desk)
            if flow == "replaced":
                self.issue(self.produce(app, desk), desk)


def _plan(n: int) -> list[str]:
    """``n`` flows in the proportions of ``PLAN``, interleaved (a prefix has every kind)."""
    left = {flow: count for flow, count in PLAN}
    order: list[str] = []
    while any(left.values()):
        for flow, _ in PLAN:
            if left[flow]:
                order.append(flow)
                left[flow] -= 1
    scale = max(1, -(-n // len(order)))
    return (order * scale)[:n]


def _candidates(people: list[Person], desks: dict[int, Desk]) -> list[Person]:
    return [
        p
        for p in people
        if p.org_id in desks and p.name_printable and p.status == PersonStatus.ACTIVE
    ]


def live_flows(
    without_card: list[Person], with_card: list[Person], rng: random.Random, n: int = LIVE_FLOWS
) -> int:
    """Run the flows; the number of holders served."""
    photo = demo_photo()
    if photo is None:
        log.warning("demo: no compliant photo can be made here (scikit-image): no live flows")
        return 0
    desks = _desks()
    flows = Flows(rng, photo)
    new = _candidates(without_card, desks)
    rng.shuffle(new)
    served = 0
    for flow, person in zip(_plan(min(n, len(new))), new, strict=False):
        flows.run(flow, person, desks[person.org_id])
        served += 1
    # Losses of migrated cards: reported at the holder's counter; a formal one of a card
    # of the district bank's is replaced there.
    held = {
        c.person_id: c
        for c in Card.objects.filter(status=card_rules.ISSUED, legacy=True).order_by("id")
    }
    old = [p for p in _candidates(with_card, desks) if p.pk in held]
    rng.shuffle(old)
    for kind, count in LEGACY_LOSSES:
        for _ in range(count):
            person = _pick(old, held, desks, same_bank=kind == "formal_replacement")
            if person is None:
                break
            card, desk = held[person.pk], desks[person.org_id]
            if kind == "formal_replacement":
                flows.replace(person, card, desk)
            else:
                flows.lose(card, desk, kind)
            served += 1
    return served


def _pick(old: list[Person], held: dict, desks: dict, *, same_bank: bool) -> Person | None:
    for i, person in enumerate(old):
        if not same_bank or held[person.pk].bank_id == desks[person.org_id].bank_outlet.bank_id:
            return old.pop(i)
    return None


# ---------------------------------------------------------------------------------- entry
def build_cards(rng: random.Random, *, live: int = LIVE_FLOWS) -> int:
    """Migrated history for most holders, then the live flows; the number of cards."""
    people = list(Person.objects.select_related("org__parent").order_by("id"))
    banks = list(Organisation.objects.filter(kind=OrgKind.BANK).order_by("code"))
    names = [b.name for b in banks]
    district_bank = {
        o.parent_id: o.bank.name
        for o in Organisation.objects.filter(kind=OrgKind.BANK_OUTLET).select_related("bank")
    }
    chosen, holders = set(), []
    for p in people:
        if rng.random() >= HOLDER_SHARE or not names:
            continue
        if p.org.kind == OrgKind.BANK_OUTLET:
            bank = p.org.bank.name
        elif p.org.parent_id in district_bank and rng.random() < 0.8:
            bank = district_bank[p.org.parent_id]
        else:
            bank = rng.choice(names)
        chosen.add(p.pk)
        holders.append(
            Holder(p.id_number, p.name, p.category, p.org.division_code, p.birth_date, bank)
        )
    end = min(CUT_OVER, timezone.localdate())
    rows = history_rows(holders, rng, names, end)
    import_history(rows)
    with_history = {r["id_number"] for r in rows}
    with_card = [p for p in people if p.pk in chosen and p.id_number in with_history]
    without_card = [p for p in people if p.id_number not in with_history]
    live_flows(without_card, with_card, rng, live)
    return Card.objects.count()
