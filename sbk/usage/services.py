"""Every change to the service banks and the application scenarios: one function per
business action, each inside ``sbk.core.actions.atomic``, asking the policy first and
recording one audit row. Card usage is imported by ``importer.import_usage``."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import NotFound, Problem, ServiceError
from sbk.orgs.models import Organisation, OrgKind
from sbk.orgs.scope import org_q, visible_orgs

from . import rules
from .errors import UsageErrorCode as E
from .models import (
    BankCity,
    BankStatus,
    BinRange,
    Campaign,
    CaseChannel,
    Medium,
    PublicityCase,
    ServiceBank,
    Venue,
    VenueKind,
    VenueStatus,
)

# negotiating → piloting → issuing; any → suspended; suspended → piloting or issuing.
NEXT = {
    BankStatus.NEGOTIATING: {BankStatus.PILOTING, BankStatus.SUSPENDED},
    BankStatus.PILOTING: {BankStatus.ISSUING, BankStatus.SUSPENDED},
    BankStatus.ISSUING: {BankStatus.SUSPENDED},
    BankStatus.SUSPENDED: {BankStatus.PILOTING, BankStatus.ISSUING},
}


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise ServiceError.from_problems(problems)


def _snapshot(bank: ServiceBank) -> dict:
    return {
        "full_name": bank.full_name,
        "status": bank.status,
        "medium": bank.medium,
        "card_versions": list(bank.card_versions),
        "bins": [[b.low, b.high, b.card_version] for b in bank.bins.all()],
        "cities": [[c.region, c.since.isoformat()] for c in bank.cities.all()],
    }


def _check_bins(bank: ServiceBank | None, bins, problems: list[Problem]) -> list[tuple]:
    out = []
    for i, item in enumerate(bins or []):
        low, high, version = (list(item) + ["", "", ""])[:3]
        low, high = str(low).strip(), str(high).strip()
        field = f"bins[{i}]"
        if not (re.fullmatch(r"\d{6,10}", low) and re.fullmatch(r"\d{6,10}", high)):
            problems.append(Problem(E.BAD_BIN, f"BIN 号段 {low}–{high}：应为 6–10 位数字", field))
        elif len(low) != len(high) or low > high:
            problems.append(
                Problem(E.BAD_BIN, f"BIN 号段 {low}–{high}：起止位数相同且起不大于止", field)
            )
        else:
            out.append((low, high, str(version or "")[:10], field))
    for j, (low, high, _, field) in enumerate(out):
        for low2, high2, _, _ in out[j + 1 :]:
            if low <= high2 and low2 <= high:
                problems.append(
                    Problem(E.BIN_OVERLAP, f"BIN 号段 {low}–{high} 与 {low2}–{high2} 重叠", field)
                )
        others = BinRange.objects.filter(low__lte=high, high__gte=low)
        if bank is not None:
            others = others.exclude(bank=bank)
        clash = others.select_related("bank").first()
        if clash:
            problems.append(
                Problem(
                    E.BIN_OVERLAP,
                    f"BIN 号段 {low}–{high} 与{clash.bank.full_name}的 {clash.low}–{clash.high} 重叠",
                    field,
                )
            )
    return out


def _check_cities(cities, problems: list[Problem]) -> list[tuple[str, dt.date]]:
    out = []
    for i, item in enumerate(cities or []):
        region, since = (list(item) + ["", ""])[:2]
        region = str(region).strip()
        field = f"cities[{i}]"
        if not re.fullmatch(r"\d{6}", region) or rules.report_region(region) != region:
            problems.append(
                Problem(
                    E.BAD_REGION, f"合作地市 {region}：应为地市（或省本级）的 6 位区划代码", field
                )
            )
            continue
        if isinstance(since, str):
            try:
                since = dt.date.fromisoformat(since)
            except ValueError:
                problems.append(
                    Problem(E.BAD_DATE, f"合作地市 {region} 的起始日期应为 YYYY-MM-DD", field)
                )
                continue
        if not isinstance(since, dt.date):
            problems.append(Problem(E.BAD_DATE, f"合作地市 {region} 缺少起始日期", field))
            continue
        out.append((region, since))
    return out


def _check_bank_fields(full_name, medium, versions, problems):
    if not (full_name or "").strip():
        problems.append(Problem("required", "银行全称：必填", "full_name"))
    if medium not in Medium.values:
        problems.append(
            Problem(E.BAD_MEDIUM, "金融功能加载方式应为 chip、hidden_stripe 或 other", "medium")
        )
    if not isinstance(versions, list) or any(
        not str(v).strip() or len(str(v)) > 10 for v in versions
    ):
        problems.append(Problem(E.BAD_BIN, "卡版本：每项 1–10 个字符", "card_versions"))


def _replace_children(bank, bins, cities) -> None:
    if bins is not None:
        bank.bins.all().delete()
        BinRange.objects.bulk_create(
            [BinRange(bank=bank, low=lo, high=hi, card_version=v) for lo, hi, v, _ in bins]
        )
    if cities is not None:
        bank.cities.all().delete()
        BankCity.objects.bulk_create([BankCity(bank=bank, region=r, since=s) for r, s in cities])


@actions.atomic
def onboard_bank(
    org: Organisation,
    *,
    acting_user,
    full_name: str,
    medium: str,
    card_versions=(),
    bins=(),
    cities=(),
    contact: str = "",
    note: str = "",
    on: dt.date | None = None,
) -> ServiceBank:
    """建立服务银行档案: a bank organisation's record, in negotiation from ``on`` (today)."""
    ensure(acting_user, Action.BANK_ONBOARD, org)
    if org.kind != OrgKind.BANK:
        raise ServiceError(E.NOT_A_BANK, f"{org.name}不是合作银行机构", field="org")
    if ServiceBank.objects.filter(org=org).exists():
        raise ServiceError(E.BANK_EXISTS, f"{org.name}已建立服务银行档案", field="org")
    problems: list[Problem] = []
    versions = [str(v).strip() for v in card_versions]
    _check_bank_fields(full_name, medium, versions, problems)
    bin_rows = _check_bins(None, bins, problems)
    city_rows = _check_cities(cities, problems)
    _refuse(problems)
    day = on or timezone.localdate()
    bank = ServiceBank.objects.create(
        org=org,
        full_name=full_name.strip()[:100],
        medium=medium,
        card_versions=versions,
        onboarded_on=day,
        status_since=day,
        contact=contact[:100],
        note=note[:200],
    )
    _replace_children(bank, bin_rows, city_rows)
    actions.record(Action.BANK_ONBOARD, acting_user=acting_user, obj=bank, after=_snapshot(bank))
    return bank


