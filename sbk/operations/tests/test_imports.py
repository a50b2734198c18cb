"""Imports: the 好差评 export (all or nothing, every row's problems, idempotent by the
source's order id) and the exam system's CSV."""

import json

import pytest

from sbk.core.actors import IMPORTER
from sbk.core.errors import ServiceError
from sbk.core.models import AuditEntry
from sbk.operations import services
from sbk.operations.models import ExamResult, WorkOrder

pytestmark = pytest.mark.django_db


def _row(n, **kw):
    row = {
        "order_id": f"HCP{n:04d}",
        "received_at": "2026-03-02T09:30:00+08:00",
        "org": "OA1",
        "subject": "等候时间长",
        "content": "差评内容",
    }
    return {**row, **kw}


def test_reviews_import_is_idempotent_by_order_id(ops):
    data = json.dumps({"orders": [_row(1), _row(2, org="DA")]}).encode()
    got = services.import_reviews(data, acting_user=ops.city_admin)
    assert [o.source_id for o in got.created] == ["HCP0001", "HCP0002"] and got.skipped == []
    first = WorkOrder.objects.get(source_id="HCP0001")
    assert first.source == "bad_review" and first.outlet == ops.outlet_a
    assert first.org == ops.district_a and first.state == "received"
    again = services.import_reviews([_row(1), _row(3)], acting_user=IMPORTER)
    assert [o.source_id for o in again.created] == ["HCP0003"] and again.skipped == ["HCP0001"]
    assert WorkOrder.objects.count() == 3
    assert AuditEntry.objects.filter(action="order.import").count() == 2


def test_a_bad_row_refuses_the_whole_file_naming_every_problem(ops):
    rows = [
        _row(1),
        _row(2, org="NOPE"),
        _row(3, received_at="yesterday", subject=""),
        _row(1),  # the same order id twice
    ]
    with pytest.raises(ServiceError) as exc:
        services.import_reviews(rows, acting_user=ops.city_admin)
    fields = [p.field for p in exc.value.problems]
    assert fields == [
        "orders[2].org",
        "orders[3].received_at",
        "orders[3].subject",
        "orders[4].order_id",
    ]
    assert WorkOrder.objects.count() == 0
    with pytest.raises(ServiceError) as exc:
        services.import_reviews(b"not json", acting_user=ops.city_admin)
    assert exc.value.code == "bad_file"


def test_the_district_cannot_import_the_centres_feed(ops):
    from sbk.core.errors import Forbidden

    with pytest.raises(Forbidden):
        services.import_reviews([_row(1)], acting_user=ops.admin_a)


def test_exam_csv_all_or_nothing_and_reimport_replaces(ops):
    c = ops.city_admin
    services.create_exam(
        acting_user=c, org=ops.centre, code="E1", title="考核", held_on="2026-03-01"
    )
    bad = "账号,姓名,机构代码,成绩\nop_a,甲,OA1,91\nop_x,乙,ZZZ,101\n"
    with pytest.raises(ServiceError) as exc:
        services.import_exam_results(acting_user=c, code="E1", text=bad)
    assert [p.field for p in exc.value.problems] == ["rows[3].org", "rows[3].score"]
    assert ExamResult.objects.count() == 0
    good = "\ufeffaccount,name,org,score\nop_a,甲,OA1,91\nop_a2,乙,OA2,88.5\n"
    assert services.import_exam_results(acting_user=c, code="E1", text=good) == 2
    assert (
        services.import_exam_results(
            acting_user=c, code="E1", text="account,name,org,score\nop_a,甲,OA1,95\n"
        )
        == 1
    )
    assert sorted(ExamResult.objects.values_list("account", "score")) == [
        ("op_a", 95),
        ("op_a2", 88.5),
    ]
