"""The 2026 district method (附件1) at and around every threshold — pure, no database."""

import pytest

from sbk.evaluation.engine import load, score

from .helpers import FULL_POINTS, indicators, part, points

METHOD = load("builtin:2026-district")


def run(**changes):
    return score(METHOD, indicators(**changes))


def test_full_marks_are_the_seeds_maxima():
    result = run()
    assert {i["item"]: i["points"] for i in result["items"]} == FULL_POINTS
    assert result["total"] == sum(FULL_POINTS.values())


def test_items_come_in_the_methods_order():
    assert [i["item"] for i in run()["items"]] == [
        "materials", "photos", "complaints", "info_reports", "training",
        "equipment", "ledger", "special", "featured",
    ]  # fmt: skip


def test_the_three_inconsistent_maxima_are_warned():
    assert METHOD.warnings == [
        "基础类工作：声明满分 80 分，所含项目满分合计 75 分",
        "业务培训考核：声明满分 22 分，各子项满分合计 20 分",
        "重点（专项）工作：声明满分 40 分，各子项满分合计 35 分",
    ]
    assert run()["warnings"][:3] == METHOD.warnings


@pytest.mark.parametrize(
    "passed, errors, expected",
    [
        (1000, 0, 20),
        (999, 0, 19),  # 0.1 pp: a started step
        (998, 0, 19),  # 0.2 pp
        (995, 0, 19),  # exactly 0.5 pp: one step
        (994, 0, 18),  # 0.6 pp: two started steps
        (990, 0, 18),  # 1.0 pp
        (989, 0, 17),  # 1.1 pp
        (1000, 1, 18),  # −2 per business error
        (994, 2, 14),
        (1000, 10, 0),  # never below 0
        (0, 0, 0),
    ],
)
def test_materials(passed, errors, expected):
    assert points(run(materials_passed=passed, business_errors=errors), "materials") == expected


def test_materials_without_a_sample_lose_nothing_and_say_so():
    result = run(materials_sampled=0, materials_passed=0)
    assert points(result, "materials") == 20
    assert "无记录" in result["items"][0]["explain"]


@pytest.mark.parametrize(
    "recaptured, expected",
    [(0, 5), (1, 4), (4, 4), (5, 4), (6, 3), (10, 3), (11, 2), (20, 1), (25, 0), (30, 0)],
)
def test_photo_rate_loses_one_per_started_005_pp(recaptured, expected):
    # 10 000 photos: one recapture is 0.01 pp, five are exactly one step of 0.05 pp
    assert points(run(photos_recaptured=recaptured), "photos") == expected


def test_photos_none_collected_is_full():
    assert points(run(photos_collected=0, photos_recaptured=0), "photos") == 5


@pytest.mark.parametrize(
    "district, complaints, reviews, expected",
    [
        ("310112", 0, 0, 5),
        ("310112", 1, 0, 0),
        ("310112", 0, 1, 0),
        ("310112", 2, 1, 0),
        ("310115", 1, 0, 2.5),  # Pudong: −2.5 each
        ("310115", 0, 1, 2.5),
        ("310115", 1, 1, 0),
        ("310115", 3, 0, 0),
    ],
)
def test_complaints(district, complaints, reviews, expected):
    result = run(district=district, liable_complaints=complaints, verified_bad_reviews=reviews)
    assert points(result, "complaints") == expected


@pytest.mark.parametrize(
    "briefings, flash, expected",
    [
        (0, 0, 0),
        (1, 0, 2),
        (2, 0, 4),
        (3, 0, 4),  # at most the item's 4
        (0, 3, 0),
        (0, 4, 1),
        (0, 7, 1),
        (0, 8, 2),
        (0, 12, 2),  # flash at most 2
        (1, 8, 4),
        (1, 4, 3),
    ],
)
def test_information_reports(briefings, flash, expected):
    result = run(special_briefings=briefings, flash_reports_adopted=flash)
    assert points(result, "info_reports") == expected


def _trainings(n, week=True, coverage=0.3):
    return [{"reported_within_week": week, "outlet_coverage": coverage}] * n


@pytest.mark.parametrize(
    "trainings, expected",
    [
        (_trainings(0), 0),
        (_trainings(1), 0),
        (_trainings(2), 4),
        (_trainings(3), 6),
        (_trainings(4), 8),
        (_trainings(6), 8),
        (_trainings(4, coverage=0.29), 0),  # below 30 % of the outlets: not counted
        (_trainings(3) + _trainings(1, coverage=0.2999), 6),
        (_trainings(4, week=False), 0),  # reported late: not counted
        (_trainings(2) + _trainings(2, week=False), 4),
    ],
)
def test_trainings(trainings, expected):
    assert part(run(trainings=trainings), "training", 0) == expected