@actions.atomic
def change_bank(bank_id: int, *, acting_user, **changes) -> ServiceBank:
    """修改服务银行档案: name, medium, versions, contact, note; ``bins`` and ``cities`` (when
    given) replace the lists."""
    bank = ServiceBank.objects.select_for_update().filter(pk=bank_id).first()
    if bank is None:
        raise NotFound("服务银行")
    ensure(acting_user, Action.BANK_CHANGE, bank.org)
    before = _snapshot(bank)
    problems: list[Problem] = []
    full_name = changes.get("full_name", bank.full_name)
    medium = changes.get("medium", bank.medium)
    versions = [str(v).strip() for v in changes.get("card_versions", bank.card_versions)]
    _check_bank_fields(full_name, medium, versions, problems)
    bins = changes.get("bins")
    cities = changes.get("cities")
    bin_rows = _check_bins(bank, bins, problems) if bins is not None else None
    city_rows = _check_cities(cities, problems) if cities is not None else None
    _refuse(problems)
    bank.full_name, bank.medium, bank.card_versions = full_name.strip()[:100], medium, versions
    bank.contact = changes.get("contact", bank.contact)[:100]
    bank.note = changes.get("note", bank.note)[:200]
    bank.save()
    _replace_children(bank, bin_rows, city_rows)
    actions.record(
        Action.BANK_CHANGE, acting_user=acting_user, obj=bank, before=before, after=_snapshot(bank)
    )
    return bank


@actions.atomic
def set_bank_status(bank_id: int, status: str, *, acting_user, on=None, reason="") -> ServiceBank:
    """服务银行状态变更 along the lifecycle (洽谈 → 试点 → 正式发卡; 暂停 and back)."""
    bank = ServiceBank.objects.select_for_update().filter(pk=bank_id).first()
    if bank is None:
        raise NotFound("服务银行")
    ensure(acting_user, Action.BANK_SET_STATUS, bank.org)
    if status not in NEXT.get(bank.status, set()):
        labels = dict(BankStatus.choices)
        raise ServiceError(
            E.BAD_STATUS,
            f"服务银行状态不能从“{labels.get(bank.status)}”变为“{labels.get(status, status)}”",
            field="status",
        )
    before = {"status": bank.status, "since": bank.status_since.isoformat()}
    bank.status, bank.status_since = status, on or timezone.localdate()
    bank.save(update_fields=["status", "status_since", "updated_at"])
    after = {"status": status, "since": bank.status_since.isoformat()}
    actions.record(
        Action.BANK_SET_STATUS,
        acting_user=acting_user,
        obj=bank,
        before=before,
        after=after,
        reason=reason,
    )
    return bank


