"""District B's bank and usage objects for the route-scope tests
(``sbk/tests/test_scope_routes.py``): a bank with its only outlet in district B, a venue,
a campaign and a publicity case of district B."""

from sbk.core.actors import SYSTEM
from sbk.orgs.models import OrgKind
from sbk.testing import org
from sbk.usage import services
from sbk.usage.models import PublicityCase


def objects_of_b(world) -> dict:
    bank = org("BANKB", OrgKind.BANK, "310000", world.centre, name="B区银行")
    org("BOBB", OrgKind.BANK_OUTLET, "310115", world.district_b, bank=bank, name="B区银行网点")
    record = services.onboard_bank(bank, acting_user=SYSTEM, full_name="B区银行", medium="chip")
    venue = services.register_venue(
        world.outlet_b, acting_user=world.admin_b, kind="canteen", name="B食堂", address="B路"
    )
    campaign = services.create_campaign(
        world.district_b, acting_user=world.admin_b, name="B活动", scenario="canteen",
        start="2026-01-01", end="2026-12-31", discount_kind="fixed", discount_value="2",
    )  # fmt: skip
    case = PublicityCase.objects.create(
        org=world.outlet_b, title="B案例", text="x", channel="other"
    )
    return {
        "bank_id": record.pk,
        "venue_id": venue.pk,
        "campaign_id": campaign.pk,
        "case_id": case.pk,
    }
