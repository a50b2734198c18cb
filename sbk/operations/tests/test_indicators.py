"""The evaluation's indicators, derived by hand from a small fixture (district A, the first
half of 2026; district B's and out-of-period records must not count)."""

import datetime as dt
from decimal import Decimal

import pytest

from sbk.accounts.models import Role
from sbk.operations import queries, services
from sbk.operations.models import WorkOrder
from sbk.testing import person, user

from .helpers import application, at, transaction

pytestmark = pytest.mark.django_db
D = dt.date
START, END = D(2026, 1, 1), D(2026, 6, 30)


@pytest.fixture
def recorded(ops):
    c, a = ops.city_admin, ops.admin_a

    # complaints: one liable counter complaint, one verified and one unverified bad review
    # (the flags are what counts here; the loop that sets them is test_orders')
    def order(org, source, when, **flags):
        o = services.create_order(
            acting_user=c, org=org, source=source, subject="x", received_at=when
        )
        WorkOrder.objects.filter(pk=o.pk).update(**flags)

    order(ops.outlet_a, "counter", at("2026-02-02", 9), liable=True, outlet=ops.outlet_a)
    order(ops.district_a, "bad_review", at("2026-03-01", 9), verified=True)
    order(ops.district_a, "bad_review", at("2026-03-02", 9), verified=False)
    order(ops.district_b, "counter", at("2026-02-02", 9), liable=True)  # district B
    order(ops.district_a, "counter", at("2025-12-31", 9), liable=True)  # last year
    # information reports: 800 characters count, 799 (and blanks) do not
    services.submit_info(
        acting_user=a,
        org=ops.district_a,
        kind="briefing",
        title="专题",
        text="字" * 800,
        submitted_on=D(2026, 2, 1),
    )
    services.submit_info(
        acting_user=a,
        org=ops.district_a,
        kind="briefing",
        title="短",
        text="字" * 799 + " \n" * 50,
        submitted_on=D(2026, 2, 1),
    )
    flashes = [
        services.submit_info(
            acting_user=a,
            org=ops.district_a,
            kind="flash",
            title=f"快讯{n}",
            text="快讯",
            submitted_on=D(2026, 3, 1),
        )
        for n in range(3)
    ]
    services.adopt_info(flashes[0].pk, acting_user=c, adopted_on=D(2026, 3, 5))
    services.adopt_info(flashes[1].pk, acting_user=c, adopted_on=D(2026, 6, 30))
    # trainings: community outlets OA1, OA2 (the bank outlet is not in the denominator)
    services.record_training(
        acting_user=a,
        org=ops.district_a,
        kind="training",
        held_on=D(2026, 3, 2),
        topic="永居证受理",
        reported_on=D(2026, 3, 6),
        outlets=[ops.outlet_a],
    )
    services.record_training(
        acting_user=a,
        org=ops.district_a,
        kind="training",
        held_on=D(2026, 4, 1),
        topic="补换卡",
        reported_on=D(2026, 4, 20),
        outlets=[ops.outlet_a, ops.outlet_a2, ops.bank_outlet_a],
    )
    services.record_training(
        acting_user=a,
        org=ops.district_a,
        kind="cross_bank",
        held_on=D(2026, 5, 1),
        topic="交叉培训",
        reported_on=D(2026, 5, 2),
        bank=ops.bank,
    )
    services.set_tutors(acting_user=a, org=ops.district_a, year=2025, names=["张", "李", "王"])
    services.set_tutors(acting_user=a, org=ops.district_a, year=2026, names=["张", "李", "赵"])
    services.record_questionnaire(
        acting_user=c, org=ops.outlet_a, held_on=D(2026, 4, 2), respondent="甲", score=95
    )
    services.record_questionnaire(
        acting_user=c, org=ops.outlet_a2, held_on=D(2026, 4, 2), respondent="乙", score="100"
    )
    # exams: operators of district A are op_a and op_a2
    user("op_a2", Role.OUTLET_OPERATOR, ops.outlet_a2)
    for code, day, rows in [
        ("E1", D(2026, 3, 15), "op_a,甲,OA1,90\n"),
        ("E2", D(2026, 6, 10), "op_a,甲,OA1,80\nop_a2,乙,OA2,100\nop_b,丙,OB1,10\n"),
    ]:
        services.create_exam(acting_user=c, org=ops.centre, code=code, title=code, held_on=day)
        services.import_exam_results(
            acting_user=c, code=code, text="account,name,org,score\n" + rows
        )
    # devices: a 2020 printer (due), a 2023 photo device, a standby, a retired, a terminal
    dev = {}
    for key, org, kind, bought, standby in [
        ("old", ops.outlet_a, "printer", D(2020, 1, 1), False),
        ("new", ops.outlet_a, "photo", D(2023, 5, 1), False),
        ("spare", ops.outlet_a2, "printer", D(2022, 1, 1), True),
        ("gone", ops.outlet_a2, "printer", D(2019, 1, 1), False),
        ("term", ops.outlet_a2, "terminal", D(2018, 1, 1), False),
    ]:
        dev[key] = services.register_device(
            acting_user=a, org=org, kind=kind, model="M", purchase_date=bought, standby=standby
        )
    services.change_device(
        dev["gone"].pk, acting_user=a, status="retired", retired_on=D(2026, 3, 1)
    )
    services.set_maintenance(
        acting_user=a, org=ops.district_a, effective_from=D(2025, 1, 1), mode="partial"
    )
    services.set_maintenance(
        acting_user=a, org=ops.district_a, effective_from=D(2026, 7, 1), mode="full"
    )
    # faults: a citizen's unrepaired (finding), the outlet's own unrepaired (not), an
    # inspection's repaired one whose record is incomplete (finding)
    services.report_fault(
        dev["new"].pk,
        acting_user=a,
        reported_on=D(2026, 2, 1),
        description="无法拍照",
        source="citizen",
    )
    services.report_fault(
        dev["old"].pk, acting_user=a, reported_on=D(2026, 3, 1), description="卡纸", source="self"
    )
    f = services.report_fault(
        dev["old"].pk,
        acting_user=a,
        reported_on=D(2026, 4, 1),
        description="不出卡",
        source="inspection",
    )
    services.repair_fault(f.pk, acting_user=a, repaired_on=D(2026, 4, 3), repair_note="更换色带")
    services.review_fault(f.pk, acting_user=c, complete=False, note="缺少维修单")
    # material sampling: all four applications of Q1 drawn; three pass, one fails
    p = person(ops.outlet_a)
    apps = [application(ops.outlet_a, p, at(f"2026-0{m}-10", 10)) for m in (1, 2, 3, 3)]
    application(ops.outlet_a, p, at("2026-04-10", 10))  # Q2: not drawn for Q1
    draw = services.draw_sample(
        acting_user=c, org=ops.district_a, quarter="2026Q1", seed="s1", size=10
    )
    for n, s in enumerate(draw.samples.order_by("position")):
        verdict = "fail" if n == 0 else "pass"
        services.inspect_sample(
            s.pk, acting_user=c, verdict=verdict, reason="缺授权书" if n == 0 else ""
        )
    services.record_business_error(
        acting_user=c,
        transaction_id=transaction(ops.outlet_a, at("2026-02-03", 9)).pk,
        found_on=D(2026, 2, 5),
        description="证件类型录错",
    )
    # the centre's assessments
    services.record_assessment(
        acting_user=c,
        org=ops.district_a,
        kind="canteen",
        start=D(2026, 1, 1),
        end=D(2026, 6, 30),
        sub_items={"coverage": 3, "discounts": 2, "guidance": 4},
    )
    for score in (2, Decimal("2.5")):
        services.record_assessment(
            acting_user=c,
            org=ops.district_a,
            kind="featured",
            start=D(2026, 1, 1),
            end=D(2026, 6, 30),
            score=score,
            declaration="长者服务专窗",
        )
    return apps