# --- venues (摸排上报) -----------------------------------------------------------------------
VENUE_FIELDS = (
    "kind",
    "name",
    "merchant_code",
    "address",
    "division_code",
    "operator_name",
    "note",
)


def _check_venue(values: dict, pk=None) -> list[Problem]:
    problems = []
    if values.get("kind") not in VenueKind.values:
        problems.append(
            Problem(E.BAD_VENUE, "类型应为 canteen、convenience、coffee 或 other", "kind")
        )
    for name, label in (("name", "名称"), ("address", "地址")):
        if not (values.get(name) or "").strip():
            problems.append(Problem(E.BAD_VENUE, f"{label}：必填", name))
    if not re.fullmatch(r"\d{6}", values.get("division_code") or ""):
        problems.append(Problem(E.BAD_VENUE, "所在区划应为 6 位行政区划代码", "division_code"))
    code = (values.get("merchant_code") or "").strip()
    if len(code) > 32:
        problems.append(Problem(E.BAD_VENUE, "商户或场景代码不能超过 32 个字符", "merchant_code"))
    elif code and Venue.objects.filter(merchant_code=code).exclude(pk=pk).exists():
        problems.append(
            Problem(E.VENUE_CODE_TAKEN, f"商户或场景代码 {code} 已登记", "merchant_code")
        )
    return problems


def _nearest_bank(value):
    if value in (None, ""):
        return None
    bank = ServiceBank.objects.filter(
        Q(org__code=str(value)) | Q(pk=value if str(value).isdigit() else 0)
    ).first()
    if bank is None:
        raise ServiceError(E.BAD_VENUE, f"就近服务银行 {value} 不存在", field="nearest_bank")
    return bank


@actions.atomic
def register_venue(org: Organisation, *, acting_user, nearest_bank=None, **values) -> Venue:
    """摸排登记: an outlet (or its district, the centre) registers a canteen or merchant."""
    ensure(acting_user, Action.VENUE_REGISTER, org)
    values = {k: (values.get(k) or "").strip() for k in VENUE_FIELDS}
    values["division_code"] = values["division_code"] or org.division_code
    _refuse(_check_venue(values))
    venue = Venue.objects.create(org=org, nearest_bank=_nearest_bank(nearest_bank), **values)
    after = {**values, "org": org.code, "status": venue.status}
    actions.record(Action.VENUE_REGISTER, acting_user=acting_user, obj=venue, after=after)
    return venue


@actions.atomic
def change_venue(venue_id: int, *, acting_user, status: str | None = None, **changes) -> Venue:
    """Correct a venue, report it to the district (``status="reported"``), mark it active or
    closed."""
    ensure(acting_user, Action.VENUE_CHANGE)  # the role first: scope answers 404 below
    venue = (
        Venue.objects.select_for_update().filter(org_q(acting_user, "org__"), pk=venue_id).first()
    )
    if venue is None:
        raise NotFound("场景门店")
    ensure(acting_user, Action.VENUE_CHANGE, venue)
    before = {k: getattr(venue, k) for k in VENUE_FIELDS} | {"status": venue.status}
    values = {
        k: (changes[k] if changes.get(k) is not None else getattr(venue, k)) for k in VENUE_FIELDS
    }
    problems = _check_venue(values, venue.pk)
    if status is not None and status not in VenueStatus.values:
        problems.append(
            Problem(E.BAD_VENUE, "状态应为 surveyed、reported、active 或 closed", "status")
        )
    _refuse(problems)
    for k, v in values.items():
        setattr(venue, k, v.strip() if isinstance(v, str) else v)
    if "nearest_bank" in changes:
        venue.nearest_bank = _nearest_bank(changes["nearest_bank"])
    if status is not None and status != venue.status:
        venue.status = status
        if status == VenueStatus.REPORTED:
            venue.reported_at = timezone.now()
    venue.save()
    after = {k: getattr(venue, k) for k in VENUE_FIELDS} | {"status": venue.status}
    actions.record(
        Action.VENUE_CHANGE, acting_user=acting_user, obj=venue, before=before, after=after
    )
    return venue


