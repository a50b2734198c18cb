"""The demo province's card usage (用卡): about fifteen months of it, up to yesterday.

Of the holders with a card valid today, about ``USER_SHARE`` use it: most pay their
contributions through it (the working medical and pension every month, residents their
medical insurance once a year in the collection season), some older holders receive
their pension benefit on it, some pay at merchants (canteens, convenience stores, coffee
shops) and ride buses and the metro with it. Now and then a use happens in another city of
the province (① 省内跨地市) or in another province (② 跨省), rarely in Hong Kong or Macao
(③ 其他).

The rows go in as a bank's file would: a CSV with the usage import's columns
(``sbk.usage.rules.COLUMNS``), through the usage app's import service
(``sbk.usage.importer.import_usage``) with the actor ``sbk usage import`` uses; the import's
own checks apply, and a refusal is a bug of this generator. Row keys are a running number
(``demo-u00000001``): the card number itself goes nowhere but the file.

The window is ``MONTHS`` calendar months ending with the current one, so the current and
previous quarters have uses; no use falls on today or later (the import refuses future
times), nor before its card was issued. The same seed gives the same rows on the same day.

Then the application scenarios, through the usage services and as the demo's staff: the
merchants whose codes the rows carry (canteens, convenience stores, coffee shops, breakfast
stalls) registered by the community outlets (摸排登记), most reported to their district;
and one discount campaign of the city of Xi'an for the elderly at its canteens.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass

from django.utils import timezone

from sbk.accounts.models import User
from sbk.cards.models import Card
from sbk.cards.queries import valid_cards_at
from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.orgs.models import Organisation, OrgKind
from sbk.usage import rules, services
from sbk.usage.importer import import_usage

from . import data

USER_SHARE = 0.6  # holders with a valid card who use it
MONTHS = 15  # the window: this many calendar months, the current one last
PAYER_SHARE = 0.85  # of the users: contributions through the card (see ``uses_of``)
RESIDENT_SEASON = (9, 10, 11, 12)  # residents' medical insurance: paid once, in one of these
BENEFIT_AGE = 60  # of the users this old: a monthly pension benefit, most of them
BENEFIT_SHARE = 0.7
MERCHANT_SHARE = 0.35  # of the users: merchant payments
TRANSPORT_SHARE = 0.3  # of the users: buses and the metro
TRAVEL_SHARE = 0.08  # of the merchant or transport users: a few uses elsewhere
ROWS_PER_FILE = 50_000  # one file per this many rows (a bank's monthly files, roughly)

# Places outside the demo province (②), and Hong Kong and Macao (③).
OTHER_PROVINCES = ("110105", "310115", "440305", "500103", "620102", "410105", "510107")
OUTSIDE = ("810000", "820000")
CITY_SCENARIOS = {  # report region → (bus, metro or None)
    "610100": ("XA-BUS", "XA-METRO"),
    "610300": ("BJ-BUS", None),
    "611000": ("SL-BUS", None),
}
# Small-amount high-frequency merchants (小额高频): (venue kind, code prefix, how many per
# district, lowest and highest payment, what the venue is called). Their merchant codes
# ``PREFIX-DISTRICT-NN`` are the usage rows' scenario and the registered venues' codes.
MERCHANTS = (
    ("canteen", "CANTEEN", 3, 8, 25, "社区长者食堂"),
    ("convenience", "STORE", 2, 3, 80, "便利店"),
    ("coffee", "COFFEE", 1, 12, 38, "咖啡店"),
    ("other", "SNACK", 2, 4, 40, "早餐店"),
)
ELDERLY_WEIGHTS = (6, 1, 0, 1)  # the elderly eat at the canteen; the others: as they like
OTHERS_WEIGHTS = (2, 4, 2, 3)
CAMPAIGN_CITY = "610100"  # the discount campaign: the canteens of this city
CAMPAIGN_MONTHS = 6  # running since the first day of this many months ago (this one too)


@dataclass(frozen=True)
class Use:
    card_no: str
    used_at: dt.datetime
    kind: str
    amount: str
    scenario: str
    division_code: str


def _months(today: dt.date) -> list[dt.date]:
    """The first days of the window's months, oldest first."""
    y, m = today.year, today.month
    out = []
    for _ in range(MONTHS):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _districts_elsewhere() -> dict[str, list[str]]:
    """City (report region) → the districts of the province's other cities."""
    out = {}
    for city, _, _ in data.CITIES:
        out[city] = [d for c, _, ds in data.CITIES if c != city for d, _ in ds]
    return out


