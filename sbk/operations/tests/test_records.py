"""The other records' rules: equipment and the renewal list, information-report length,
sealed document images, sampling and assessments, and scope."""

import datetime as dt

import pytest
from django.conf import settings

from sbk.core.errors import NotFound, ServiceError
from sbk.core.files import read_encrypted
from sbk.operations import queries, services
from sbk.operations.models import Device

from .helpers import application, at

pytestmark = pytest.mark.django_db
D = dt.date


def test_renewal_list_and_device_rules(ops):
    a = ops.admin_a
    old = services.register_device(
        acting_user=a, org=ops.outlet_a, kind="printer", model="P", purchase_date=D(2019, 5, 1)
    )
    services.register_device(
        acting_user=a, org=ops.outlet_a, kind="photo", model="C", purchase_date=D(2024, 5, 1)
    )
    services.register_device(
        acting_user=a,
        org=ops.outlet_a2,
        kind="photo",
        model="S",
        purchase_date=D(2015, 1, 1),
        standby=True,
    )
    services.register_device(
        acting_user=ops.admin_b,
        org=ops.outlet_b,
        kind="printer",
        model="B",
        purchase_date=D(2015, 1, 1),
    )
    rows = queries.renewal_list(a, ops.district_a, D(2026, 6, 30))
    assert [(r["outlet_code"], r["model"]) for r in rows] == [("OA1", "P")]
    with pytest.raises(ServiceError) as exc:  # a district is not an outlet
        services.register_device(
            acting_user=a,
            org=ops.district_a,
            kind="printer",
            model="P",
            purchase_date=D(2020, 1, 1),
        )
    assert exc.value.field == "org"
    with pytest.raises(ServiceError) as exc:
        services.change_device(old.pk, acting_user=a, status="retired")
    assert exc.value.field == "retired_on"
    with pytest.raises(NotFound):  # another district's admin
        services.change_device(old.pk, acting_user=ops.admin_b, standby=True)
    fault = services.report_fault(
        old.pk, acting_user=ops.operator_a, reported_on=D(2026, 1, 5), description="卡纸"
    )
    assert Device.objects.get(pk=old.pk).condition == "faulty"
    with pytest.raises(ServiceError):
        services.repair_fault(
            fault.pk, acting_user=ops.operator_a, repaired_on=D(2026, 1, 4), repair_note="x"
        )
    services.repair_fault(
        fault.pk, acting_user=ops.operator_a, repaired_on=D(2026, 1, 6), repair_note="清理"
    )
    assert Device.objects.get(pk=old.pk).condition == "in_service"


def test_information_report_length_is_counted_by_the_server(ops):
    r = services.submit_info(
        acting_user=ops.admin_a,
        org=ops.district_a,
        kind="briefing",
        title="t",
        text="一二三 四\n五",
        submitted_on=D(2026, 1, 5),
    )
    assert r.length == 5
    services.adopt_info(r.pk, acting_user=ops.city_admin, adopted_on=D(2026, 1, 6))
    with pytest.raises(ServiceError) as exc:
        services.adopt_info(r.pk, acting_user=ops.city_admin, adopted_on=D(2026, 1, 7))
    assert exc.value.code == "already_adopted"


def test_document_images_are_sealed_like_photos(ops):
    from sbk.testing import person

    app = application(ops.outlet_a, person(ops.outlet_a), at("2026-02-01", 10))
    doc = services.attach_document(
        app.pk, acting_user=ops.operator_a, kind="authorisation", data=b"%PDF-1.4 PLAIN-SCAN-BYTES"
    )
    on_disk = (settings.MEDIA_ROOT / doc.path).read_bytes()
    assert b"%PDF-1.4 PLAIN-SCAN-BYTES" not in on_disk
    assert read_encrypted(doc.path) == b"%PDF-1.4 PLAIN-SCAN-BYTES"
    from sbk.core.errors import Forbidden

    with pytest.raises(Forbidden):  # district B's operator: not their application
        services.attach_document(app.pk, acting_user=ops.operator_b, kind="other", data=b"%PDF-x")


def test_sampling_rules(ops):
    from sbk.testing import person

    p = person(ops.outlet_a)
    application(ops.outlet_a, p, at("2026-02-01", 10))
    c = ops.city_admin
    with pytest.raises(ServiceError) as exc:
        services.draw_sample(acting_user=c, org=ops.district_a, quarter="2026-1")
    assert exc.value.code == "bad_quarter"
    draw = services.draw_sample(acting_user=c, org=ops.district_a, quarter="2026Q1")
    assert draw.seed and draw.population == 1 and draw.size == 1
    with pytest.raises(ServiceError) as exc:
        services.draw_sample(acting_user=c, org=ops.district_a, quarter="2026Q1")
    assert exc.value.code == "already_drawn"
    sample = draw.samples.get()
    with pytest.raises(ServiceError) as exc:
        services.inspect_sample(sample.pk, acting_user=c, verdict="fail")
    assert exc.value.field == "reason"
    services.inspect_sample(sample.pk, acting_user=c, verdict="fail", reason="缺代办授权书")
    assert queries.samples_of(ops.admin_b).count() == 0
    assert queries.samples_of(ops.operator_a).count() == 1


def test_assessments(ops):
    c = ops.city_admin
    first = services.record_assessment(
        acting_user=c,
        org=ops.district_a,
        kind="application",
        start=D(2026, 1, 1),
        end=D(2026, 3, 31),
        sub_items={"charity": 3, "local": 8.5},
    )
    assert float(first.score) == 11.5
    again = services.record_assessment(
        acting_user=c,
        org=ops.district_a,
        kind="application",
        start=D(2026, 1, 1),
        end=D(2026, 3, 31),
        score=12,
    )
    assert again.pk == first.pk and float(again.score) == 12  # one assessment per period
    with pytest.raises(ServiceError) as exc:
        services.record_assessment(
            acting_user=c,
            org=ops.district_a,
            kind="featured",
            start=D(2026, 1, 1),
            end=D(2026, 3, 31),
            score=2,
        )
    assert exc.value.field == "declaration"
    with pytest.raises(ServiceError) as exc:
        services.record_assessment(
            acting_user=c,
            org=ops.outlet_a,
            kind="canteen",
            start=D(2026, 1, 1),
            end=D(2026, 3, 31),
            score=2,
        )
    assert exc.value.field == "org"
