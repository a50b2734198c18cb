"""The dispatch tables (调度表) computed from what sbk records, for any past period.

Holders come from the kept counts (``counts.holders_at``: regions × days, not holders);
service items and channels from the journal; what sbk does not record is entered by the
centre for the period (``Entry``) and listed in each row's ``manual``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from sbk.divisions.table import load_table
from sbk.operations.queries import terminals_by_division
from sbk.orgs.models import Organisation, OrgKind
from sbk.registry.models import Person
from sbk.usage import queries as usage

from . import counting as C
from . import counts
from .figures import circled, numbers, percent, wan
from .models import CatalogueItem, Entry, ServiceOpened
from .periods import Period

CATEGORIES = ("employee", "resident", "other")
TITLES = {
    0: "社会保障卡发行情况月调度表",
    1: "社会保障卡工作情况季调度表（一）",
    2: "社会保障卡工作情况季调度表（二）",
    3: "社会保障卡工作情况季调度表（三）",
    4: "社会保障卡工作情况季调度表（四）",
}
FOOTER = ("filler", "phone", "responsible")
# Columns the centre enters per row, by table (what sbk does not record).
ENTERED = {
    1: ("terminals", "items", "channels", "progress"),
    2: ("catalogue", "payers", "beneficiaries", "local_fields", "area", "cross_fields"),
    3: ("stage", "data_prep", "integration", "next_plan"),
    4: ("other_holders", "remark"),
}


def installation_province() -> str | None:
    centre = Organisation.objects.filter(kind=OrgKind.CENTRE).order_by("id").first()
    return C.province_code(centre.division_code) if centre else None


def default_province() -> str | None:
    """The installation's province, or the only province with data."""
    mine = installation_province()
    if mine:
        return mine
    found = counts.provinces()
    return found[0] if len(found) == 1 else None


def unit_name(province: str) -> str:
    centre = Organisation.objects.filter(kind=OrgKind.CENTRE).order_by("id").first()
    if centre is not None and C.province_code(centre.division_code) == province:
        return centre.name
    return load_table().name(province) or province


def region_name(code: str, province: str) -> str:
    if code == province:
        return "省本级"
    return load_table().name(code) or code


def entries(period: Period, table: int) -> dict[tuple[str, str], str]:
    rows = Entry.objects.filter(period=str(period), table=table)
    return {(e.row, e.column): e.value for e in rows}


def _header(period: Period, province: str, table: int, cells: dict) -> dict:
    return {
        "table": table,
        "title": TITLES[table],
        "period": str(period),
        "period_label": period.label,
        "province": province,
        "unit": unit_name(province),
        **{k: cells.get(("", k), "") for k in FOOTER},
    }


def _by_region(province: str, day: dt.date) -> dict[str, dict]:
    """Holders on ``day`` per report region: total, by category, by bank and kind."""
    regions: dict[str, dict] = defaultdict(
        lambda: {
            "total": 0,
            "activated": 0,
            **{c: 0 for c in CATEGORIES},
            "banks": defaultdict(lambda: defaultdict(int)),
        }
    )
    for row in counts.holders_at(day, province):
        region = regions[C.report_region(row["division"])]
        h = row["holders"] or 0
        region["total"] += h
        region["activated"] += row["activated"] or 0
        region[row["category"] if row["category"] in CATEGORIES else "other"] += h
        if row["bank"]:
            bank = region["banks"][row["bank"]]
            bank[row["kind"]] += h
            if row["kind"] == C.FIN_CHIP:
                bank["activated"] += row["activated"] or 0
    return regions


def _region_order(province: str, codes, year: int | None = None) -> list[str]:
    """省本级 first, then division-code order. With ``year``: every city of the province in
    force that year too, with or without cards (tables (一) and (二): "本表填报省内全部地市情况")."""
    if year is not None:
        codes = [*codes, *C.province_regions(province, year, load_table().all())]
    return [province] + sorted(c for c in set(codes) if c != province)