@pytest.mark.parametrize("n, expected", [(0, 0), (1, 2), (2, 4), (3, 4)])
def test_cross_trainings(n, expected):
    assert part(run(bank_cross_trainings=n), "training", 1) == expected


@pytest.mark.parametrize(
    "retained, last_year, expected",
    [(6, 10, 0), (61, 100, 2), (7, 10, 2), (59, 100, 0), (10, 10, 2), (0, 0, 0)],
)
def test_tutor_retention_above_60_percent(retained, last_year, expected):
    result = run(tutors_retained=retained, tutors_last_year=last_year)
    assert part(result, "training", 2) == expected


@pytest.mark.parametrize("mark, expected", [(100, 2), (99.9, 1), (90, 1), (89.9, 0), (0, 0)])
def test_questionnaire(mark, expected):
    assert part(run(questionnaire_score=mark), "training", 3) == expected


def _exams(*pairs):
    return [{"participation": p, "average": a} for p, a in pairs]


@pytest.mark.parametrize(
    "exams, participation_points, average_points",
    [
        (_exams((0.95, 90), (0.95, 90)), 2, 2),
        (_exams((0.949, 90), (0.95, 90)), 1, 0),  # one below 95 %: the average scores 0
        (_exams((0.5, 99), (0.5, 99)), 0, 0),
        (_exams((1, 92), (1, 88)), 2, 2),  # mean 90
        (_exams((1, 89.99), (1, 89.99)), 2, 1.5),
        (_exams((1, 85), (1, 85)), 2, 1.5),
        (_exams((1, 84.9), (1, 85)), 2, 1),
        (_exams((1, 80), (1, 80)), 2, 1),
        (_exams((1, 79.9), (1, 80)), 2, 0),
        (_exams((1, 95)), 1, 2),  # one exam held so far
        ([], 0, 0),
    ],
)
def test_online_exams(exams, participation_points, average_points):
    result = run(online_exams=exams)
    assert part(result, "training", 4) == participation_points
    assert part(result, "training", 5) == average_points


@pytest.mark.parametrize(
    "renewed, total, expected",
    [(10, 10, 3), (99, 100, 2), (8, 10, 2), (79, 100, 1), (6, 10, 1), (59, 100, 0), (0, 0, 0)],
)
def test_device_renewal(renewed, total, expected):
    result = run(devices_renewed_within_5y=renewed, devices_total=total)
    assert part(result, "equipment", 0) == expected


@pytest.mark.parametrize("mode, expected", [("full", 2), ("partial", 1), ("none", 0)])
def test_unified_maintenance(mode, expected):
    assert part(run(unified_maintenance=mode), "equipment", 1) == expected


@pytest.mark.parametrize("findings, expected", [(0, 2), (1, 1), (2, 0), (5, 0)])
def test_fault_findings(findings, expected):
    assert part(run(device_fault_findings=findings), "equipment", 2) == expected


@pytest.mark.parametrize(
    "late, mismatches, poor, expected",
    [
        (0, 0, False, 12),
        (1, 0, False, 11),
        (2, 0, False, 10),
        (3, 0, False, 10),  # at most −2
        (0, 1, False, 10),
        (0, 4, False, 4),
        (0, 5, False, 4),  # at most −8
        (0, 0, True, 10),
        (5, 10, True, 0),
    ],
)
def test_ledger(late, mismatches, poor, expected):
    result = run(late_returns=late, ledger_mismatches=mismatches, poor_rectification=poor)
    assert points(result, "ledger") == expected


@pytest.mark.parametrize(
    "special, featured, special_points, featured_points",
    [
        ({"promotion": 8, "canteen": 7.5, "application": 12}, 3, 27.5, 3),
        ({"promotion": 12, "canteen": 10, "application": 15}, 6, 35, 5),  # each at its max
        ({"promotion": 0, "canteen": 0, "application": 0}, 0, 0, 0),
    ],
)
def test_assessed_work(special, featured, special_points, featured_points):
    result = run(special_work=special, featured_work=featured)
    assert points(result, "special") == special_points
    assert points(result, "featured") == featured_points


def test_explanations_name_the_rule_and_the_figures():
    result = run(materials_passed=994, liable_complaints=1, district="310115")
    materials = result["items"][0]["explain"]
    assert "99.40%" in materials and "0.60 个百分点" in materials and "扣 2 分" in materials
    assert "2.5" in result["items"][2]["explain"]
