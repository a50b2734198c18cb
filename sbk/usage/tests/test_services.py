"""Banks (lifecycle, BIN ranges, cities), venues, campaigns and their figures, cases; scope;
quality supervision; the CLI contract."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from sbk.core.actors import SYSTEM
from sbk.core.errors import Forbidden, NotFound, ServiceError
from sbk.operations.services.orders import new_order
from sbk.orgs.models import OrgKind
from sbk.testing import org
from sbk.usage import queries, services
from sbk.usage.models import ServiceBank

from .helpers import cards, load, usage_csv

pytestmark = pytest.mark.django_db


def test_bank_lifecycle_bins_and_cities(place):
    bank = place.record
    with pytest.raises(ServiceError) as caught:
        services.set_bank_status(bank.pk, "issuing", acting_user=place.city)
    assert caught.value.code == "bad_status"
    services.set_bank_status(bank.pk, "piloting", acting_user=place.city)
    services.set_bank_status(bank.pk, "issuing", acting_user=place.city)
    assert ServiceBank.objects.get(pk=bank.pk).status == "issuing"
    with pytest.raises(ServiceError) as caught:
        services.onboard_bank(
            place.bank2, acting_user=place.city, full_name="第二银行", medium="chip",
            bins=[["621050", "621150", "3.0"], ["1234", "12345"]], cities=[["310112", "x"]],
        )  # fmt: skip
    codes = {p.code for p in caught.value.problems}
    assert codes == {"bin_overlap", "bad_bin", "bad_date"}
    with pytest.raises(Forbidden):
        services.change_bank(bank.pk, acting_user=place.admin, note="x")
    changed = services.change_bank(
        bank.pk, acting_user=place.city, cities=[["310115", "2026-01-01"]]
    )
    assert [c.region for c in changed.cities.all()] == ["310115"]
    assert queries.bank_cities(dt.date(2025, 12, 31)) == {}


def test_a_bank_operator_sees_its_own_bank_only(place):
    services.onboard_bank(place.bank2, acting_user=SYSTEM, full_name="第二银行", medium="other")
    assert [b.org for b in queries.banks_for(place.banker)] == [place.bank]
    assert [b.org for b in queries.banks_for(place.admin)] == [
        place.bank
    ]  # an outlet on its ground
    assert [b.org for b in queries.banks_for(place.admin_b)] == []
    assert queries.banks_for(place.city).count() == 2
    assert queries.coverage_scope(place.banker, None, place.bank2) is None
    assert queries.coverage_scope(place.admin, None, None) == ("310112", None)
    assert queries.coverage_scope(place.admin, "310115", None) is None


def test_venues_campaign_figures_and_scope(place, tmp_path):
    cards(
        tmp_path,
        [
            ("SC0000001", "310112", "测试银行", "2026-01-05"),
            ("SC0000002", "310112", "", "2026-01-05"),
        ],
    )
    canteen = services.register_venue(
        place.outlet, acting_user=place.operator, kind="canteen", name="长者食堂",
        address="测试路1号", merchant_code="M001", nearest_bank="BANK1",
    )  # fmt: skip
    services.register_venue(
        place.outlet,
        acting_user=place.operator,
        kind="canteen",
        name="二号食堂",
        address="测试路2号",
    )
    with pytest.raises(ServiceError) as caught:
        services.register_venue(
            place.outlet,
            acting_user=place.operator,
            kind="canteen",
            name="",
            address="x",
            merchant_code="M001",
        )
    assert {p.field for p in caught.value.problems} == {"name", "merchant_code"}
    with pytest.raises(NotFound):
        services.change_venue(canteen.pk, acting_user=place.admin_b, status="reported")
    services.change_venue(canteen.pk, acting_user=place.operator, status="reported")
    campaign = services.create_campaign(
        place.district, acting_user=place.admin, name="食堂九折", scenario="canteen",
        start="2026-03-01", end="2026-03-31", discount_kind="percent", discount_value="10",
        discount_cap="3", target_groups=["elderly"], venues=[canteen.pk],
    )  # fmt: skip
    load(
        [
            ("SC0000001", "2026-03-02 12:00", "merchant", "20.00", "M001", "310112", "a"),
            ("SC0000001", "2026-03-03 12:00", "merchant", "50.00", "M001", "310112", "b"),
            ("SC0000002", "2026-04-03 12:00", "merchant", "50.00", "M001", "310112", "late"),
        ]
    )
    got = queries.campaign_figures(place.district, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert got["canteen_coverage"] == 50.0 and got["uses"] == 2
    assert got["average_discount"] == 2.5  # (2.00 + 3 capped) / 2
    assert sum(got["holders_by_age_group"].values()) == 1
    empty = queries.campaign_figures(place.other, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert empty["canteen_coverage"] is None and empty["average_discount"] is None
    assert list(queries.campaigns_for(place.operator)) == [campaign]
    assert list(queries.campaigns_for(place.admin_b)) == []


def test_cases_are_submitted_and_selected_by_the_centre(place):
    case = services.submit_case(
        place.outlet, acting_user=place.operator, title="进社区", text="内容", channel="community"
    )
    with pytest.raises(Forbidden):
        services.select_case(case.pk, acting_user=place.admin)
    services.select_case(case.pk, acting_user=place.city)
    with pytest.raises(ServiceError) as caught:
        services.select_case(case.pk, acting_user=place.city)
    assert caught.value.code == "already_selected"
    assert list(queries.cases_for(place.admin_b)) == []


def test_quality_counts_unclaimed_cards_and_the_complaints_operations_records(place, tmp_path):
    from sbk.cards.models import Card

    cards(tmp_path, [("SC0000009", "310112", "测试银行", "2026-01-05")])
    Card.objects.filter(card_no="SC0000009").update(org=place.bank_outlet, status="unclaimed")
    other_outlet = org(
        "BOB1", OrgKind.BANK_OUTLET, "310115", place.other, bank=place.bank, name="B银行网点"
    )
    second_bank_outlet = org(
        "B2A1", OrgKind.BANK_OUTLET, "310112", place.district, bank=place.bank2, name="二行网点"
    )
    today = timezone.localdate()
    now = timezone.now()
    for outlet, days_ago, source in (
        (place.bank_outlet, 3, "counter"),
        (place.bank_outlet, 10, "bad_review"),
        (place.bank_outlet, 45, "hotline"),  # before the period
        (other_outlet, 1, "letter"),
        (second_bank_outlet, 2, "counter"),  # another bank's outlet
        (place.outlet, 2, "counter"),  # a community outlet: no bank's
    ):
        new_order(
            acting_user=SYSTEM, source=source, org=outlet, subject="办卡投诉",
            received_at=now - dt.timedelta(days=days_ago),
        )  # fmt: skip
    got = queries.quality(place.bank, today - dt.timedelta(days=30), today)
    assert got["total"]["unclaimed"] == 1 and got["total"]["complaints"] == 3
    by_code = {r["code"]: r["complaints"] for r in got["outlets"]}
    assert by_code == {"BOA1": 2, "BOB1": 1}
    # A district sees its own ground's outlets only; the other bank counts its own.
    mine = queries.quality(place.bank, today - dt.timedelta(days=30), today, user=place.admin)
    assert {r["code"]: r["complaints"] for r in mine["outlets"]} == {"BOA1": 2}
    second = queries.quality(place.bank2, today - dt.timedelta(days=30), today)
    assert second["total"]["complaints"] == 1


def test_the_cli_contract(place, tmp_path):
    cards(tmp_path, [("SC0000001", "310112", "测试银行", "2026-01-05")])
    path = tmp_path / "u.csv"
    path.write_bytes(
        usage_csv([("SC0000001", "2026-02-01 09:00", "pay_medical", "1", "", "440300", "x1")])
    )
    out = io.StringIO()
    call_command("usage", "import", str(path), "--dry-run", stdout=out)
    call_command("usage", "import", str(path), stdout=out)
    out = io.StringIO()
    call_command("usage", "coverage", "--period", "2026Q1", "--json", stdout=out)
    got = json.loads(out.getvalue())
    assert got == {
        "period": "2026Q1", "holders": 1, "payers": 1, "payer_coverage": "100.00",
        "beneficiaries": 0, "benefit_coverage": "0.00",
        "area": {"in_province_cross_city": 0, "cross_province": 1, "other": 0},
    }  # fmt: skip
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        usage_csv([("NOPE00001", "2026-02-01 09:00", "pay_medical", "1", "", "440300", "x2")])
    )
    with pytest.raises(Exception, match="rows_refused"):
        call_command("usage", "import", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
    assert "unknown_card" in (tmp_path / "bad.csv.errors.csv").read_text(encoding="utf-8")


def test_a_new_bank_needs_no_code(place):
    org_ = org("BANK9", OrgKind.BANK, "310000", place.centre, name="新银行")
    record = services.onboard_bank(
        org_, acting_user=place.city, full_name="新银行股份有限公司", medium="hidden_stripe"
    )
    assert record.status == "negotiating"
    with pytest.raises(ServiceError) as caught:
        services.onboard_bank(place.outlet, acting_user=place.city, full_name="x", medium="chip")
    assert caught.value.code == "not_a_bank"