def _issuing_regions(province: str, day: dt.date) -> dict[str, dt.date]:
    first: dict[str, dt.date] = {}
    for division, when in counts.first_issue_by_division(province).items():
        region = C.report_region(division)
        if when <= day and (region not in first or when < first[region]):
            first[region] = when
    return first


# --- monthly -------------------------------------------------------------------------------
def monthly(period: Period, province: str) -> dict:
    """社会保障卡发行情况月调度表: cumulative holders at month end per region."""
    cells = entries(period, 0)
    end = period.end
    regions = _by_region(province, end)
    first = _issuing_regions(province, end)
    rows = []
    for code in _region_order(province, [*first, *[c for c, r in regions.items() if r["total"]]]):
        holders = regions[code]["total"] if code in regions else 0
        rows.append(
            {
                "code": code,
                "region": region_name(code, province),
                "holders": holders,
                "holders_wan": wan(holders),
            }
        )
    total = sum(r["holders"] for r in rows)
    new = [
        {"code": code, "name": region_name(code, province)}
        for code in sorted(first)
        if code != province and period.start <= first[code] <= end
    ]
    remark = ""
    if new:
        remark = f"新增发卡城市{len(new)}个，即{'、'.join(c['name'] for c in new)}"
    return {
        **_header(period, province, 0, cells),
        "rows": rows,
        "total": {"holders": total, "holders_wan": wan(total)},
        "new_cities": new,
        "remark": remark,
    }


def contract(figures: dict) -> dict:
    """The monthly table as the scripts' JSON contract (``sbk report monthly --json``)."""
    keys = ("period", "rows", "total", "new_cities", "remark")
    return {k: figures[k] for k in keys}


# --- quarterly -----------------------------------------------------------------------------
def _journal_marks(province: str, end: dt.date) -> tuple[dict, dict]:
    """Service items and channels with a journal row per region by ``end``: read from the
    marks the journal keeps (``ServiceOpened``), never from the journal itself."""
    until = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    marks = ServiceOpened.objects.filter(
        first_at__lt=until, division__startswith=province[:2]
    ).values_list("division", "mark", "number")
    items, channels = defaultdict(set), defaultdict(set)
    for division, mark, number in marks:
        target = items if mark == ServiceOpened.ITEM else channels
        target[C.report_region(division)].add(number)
    return items, channels


def _marked(cells, code, column) -> list[int]:
    try:
        return numbers(cells.get((code, column), ""))
    except ValueError:
        return []


def _int(text) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def other_categories(cells) -> str:
    named = cells.get(("", "other_categories"), "").strip()
    if named:
        return named
    notes = (
        Person.objects.filter(category="other")
        .exclude(category_note="")
        .values_list("category_note", flat=True)
        .distinct()
        .order_by("category_note")[:10]
    )
    return "、".join(notes)


def quarterly_1(period: Period, province: str) -> dict:
    cells = entries(period, 1)
    end = period.end
    regions = _by_region(province, end)
    first = _issuing_regions(province, end)
    items, channels = _journal_marks(province, end)
    rows, all_items, all_channels, terminals_total = [], set(), set(), None
    # Read-write terminals from the equipment register (运营记录) per report region; a cell
    # the centre entered overrides it. An empty register means "not recorded" (None).
    registered: dict[str, int] = defaultdict(int)
    for division, n in terminals_by_division(province[:2], end).items():
        registered[C.report_region(division)] += n
    codes = _region_order(province, [*first, *regions, *items, *registered], year=end.year)
    for code in codes:
        r = regions.get(code) or {"total": 0, **{c: 0 for c in CATEGORIES}}
        manual = [c for c in ENTERED[1] if (code, c) in cells]
        its = items.get(code, set()) | set(_marked(cells, code, "items"))
        chs = channels.get(code, set()) | set(_marked(cells, code, "channels"))
        all_items |= its
        all_channels |= chs
        terminals = _int(cells.get((code, "terminals")))
        if terminals is None and registered:
            terminals = registered.get(code, 0)
        if terminals is not None:
            terminals_total = (terminals_total or 0) + terminals
        holders = {k: r[k] for k in ("total", *CATEGORIES)}
        rows.append(
            {
                "code": code,
                "region": region_name(code, province),
                "holders": holders,
                "holders_wan": {k: wan(v) for k, v in holders.items()},
                "terminals": terminals,
                "items": circled(its),
                "channels": circled(chs),
                "progress": cells.get((code, "progress"), ""),
                "manual": manual,
            }
        )
    total = {k: sum(r["holders"][k] for r in rows) for k in ("total", *CATEGORIES)}
    total_row = {
        "code": province,
        "region": "全省",
        "holders": total,
        "holders_wan": {k: wan(v) for k, v in total.items()},
        "terminals": terminals_total,
        "items": circled(all_items),
        "channels": circled(all_channels),
        "progress": cells.get(("", "progress"), ""),
        "manual": [c for c in ("progress",) if ("", c) in cells],
    }
    return {
        **_header(period, province, 1, cells),
        "other_categories": other_categories(cells),
        "rows": rows,
        "total": total_row,
    }