def test_district_figures_by_hand(ops, recorded):
    got = queries.indicators(ops.district_a, START, END)
    assert got == {
        "materials_sampled": 4,
        "materials_passed": 3,
        "business_errors": 1,
        "liable_complaints": 1,
        "verified_bad_reviews": 1,
        "special_briefings": 1,
        "flash_reports_adopted": 2,
        "trainings": [
            {"reported_within_week": True, "outlet_coverage": 0.5},
            {"reported_within_week": False, "outlet_coverage": 1.0},
        ],
        "bank_cross_trainings": 1,
        "tutors_last_year": 3,
        "tutors_retained": 2,
        "questionnaire_score": 97.5,
        "online_exams": [
            {"participation": 0.5, "average": 90.0},
            {"participation": 1.0, "average": 90.0},
        ],
        "devices_total": 2,
        "devices_renewed_within_5y": 1,
        "unified_maintenance": "partial",
        "device_fault_findings": 2,
        "special_work": {"promotion": None, "canteen": 9.0, "application": None},
        "featured_work": 4.5,
    }


def test_outlet_and_bank_and_nothing_recorded(ops, recorded):
    outlet = queries.indicators(ops.outlet_a2, START, END)
    assert outlet["trainings"] == [{"reported_within_week": False, "outlet_coverage": 1.0}]
    assert outlet["questionnaire_score"] == 100.0 and outlet["devices_total"] == 0
    assert outlet["unified_maintenance"] == "partial" and outlet["featured_work"] is None
    bank = queries.indicators(ops.bank, START, END)
    assert bank["bank_cross_trainings"] == 1 and bank["unified_maintenance"] is None
    empty = queries.indicators(ops.district_b, START, END)
    assert empty["liable_complaints"] == 1  # its own
    assert empty["questionnaire_score"] is None and empty["unified_maintenance"] is None
    assert empty["special_work"] == {"promotion": None, "canteen": None, "application": None}
    assert empty["trainings"] == [] and empty["online_exams"][1]["participation"] == 1.0


def test_the_draw_is_reproducible_from_its_seed(ops, recorded):
    from sbk.operations import rules
    from sbk.operations.models import SampleDraw
    from sbk.operations.services.sampling import population

    draw = SampleDraw.objects.get()
    again = rules.draw(
        population(ops.district_a, D(2026, 1, 1), D(2026, 3, 31)), draw.seed, draw.size
    )
    assert again == list(draw.samples.order_by("position").values_list("application_id", flat=True))
    assert sorted(again) == sorted(a.pk for a in recorded)
    assert rules.draw(list(range(100)), "s1", 5) == rules.draw(list(reversed(range(100))), "s1", 5)
    assert rules.draw(list(range(100)), "s1", 5) != rules.draw(list(range(100)), "s2", 5)