# --- campaigns (优惠活动) ----------------------------------------------------------------------
def _campaign_values(values: dict, org: Organisation, user) -> tuple[dict, list, list[Problem]]:
    problems = []
    out = {
        "name": (values.get("name") or "").strip()[:100],
        "scenario": values.get("scenario"),
        "start": values.get("start"),
        "end": values.get("end"),
        "discount_kind": values.get("discount_kind"),
        "target_groups": list(values.get("target_groups") or []),
        "funder_other": (values.get("funder_other") or "").strip()[:100],
    }
    if not out["name"]:
        problems.append(Problem(E.BAD_CAMPAIGN, "活动名称：必填", "name"))
    if out["scenario"] not in VenueKind.values:
        problems.append(
            Problem(
                E.BAD_CAMPAIGN, "场景类型应为 canteen、convenience、coffee 或 other", "scenario"
            )
        )
    for name in ("start", "end"):
        if isinstance(out[name], str):
            try:
                out[name] = dt.date.fromisoformat(out[name])
            except ValueError:
                out[name] = None
        if not isinstance(out[name], dt.date):
            problems.append(Problem(E.BAD_CAMPAIGN, "活动日期应为 YYYY-MM-DD", name))
    if (
        isinstance(out["start"], dt.date)
        and isinstance(out["end"], dt.date)
        and out["start"] > out["end"]
    ):
        problems.append(Problem(E.BAD_CAMPAIGN, "结束日期不能早于开始日期", "end"))
    for name in ("discount_value", "discount_threshold", "discount_cap", "budget"):
        raw = values.get(name)
        if raw in (None, ""):
            out[name] = None if name == "discount_cap" else Decimal("0")
            continue
        try:
            out[name] = Decimal(str(raw)).quantize(Decimal("0.01"))
            if not out[name].is_finite() or abs(out[name]) >= Decimal("1e8"):
                raise InvalidOperation
        except InvalidOperation:
            problems.append(Problem(E.BAD_CAMPAIGN, "金额应为小于一亿的数字", name))
            out[name] = Decimal("0")
    for name, message in rules.check_rule(
        out["discount_kind"], out["discount_value"], out["discount_threshold"], out["discount_cap"]
    ):
        problems.append(Problem(E.BAD_CAMPAIGN, message, name))
    if out["budget"] < 0:
        problems.append(Problem(E.BAD_CAMPAIGN, "预算不能为负", "budget"))
    bad = [g for g in out["target_groups"] if g not in rules.AGE_GROUP_LABELS]
    if bad:
        problems.append(
            Problem(
                E.BAD_CAMPAIGN,
                f"目标人群 {'、'.join(map(str, bad))} 未定义（elderly、child、young、adult）",
                "target_groups",
            )
        )
    funder = values.get("funder")
    out["funder"] = None
    if funder not in (None, ""):
        out["funder"] = ServiceBank.objects.filter(org__code=str(funder)).first()
        if out["funder"] is None:
            problems.append(Problem(E.BAD_CAMPAIGN, f"出资银行 {funder} 不是服务银行", "funder"))
    venue_ids = values.get("venues")
    venues = []
    if venue_ids is not None:
        ids = [int(v) for v in venue_ids if str(v).isdigit()]
        venues = list(Venue.objects.filter(pk__in=ids, org__path__startswith=org.path))
        if len(venues) != len(set(ids)) or len(ids) != len(venue_ids):
            problems.append(
                Problem(E.VENUE_OUT_OF_SCOPE, "参与门店须为组织单位辖区内已登记的门店", "venues")
            )
        elif any(v.kind != out["scenario"] for v in venues):
            problems.append(Problem(E.BAD_CAMPAIGN, "参与门店的类型须与活动场景一致", "venues"))
    return out, (venues if venue_ids is not None else None), problems


def _campaign_after(c: Campaign) -> dict:
    return {
        "name": c.name,
        "scenario": c.scenario,
        "start": c.start.isoformat(),
        "end": c.end.isoformat(),
        "rule": [
            c.discount_kind,
            str(c.discount_value),
            str(c.discount_threshold),
            str(c.discount_cap),
        ],
        "budget": str(c.budget),
        "target_groups": c.target_groups,
        "funder": c.funder.org.code if c.funder_id else c.funder_other,
        "venues": sorted(c.venues.values_list("pk", flat=True)),
    }