def catalogue_size() -> int:
    return CatalogueItem.objects.filter(active=True).count()


def quarterly_2(period: Period, province: str) -> dict:
    cells = entries(period, 2)
    end = period.end
    regions = _by_region(province, end)
    first = _issuing_regions(province, end)
    size = catalogue_size()
    active = set(CatalogueItem.objects.filter(active=True).values_list("number", flat=True))
    rows, opened_all, payers_all, benefit_all = [], set(), None, None

    def row(code, name, holders, opened, payers, beneficiaries, prefix):
        return {
            "code": code,
            "region": name,
            "holders": holders,
            "opened": sorted(opened),
            "open_rate": percent(len(opened), size),
            "payers": payers,
            "payer_coverage": percent(payers, holders),
            "beneficiaries": beneficiaries,
            "benefit_coverage": percent(beneficiaries, holders),
            "local_fields": cells.get((prefix, "local_fields"), "")
            or "、".join(str(n) for n in sorted(opened)),
            "area": circled(_marked(cells, prefix, "area"))
            if (prefix, "area") in cells
            else circled(used[prefix]["areas"]),
            "cross_fields": cells.get((prefix, "cross_fields"), "")
            or usage.kind_names(used[prefix]["cross"]),
            "manual": [c for c in ENTERED[2] if (prefix, c) in cells],
        }

    # Card usage (sbk.usage) gives payers, beneficiaries, areas and cross-region fields once
    # any usage is imported; a cell the centre entered still wins.
    kept = usage.has_usage(end)
    by_region: dict[str, dict] = defaultdict(lambda: {"payers": 0, "beneficiaries": 0})
    for division, got in (usage.coverage_by_division(end, province) if kept else {}).items():
        for k in ("payers", "beneficiaries"):
            by_region[C.report_region(division)][k] += got[k]
    used = usage.areas_by_region(period.start, end, province) if kept else usage.no_areas()
    for part in ("areas", "cross"):
        used[""][part] = set().union(*(r.get(part, set()) for r in list(used.values())))

    def figure(code, column):
        entered = _int(cells.get((code, column)))
        if entered is not None or not kept:
            return entered
        return by_region[code][column] if code in by_region else 0

    for code in _region_order(province, [*first, *regions], year=end.year):
        holders = regions[code]["total"] if code in regions else 0
        opened = set(_marked(cells, code, "catalogue")) & active
        payers = figure(code, "payers")
        beneficiaries = figure(code, "beneficiaries")
        opened_all |= opened
        if payers is not None:
            payers_all = (payers_all or 0) + payers
        if beneficiaries is not None:
            benefit_all = (benefit_all or 0) + beneficiaries
        rows.append(
            row(code, region_name(code, province), holders, opened, payers, beneficiaries, code)
        )
    total_holders = sum(r["holders"] for r in rows)
    total = row(province, "全省", total_holders, opened_all, payers_all, benefit_all, "")
    return {
        **_header(period, province, 2, cells),
        "catalogue_size": size,
        "rows": rows,
        "total": total,
    }