def _money(rng: random.Random, low: float, high: float) -> str:
    return f"{rng.uniform(low, high):.2f}"


def _at(day: dt.date, rng: random.Random, first_hour: int = 7, last_hour: int = 21):
    return dt.datetime(
        day.year,
        day.month,
        day.day,
        rng.randint(first_hour, last_hour),
        rng.randrange(60),
        rng.randrange(60),
    )


def uses_of(
    card: Card, birth: dt.date, category: str, rng: random.Random, today: dt.date, elsewhere
) -> list[Use]:
    """One holder's uses of ``card`` in the window, in no particular order."""
    first = max(card.issued_on, _months(today)[0])
    last = today - dt.timedelta(days=1)
    if first > last:
        return []
    home = card.division_code
    city = rules.report_region(home)
    uses: list[Use] = []

    def add(day, kind, amount, scenario="", place=home, hours=(7, 21)):
        if first <= day <= last:
            uses.append(Use(card.card_no, _at(day, rng, *hours), kind, amount, scenario, place))

    def where() -> str:
        """Mostly at home; now and then another city, another province, rarely abroad."""
        roll = rng.random()
        if roll < TRAVEL_SHARE / 2 and elsewhere.get(city):
            return rng.choice(elsewhere[city])
        if roll < TRAVEL_SHARE:
            return rng.choice(OUTSIDE) if rng.random() < 0.1 else rng.choice(OTHER_PROVINCES)
        return home

    months = _months(today)
    age = rules.age_on(birth, last)
    if rng.random() < PAYER_SHARE:
        day_of_month = rng.randint(5, 25)
        if category == "resident":  # 城乡居民医保: once a year, in the collection season
            season = rng.choice(RESIDENT_SEASON)
            yearly = _money(rng, 380, 400)
            for month in months:
                if month.month == season:
                    add(month.replace(day=day_of_month), rules.PAY_MEDICAL, yearly, "SI-MEDICAL")
        else:  # the working and the flexibly employed: every month, medical and pension
            medical = _money(rng, 30, 420)
            pension = _money(rng, 180, 960) if 16 <= age < 60 else ""
            for month in months:
                day = month.replace(day=day_of_month)
                add(day, rules.PAY_MEDICAL, medical, "SI-MEDICAL")
                if pension:
                    add(day, rules.PAY_PENSION, pension, "SI-PENSION")
    if age >= BENEFIT_AGE and rng.random() < BENEFIT_SHARE:
        benefit = _money(rng, 1500, 4600)
        for month in months:
            add(month.replace(day=15), rules.BENEFIT, benefit, "PENSION-PAY", hours=(0, 6))
    if rng.random() < MERCHANT_SHARE:
        span = (last - first).days + 1
        weights = ELDERLY_WEIGHTS if age >= BENEFIT_AGE else OTHERS_WEIGHTS
        for _ in range(rng.randint(2, 20)):
            _, prefix, count, low, high, _ = rng.choices(MERCHANTS, weights)[0]
            place = where()
            scenario = f"{prefix}-{home}-{rng.randint(1, count):02d}" if place == home else "POS"
            add(first + dt.timedelta(days=rng.randrange(span)), rules.MERCHANT,
                _money(rng, low, high), scenario, place)  # fmt: skip
    if rng.random() < TRANSPORT_SHARE:
        bus, metro = CITY_SCENARIOS.get(city, ("BUS", None))
        span = (last - first).days + 1
        for _ in range(rng.randint(3, 20)):
            place = where()
            scenario = (
                (metro if metro and rng.random() < 0.5 else bus) if place == home else "TRANSIT"
            )
            add(first + dt.timedelta(days=rng.randrange(span)), rules.TRANSPORT,
                _money(rng, 1, 6), scenario, place)  # fmt: skip
    return uses


