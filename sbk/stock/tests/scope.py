"""District B's stock objects for the route-scope tests (``sbk/tests/test_scope_routes.py``)."""

from sbk.core.actors import SYSTEM
from sbk.stock import services
from sbk.stock.models import Serial


def objects_of_b(world) -> dict:
    held = list(
        Serial.objects.filter(org=world.outlet_b, state="stock")
        .order_by("serial")
        .values_list("serial", flat=True)
    )
    take = services.count_stock(
        world.outlet_b, acting_user=SYSTEM, item="blank", qty=len(held) - 1, serials=held[1:]
    )
    return {"serial": held[0], "discrepancy_id": take.discrepancy.pk}
