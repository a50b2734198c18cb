"""Banks and card usage endpoints (合作银行与用卡): translate HTTP to the services and queries.

GET  /api/usage/coverage?period=YYYYQn[&region&bank]   the ``sbk usage coverage`` contract
POST /api/usage/imports          ``{"name", "csv", "dry_run"}`` a usage file, all or nothing
GET  /api/usage/banks            service banks (a bank's staff: their own)
POST /api/usage/banks            onboard ``{"org", "full_name", "medium", …}``
POST /api/usage/banks/{id}       change (``bins``/``cities`` replace the lists)
POST /api/usage/banks/{id}/status ``{"status", "reason"}``
GET  /api/usage/banks/{id}/quality?start&end   quality supervision per outlet
GET/POST /api/usage/venues, POST /api/usage/venues/{id}    canteens and merchants (摸排上报)
GET/POST /api/usage/campaigns, POST /api/usage/campaigns/{id}, GET …/{id}/figures
GET  /api/usage/campaign-figures?district&start&end   the evaluation's canteen sub-items
GET/POST /api/usage/cases, POST /api/usage/cases/{id}/select   publicity cases

Every mutating call goes through ``sbk.core.idempotency.run`` (Idempotency-Key); every read
is scoped (a record outside the caller's scope is a 404).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Router, Schema, Status

from sbk.core import idempotency
from sbk.core.api_types import ErrorOut, Int64, IsoDate
from sbk.core.errors import NotFound, ServiceError
from sbk.orgs.models import Organisation, OrgKind
from sbk.orgs.scope import visible_orgs
from sbk.reports.periods import Period

from . import queries, services
from .errors import UsageErrorCode as E
from .importer import import_usage
from .models import Campaign, ServiceBank, Venue

router = Router(tags=["合作银行与用卡"])


class UsageAreaOut(Schema):
    in_province_cross_city: int
    cross_province: int
    other: int


class UsageCoverageOut(Schema):
    period: str
    holders: int
    payers: int
    payer_coverage: str
    beneficiaries: int
    benefit_coverage: str
    area: UsageAreaOut


class UsageImportIn(Schema):
    name: str = "usage.csv"
    csv: str
    dry_run: bool = False


class UsageImportOut(Schema):
    file: str
    rows: int
    new_rows: int
    known_rows: int
    dry_run: bool
    batch: int | None


class BankIn(Schema):
    org: str
    full_name: str
    medium: str
    card_versions: list[str] = []
    bins: list[list[str]] = []
    cities: list[list[str]] = []
    contact: str = ""
    note: str = ""


class BankChangeIn(Schema):
    full_name: str | None = None
    medium: str | None = None
    card_versions: list[str] | None = None
    bins: list[list[str]] | None = None
    cities: list[list[str]] | None = None
    contact: str | None = None
    note: str | None = None


class BankStatusIn(Schema):
    status: str = ""  # negotiating, piloting, issuing, suspended (an empty one is refused)
    reason: str = ""


class BankOut(Schema):
    id: int
    org: str
    name: str
    full_name: str
    status: str
    status_since: str
    medium: str
    card_versions: list[str]
    bins: list[list[str]]
    cities: list[list[str]]
    outlets: list[str]


class VenueIn(Schema):
    org: str
    kind: str
    name: str
    address: str
    merchant_code: str = ""
    division_code: str = ""
    operator_name: str = ""
    nearest_bank: str = ""
    note: str = ""


class VenueChangeIn(Schema):
    status: str | None = None
    name: str | None = None
    address: str | None = None
    merchant_code: str | None = None
    operator_name: str | None = None
    note: str | None = None


class VenueOut(Schema):
    id: int
    org: str
    kind: str
    name: str
    merchant_code: str
    address: str
    division_code: str
    operator_name: str
    nearest_bank: str | None
    status: str


class CampaignIn(Schema):
    org: str
    name: str
    scenario: str
    start: IsoDate
    end: IsoDate
    discount_kind: str
    discount_value: str
    discount_threshold: str = "0"
    discount_cap: str | None = None
    budget: str = "0"
    target_groups: list[str] = []
    funder: str = ""
    funder_other: str = ""
    venues: list[Int64] = []


class CampaignChangeIn(Schema):
    name: str | None = None
    start: IsoDate | None = None
    end: IsoDate | None = None
    discount_kind: str | None = None
    discount_value: str | None = None
    budget: str | None = None
    target_groups: list[str] | None = None
    venues: list[Int64] | None = None


class CampaignOut(Schema):
    id: int
    org: str
    name: str
    scenario: str
    start: str
    end: str
    discount_kind: str
    discount_value: str
    budget: str
    target_groups: list[str]
    funder: str
    venues: list[int]


class UsageFiguresOut(Schema):
    uses: int
    discount_total: str
    average_discount: float | None
    holders_reached: int
    holders_by_age_group: dict[str, int]


class CampaignFiguresOut(UsageFiguresOut):
    district: str
    start: str
    end: str
    canteens: int
    canteens_taking_part: int
    canteen_coverage: float | None


class CampaignSummaryOut(UsageFiguresOut):
    campaign: int
    registered: int
    taking_part: int
    coverage: float | None


class QualityOut(Schema):
    bank: str
    start: str
    end: str
    limit_days: int
    total: dict
    outlets: list[dict]


class CaseIn(Schema):
    org: str
    title: str
    text: str
    channel: str
    partner: str = ""


class CaseSelectIn(Schema):
    note: str = ""


class CaseOut(Schema):
    id: int
    org: str
    title: str
    channel: str
    selected: bool
    submitted_at: str


def _org(user, code: str) -> Organisation:
    org = visible_orgs(user).filter(code=code).first()
    if org is None:
        raise NotFound("机构")
    return org


def _mutate(request, payload, act):
    return idempotency.run(request, payload.model_dump(mode="json"), act)


def _bank_out(b: ServiceBank) -> dict:
    return {
        "id": b.pk,
        "org": b.org.code,
        "name": b.org.name,
        "full_name": b.full_name,
        "status": b.status,
        "status_since": b.status_since.isoformat(),
        "medium": b.medium,
        "card_versions": list(b.card_versions),
        "bins": [[x.low, x.high, x.card_version] for x in b.bins.all()],
        "cities": [[c.region, c.since.isoformat()] for c in b.cities.all()],
        "outlets": list(b.org.bank_outlets.order_by("code").values_list("code", flat=True)),
    }


def _venue_out(v: Venue) -> dict:
    return {
        "id": v.pk,
        "org": v.org.code,
        "kind": v.kind,
        "name": v.name,
        "merchant_code": v.merchant_code,
        "address": v.address,
        "division_code": v.division_code,
        "operator_name": v.operator_name,
        "nearest_bank": v.nearest_bank.org.code if v.nearest_bank_id else None,
        "status": v.status,
    }


def _campaign_out(c: Campaign) -> dict:
    return {
        "id": c.pk,
        "org": c.org.code,
        "name": c.name,
        "scenario": c.scenario,
        "start": c.start.isoformat(),
        "end": c.end.isoformat(),
        "discount_kind": c.discount_kind,
        "discount_value": str(c.discount_value),
        "budget": str(c.budget),
        "target_groups": list(c.target_groups),
        "funder": c.funder.org.code if c.funder_id else c.funder_other,
        "venues": sorted(c.venues.values_list("pk", flat=True)),
    }


def _case_out(c) -> dict:
    return {
        "id": c.pk,
        "org": c.org.code,
        "title": c.title,
        "channel": c.channel,
        "selected": c.selected,
        "submitted_at": c.submitted_at.isoformat(),
    }


# --- coverage and imports --------------------------------------------------------------------
@router.get("/coverage", response={200: UsageCoverageOut, 404: ErrorOut})
def coverage(request, period: str, region: str = "", bank: str = ""):
    """持卡缴费/领取待遇人群覆盖率 at a quarter's end and the quarter's usage areas."""
    try:
        p = Period.parse(period)
    except ValueError:
        raise ServiceError(E.BAD_PERIOD, "期别应为 YYYYQn", field="period") from None
    if not p.quarterly:
        raise ServiceError(E.BAD_PERIOD, "期别应为季度 YYYYQn", field="period")
    bank_org = None
    if bank:
        bank_org = Organisation.objects.filter(code=bank, kind=OrgKind.BANK).first()
        if bank_org is None:
            raise NotFound("合作银行")
    held = queries.coverage_scope(request.auth, region or None, bank_org)
    if held is None:
        raise NotFound("统计范围")
    return queries.coverage_contract(p, *held)


@router.post("/imports", response={201: UsageImportOut})
def import_file(request, payload: UsageImportIn):
    """导入用卡记录 (CSV text): all rows or none; re-importing known row keys changes nothing."""
    user = request.auth

    def act():
        result = import_usage(
            payload.csv.encode(), acting_user=user, name=payload.name, dry_run=payload.dry_run
        )
        return 201, result.as_dict()

    return Status(*_mutate(request, payload, act))


# --- banks -------------------------------------------------------------------------------------
def _bank(user, bank_id: int) -> ServiceBank:
    bank = queries.banks_for(user).filter(pk=bank_id).first()
    if bank is None:
        raise NotFound("服务银行")
    return bank


@router.get("/banks", response=list[BankOut])
def banks(request):
    """服务银行 with their lifecycle, versions, BIN ranges, cities and outlets."""
    qs = queries.banks_for(request.auth).prefetch_related("bins", "cities")
    return [_bank_out(b) for b in qs[:500]]


@router.post("/banks", response={201: BankOut})
def onboard(request, payload: BankIn):
    """建立服务银行档案 for a bank organisation."""
    user = request.auth

    def act():
        values = payload.model_dump()
        org = _org(user, values.pop("org"))
        bank = services.onboard_bank(org, acting_user=user, **values)
        return 201, _bank_out(bank)

    return Status(*_mutate(request, payload, act))


@router.post("/banks/{bank_id}", response=BankOut)
def change(request, bank_id: Int64, payload: BankChangeIn):
    """修改服务银行档案."""
    user = request.auth

    def act():
        changes = {k: v for k, v in payload.model_dump().items() if v is not None}
        bank = services.change_bank(_bank(user, bank_id).pk, acting_user=user, **changes)
        return 200, _bank_out(bank)

    return _mutate(request, payload, act)[1]


@router.post("/banks/{bank_id}/status", response=BankOut)
def set_status(request, bank_id: Int64, payload: BankStatusIn):
    """服务银行状态变更 (negotiating → piloting → issuing; suspended)."""
    user = request.auth

    def act():
        bank = services.set_bank_status(
            _bank(user, bank_id).pk, payload.status, acting_user=user, reason=payload.reason
        )
        return 200, _bank_out(bank)

    return _mutate(request, payload, act)[1]


@router.get("/banks/{bank_id}/quality", response=QualityOut)
def quality(request, bank_id: Int64, start: IsoDate | None = None, end: IsoDate | None = None):
    """质量监督: production time against the 7-day limit, interceptions, refusals, unclaimed
    cards and complaints (the operations app's work orders), per outlet; the last 90 days by default."""
    bank = _bank(request.auth, bank_id)
    end = end or timezone.localdate()
    start = start or end - dt.timedelta(days=90)
    return queries.quality(bank.org, start, end, request.auth)


# --- venues, campaigns, cases -----------------------------------------------------------------
@router.get("/venues", response=list[VenueOut])
def venues(request, kind: str = ""):
    qs = queries.venues_for(request.auth)
    if kind:
        qs = qs.filter(kind=kind)
    return [_venue_out(v) for v in qs.select_related("nearest_bank__org")[:500]]


@router.post("/venues", response={201: VenueOut})
def register_venue(request, payload: VenueIn):
    """摸排登记 a community canteen or a small-amount merchant."""
    user = request.auth

    def act():
        values = payload.model_dump()
        org = _org(user, values.pop("org"))
        return 201, _venue_out(services.register_venue(org, acting_user=user, **values))

    return Status(*_mutate(request, payload, act))


@router.post("/venues/{venue_id}", response=VenueOut)
def change_venue(request, venue_id: Int64, payload: VenueChangeIn):
    """Correct a venue or move its status (``reported``: 上报到区)."""
    user = request.auth

    def act():
        venue = services.change_venue(venue_id, acting_user=user, **payload.model_dump())
        return 200, _venue_out(venue)

    return _mutate(request, payload, act)[1]


@router.get("/campaigns", response=list[CampaignOut])
def campaigns(request):
    return [_campaign_out(c) for c in queries.campaigns_for(request.auth)[:500]]


@router.post("/campaigns", response={201: CampaignOut})
def create_campaign(request, payload: CampaignIn):
    """新建优惠活动."""
    user = request.auth

    def act():
        values = payload.model_dump()
        org = _org(user, values.pop("org"))
        return 201, _campaign_out(services.create_campaign(org, acting_user=user, **values))

    return Status(*_mutate(request, payload, act))


@router.post("/campaigns/{campaign_id}", response=CampaignOut)
def change_campaign(request, campaign_id: Int64, payload: CampaignChangeIn):
    user = request.auth

    def act():
        c = services.change_campaign(campaign_id, acting_user=user, **payload.model_dump())
        return 200, _campaign_out(c)

    return _mutate(request, payload, act)[1]


@router.get("/campaigns/{campaign_id}/figures", response=CampaignSummaryOut)
def campaign_summary(request, campaign_id: Int64, district: str = ""):
    """One campaign: coverage of its scenario's venues, uses, holders by age, average discount."""
    campaign = queries.campaigns_for(request.auth).filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound("优惠活动")
    ground = _org(request.auth, district) if district else None
    return queries.campaign_summary(campaign, ground)


@router.get("/campaign-figures", response={200: CampaignFiguresOut, 404: ErrorOut})
def campaign_figures(request, district: str, start: IsoDate, end: IsoDate):
    """A district's canteen campaigns in a period (the evaluation's sub-items)."""
    org = _org(request.auth, district)
    if org.kind != OrgKind.DISTRICT:
        raise NotFound("区")
    return queries.campaign_figures(org, start, end)


@router.get("/cases", response=list[CaseOut])
def cases(request, selected: bool | None = None):
    qs = queries.cases_for(request.auth)
    if selected is not None:
        qs = qs.filter(selected=selected)
    return [_case_out(c) for c in qs[:500]]


@router.post("/cases", response={201: CaseOut})
def submit_case(request, payload: CaseIn):
    """提交宣传案例 (text; images through the console)."""
    user = request.auth

    def act():
        values = payload.model_dump()
        org = _org(user, values.pop("org"))
        return 201, _case_out(services.submit_case(org, acting_user=user, **values))

    return Status(*_mutate(request, payload, act))


@router.post("/cases/{case_id}/select", response=CaseOut)
def select_case(request, case_id: Int64, payload: CaseSelectIn):
    """推选 a case (the centre)."""
    user = request.auth

    def act():
        return 200, _case_out(services.select_case(case_id, acting_user=user, note=payload.note))

    return _mutate(request, payload, act)[1]