def usage_rows(rng: random.Random, today: dt.date) -> list[Use]:
    """The demo's uses: for ``USER_SHARE`` of the holders of a card valid today, by person."""
    cards = (
        valid_cards_at(today)
        .exclude(issued_on__isnull=True)
        .select_related("person")
        .order_by("person_id", "-issued_on", "-id")
    )
    elsewhere = _districts_elsewhere()
    rows: list[Use] = []
    seen: set[int] = set()
    for card in cards:
        if card.person_id in seen:  # two valid cards: the one issued last
            continue
        seen.add(card.person_id)
        if rng.random() >= USER_SHARE:
            continue
        person = card.person
        rows.extend(uses_of(card, person.birth_date, person.category, rng, today, elsewhere))
    rows.sort(key=lambda u: (u.used_at, u.card_no, u.kind))
    return rows


def as_csv(rows: list[Use], start: int = 1) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(rules.COLUMNS)
    for i, u in enumerate(rows, start=start):
        when = u.used_at.isoformat(sep=" ")
        out.writerow((u.card_no, when, u.kind, u.amount, u.scenario, u.division_code,
                      f"demo-u{i:08d}"))  # fmt: skip
    return buf.getvalue().encode()


def build_usage(rng: random.Random, *, today: dt.date | None = None) -> int:
    """Generate and import the demo's usage; the number of rows imported."""
    today = today or timezone.localdate()
    rows = usage_rows(rng, today)
    written = 0
    for i in range(0, len(rows), ROWS_PER_FILE):
        part = rows[i : i + ROWS_PER_FILE]
        name = f"demo-usage-{i // ROWS_PER_FILE + 1:02d}.csv"
        try:
            result = import_usage(as_csv(part, start=i + 1), acting_user=SYSTEM, name=name)
        except ServiceError as exc:
            shown = "; ".join(f"{p.field}:{p.code} {p.message}" for p in exc.problems[:5])
            raise RuntimeError(
                f"demo usage refused by the importer: {exc.message} {shown}"
            ) from exc
        written += result.new_rows
    build_scenarios(today)
    return written


# ---------------------------------------------------------------------- application scenarios
def _staff(username: str) -> User:
    return User.objects.get(username=username, is_active=True)


def build_scenarios(today: dt.date) -> int:
    """The merchants of the usage rows as the outlets survey them (摸排登记), most reported
    to their district, the campaign city's canteens open to the card; and one discount
    campaign for the elderly at those canteens (the city's). The number of venues."""
    districts = Organisation.objects.filter(kind=OrgKind.DISTRICT).order_by("code")
    campaign_venues = []
    count = 0
    for district in districts:
        code = district.division_code
        outlets = [
            (o, _staff(f"op{o.code[1:]}"))
            for o in Organisation.objects.filter(
                kind=OrgKind.COMMUNITY_OUTLET, parent=district
            ).order_by("code")
        ]
        if not outlets:
            continue
        for kind, prefix, many, _, _, label in MERCHANTS:
            for n in range(1, many + 1):
                outlet, operator = outlets[(count + n) % len(outlets)]
                venue = services.register_venue(
                    outlet,
                    acting_user=operator,
                    kind=kind,
                    name=f"{district.name}{label}（{n}号）",
                    merchant_code=f"{prefix}-{code}-{n:02d}",
                    address=f"{district.name}幸福路{17 * n + len(prefix)}号",
                    division_code=code,
                    operator_name=f"{label}经营户{n}",
                )
                count += 1
                in_campaign = kind == "canteen" and code.startswith(CAMPAIGN_CITY[:4])
                status = "active" if in_campaign else "reported" if n == 1 else None
                if status:
                    services.change_venue(venue.pk, acting_user=operator, status=status)
                if in_campaign:
                    campaign_venues.append(venue.pk)
    city = Organisation.objects.filter(kind=OrgKind.CITY, division_code=CAMPAIGN_CITY).first()
    if city is not None and campaign_venues:
        months = _months(today)
        last_month = (today.month - 1) // 3 * 3 + 3  # the current quarter's last month
        after = dt.date(today.year + last_month // 12, last_month % 12 + 1, 1)
        quarter_end = after - dt.timedelta(days=1)
        services.create_campaign(
            city,
            acting_user=_staff(f"city{CAMPAIGN_CITY}"),
            name="长者食堂持卡就餐九折",
            scenario="canteen",
            start=months[-CAMPAIGN_MONTHS],
            end=quarter_end,
            discount_kind=rules.PERCENT,
            discount_value="10",
            discount_cap="3",
            budget="200000",
            target_groups=[rules.ELDERLY],
            funder_other="市民政局、合作银行",
            venues=campaign_venues,
        )
    return count