@actions.atomic
def create_campaign(org: Organisation, *, acting_user, **values) -> Campaign:
    """新建优惠活动 of the centre or a district (``org``)."""
    ensure(acting_user, Action.CAMPAIGN_CREATE, org)
    if org.kind not in (OrgKind.CENTRE, OrgKind.CITY, OrgKind.DISTRICT):
        raise ServiceError(E.BAD_CAMPAIGN, "优惠活动由市卡中心或区组织", field="org")
    fields, venues, problems = _campaign_values(values, org, acting_user)
    _refuse(problems)
    campaign = Campaign.objects.create(org=org, **fields)
    if venues:
        campaign.venues.set(venues)
    actions.record(
        Action.CAMPAIGN_CREATE,
        acting_user=acting_user,
        obj=campaign,
        after=_campaign_after(campaign),
    )
    return campaign


@actions.atomic
def change_campaign(campaign_id: int, *, acting_user, **changes) -> Campaign:
    """修改优惠活动: any field; ``venues`` (ids) replaces the participating venues."""
    ensure(acting_user, Action.CAMPAIGN_CHANGE)  # the role first: scope answers 404 below
    campaign = (
        Campaign.objects.select_for_update()
        .filter(org_q(acting_user, "org__"), pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise NotFound("优惠活动")
    ensure(acting_user, Action.CAMPAIGN_CHANGE, campaign)
    before = _campaign_after(campaign)
    merged = {**before, "funder": campaign.funder.org.code if campaign.funder_id else None,
              "funder_other": campaign.funder_other, "discount_kind": campaign.discount_kind,
              "discount_value": campaign.discount_value, "discount_threshold": campaign.discount_threshold,
              "discount_cap": campaign.discount_cap, "venues": None}  # fmt: skip
    merged.update({k: v for k, v in changes.items() if v is not None})
    fields, venues, problems = _campaign_values(merged, campaign.org, acting_user)
    _refuse(problems)
    for k, v in fields.items():
        setattr(campaign, k, v)
    campaign.save()
    if venues is not None:
        campaign.venues.set(venues)
    actions.record(
        Action.CAMPAIGN_CHANGE,
        acting_user=acting_user,
        obj=campaign,
        before=before,
        after=_campaign_after(campaign),
    )
    return campaign


# --- publicity cases (宣传案例展示) -------------------------------------------------------------
@actions.atomic
def submit_case(
    org: Organisation,
    *,
    acting_user,
    title: str,
    text: str,
    channel: str,
    partner: str = "",
    image=None,
) -> PublicityCase:
    ensure(acting_user, Action.CASE_SUBMIT, org)
    problems = []
    if not (title or "").strip():
        problems.append(Problem(E.BAD_CASE, "标题：必填", "title"))
    if not (text or "").strip():
        problems.append(Problem(E.BAD_CASE, "案例内容：必填", "text"))
    if channel not in CaseChannel.values:
        problems.append(
            Problem(E.BAD_CASE, "传播渠道应为 new_media、community、offline 或 other", "channel")
        )
    _refuse(problems)
    case = PublicityCase(
        org=org, title=title.strip()[:100], text=text.strip(), channel=channel, partner=(partner or "")[:100],
        submitted_by=acting_user if getattr(acting_user, "pk", None) else None,
    )  # fmt: skip
    if image is not None:
        case.image.save(getattr(image, "name", "case.jpg"), image, save=False)
    case.save()
    after = {"title": case.title, "channel": channel, "org": org.code, "image": bool(case.image)}
    actions.record(Action.CASE_SUBMIT, acting_user=acting_user, obj=case, after=after)
    return case


@actions.atomic
def select_case(case_id: int, *, acting_user, note: str = "") -> PublicityCase:
    """推选: the centre selects a case for the showcase."""
    ensure(acting_user, Action.CASE_SELECT)  # the role first: scope answers 404 below
    case = PublicityCase.objects.select_for_update().filter(pk=case_id).first()
    if case is None or not visible_orgs(acting_user).filter(pk=case.org_id).exists():
        raise NotFound("宣传案例")
    ensure(acting_user, Action.CASE_SELECT, case)
    if case.selected:
        raise ServiceError(E.ALREADY_SELECTED, "该案例已推选", field="case")
    case.selected, case.selected_at, case.selection_note = True, timezone.now(), (note or "")[:200]
    case.save(update_fields=["selected", "selected_at", "selection_note"])
    actions.record(
        Action.CASE_SELECT,
        acting_user=acting_user,
        obj=case,
        after={"selected": True, "note": case.selection_note},
    )
    return case
