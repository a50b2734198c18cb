"""The console pages and the API, a few calls each: scope, forms with their errors, the
renewal export."""

import io

import pytest
from openpyxl import load_workbook

from sbk.accounts.models import ApiToken
from sbk.operations import services
from sbk.operations.models import WorkOrder
from sbk.testing import login

from .helpers import at

pytestmark = pytest.mark.django_db
PAGES = ["orders", "trainings", "equipment", "info", "sampling", "assessments", "indicators"]


def _bearer(u):
    raw = f"ops-{u.username}-" + "x" * 30
    ApiToken.objects.create(user=u, name="t", digest=ApiToken.digest_of(raw))
    return {"Authorization": f"Bearer {raw}"}


def test_every_page_answers_for_the_district_and_the_outlet(client, ops):
    for u in (ops.city_admin, ops.admin_a, ops.operator_a):
        login(client, u)
        for name in PAGES:
            r = client.get(f"/operations/{name}/")
            assert r.status_code == 200, (u, name)
    assert "运营记录" in client.get("/operations/orders/").content.decode()


def test_order_lists_are_scoped_and_a_form_error_sits_by_its_field(client, ops):
    o = services.create_order(
        acting_user=ops.admin_a,
        org=ops.district_a,
        source="counter",
        subject="A区投诉",
        received_at=at("2026-03-02", 9),
    )
    login(client, ops.admin_b)
    assert "A区投诉" not in client.get("/operations/orders/").content.decode()
    assert client.get(f"/operations/orders/view/?id={o.pk}").status_code == 404
    login(client, ops.admin_a)
    page = client.get(f"/operations/orders/view/?id={o.pk}").content.decode()
    assert "A区投诉" in page and "派单" in page
    r = client.post(f"/operations/orders/view/?id={o.pk}", {"do": "dispatch", "outlet": "OB1"})
    assert r.status_code == 400
    assert (
        'id="dispatch-outlet"' in r.content.decode()
        and "不存在或不在管辖范围内" in r.content.decode()
    )
    r = client.post(f"/operations/orders/view/?id={o.pk}", {"do": "dispatch", "outlet": "OA1"})
    assert r.status_code == 302 and WorkOrder.objects.get(pk=o.pk).state == "dispatched"
    # the outlet cannot dispatch: the form is not even offered
    login(client, ops.operator_a)
    r = client.post(f"/operations/orders/view/?id={o.pk}", {"do": "close"})
    assert r.status_code == 302 and WorkOrder.objects.get(pk=o.pk).state == "dispatched"


def test_renewal_export_csv_and_xlsx(client, ops):
    services.register_device(
        acting_user=ops.admin_a,
        org=ops.outlet_a,
        kind="printer",
        model="旧制卡机",
        purchase_date="2018-01-01",
    )
    login(client, ops.admin_a)
    r = client.get("/operations/equipment/renewals/?org=DA&at=2026-06-30")
    assert r.status_code == 200 and "旧制卡机" in r.content.decode("utf-8-sig")
    r = client.get("/operations/equipment/renewals/?org=DA&at=2026-06-30&format=xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.cell(2, 4).value == "旧制卡机"
    assert client.get("/operations/equipment/renewals/?org=DB").status_code == 404


def test_api_orders_transition_and_scope(client, ops):
    h = _bearer(ops.admin_a)
    r = client.post(
        "/api/operations/orders",
        {"source": "hotline", "org": "DA", "subject": "热线投诉"},
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 201, r.content
    oid = r.json()["id"]
    assert r.json()["light"] == "green"
    r = client.post(
        "/api/operations/orders/transition",
        {"order": oid, "step": "sign"},
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 400 and r.json()["code"] == "order_bad_step"
    hb = _bearer(ops.admin_b)
    r = client.post(
        "/api/operations/orders/transition",
        {"order": oid, "step": "dispatch", "outlet": "OB1"},
        content_type="application/json",
        headers=hb,
    )
    assert r.status_code == 404
    assert client.get(f"/api/operations/orders/history?order={oid}", headers=hb).status_code == 404
    r = client.get(f"/api/operations/orders/history?order={oid}", headers=h)
    assert [e["kind"] for e in r.json()["events"]] == ["create"]
    r = client.get(
        "/api/operations/indicators?org_code=DB&start=2026-01-01&end=2026-03-31", headers=h
    )
    assert r.status_code == 404