STAGES = (
    "尚未启动",
    "制定建设实施方案",
    "省持卡库系统部署，并与部级持卡库系统联调",
    "数据准备及初始化",
    "卡管系统接入",
    "业务系统接入",
    "系统试运行",
    "系统正式上线运行",
    "其他",
)


def quarterly_3(period: Period, province: str) -> dict:
    cells = entries(period, 3)
    stage = _marked(cells, "", "stage")
    return {
        **_header(period, province, 3, cells),
        "rows": [
            {
                "code": province,
                "region": "全省",
                "stage": circled(stage),
                "stage_names": "，".join(STAGES[n - 1] for n in stage if n <= len(STAGES)),
                "data_prep": cells.get(("", "data_prep"), ""),
                "integration": cells.get(("", "integration"), ""),
                "next_plan": cells.get(("", "next_plan"), ""),
                "manual": [c for c in ENTERED[3] if ("", c) in cells],
            }
        ],
    }


def quarterly_4(period: Period, province: str) -> dict:
    cells = entries(period, 4)
    regions = _by_region(province, period.end)
    banks: dict[int, dict] = defaultdict(
        lambda: {"chip": 0, "activated": 0, "other": 0, "cities": set()}
    )
    for code, region in regions.items():
        for bank_id, kinds in region["banks"].items():
            b = banks[bank_id]
            b["chip"] += kinds[C.FIN_CHIP]
            b["activated"] += kinds["activated"]
            b["other"] += kinds[C.FIN_OTHER]
            if kinds[C.FIN_CHIP] > 0 or kinds[C.FIN_OTHER] > 0:
                b["cities"].add(code)
    # The service banks' records (sbk.usage): the cities each cooperates with since a date
    # count with the cities where it has holders; the record's full name is the table's.

    for bank_id, cities in usage.bank_cities(period.end).items():
        banks[bank_id]["cities"] |= {c for c in cities if c[:2] == province[:2]}
    names = dict(Organisation.objects.filter(pk__in=list(banks)).values_list("pk", "name"))
    names.update(usage.bank_names())
    kept = usage.has_usage(period.end)
    paying = usage.coverage_by_bank(period.end, province) if kept else {}
    rows = []
    for bank_id in sorted(banks, key=lambda b: (names.get(b, ""), b)):
        b = banks[bank_id]
        key = str(bank_id)
        figures = paying.get(bank_id, {"payers": 0, "beneficiaries": 0}) if kept else {}
        other = b["other"]
        entered = _int(cells.get((key, "other_holders")))
        if entered is not None:
            other = entered
        cities = _region_order(province, b["cities"])
        if province not in b["cities"]:
            cities = cities[1:]
        rows.append(
            {
                "no": len(rows) + 1,
                "bank": bank_id,
                "bank_name": names.get(bank_id, str(bank_id)),
                "holders": b["chip"],
                "holders_wan": wan(b["chip"]),
                "activated": b["activated"],
                "activated_wan": wan(b["activated"]),
                "cities_count": len(cities),
                "cities": "、".join(region_name(c, province) for c in cities),
                "other": other,
                "other_wan": wan(other),
                "remark": cells.get((key, "remark"), ""),
                "payers": figures.get("payers"),
                "beneficiaries": figures.get("beneficiaries"),
                "manual": [c for c in ENTERED[4] if (key, c) in cells],
            }
        )
    total = {k: sum(r[k] for r in rows) for k in ("holders", "activated", "other")}
    all_cities = set().union(*(banks[b]["cities"] for b in banks)) if banks else set()
    return {
        **_header(period, province, 4, cells),
        "rows": rows,
        "total": {
            **total,
            **{f"{k}_wan": wan(v) for k, v in total.items()},
            "cities_count": len(all_cities),
        },
    }


BUILDERS = {1: quarterly_1, 2: quarterly_2, 3: quarterly_3, 4: quarterly_4}


def build(table: int, period: Period, province: str) -> dict:
    if table == 0:
        return monthly(period, province)
    return BUILDERS[table](period, province)
