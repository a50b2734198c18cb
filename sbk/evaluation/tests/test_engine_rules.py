"""Rules files as data, the indicators file's checks, the outlet table, periods — pure."""

import datetime as dt
import json
import random

import pytest

from sbk.evaluation.engine import IndicatorError, RulesError, load, load_text, score
from sbk.evaluation.engine.method import builtin_names
from sbk.evaluation.engine.periods import Period, PeriodError
from sbk.evaluation.engine.score import HAND, contract_view

from .helpers import FULL, indicators, points

DISTRICT = load("builtin:2026-district")
OUTLET = load("builtin:2026-outlet")


def test_builtins_are_listed_and_an_unknown_one_is_refused():
    assert {"builtin:2026-district", "builtin:2026-outlet"} <= set(builtin_names())
    with pytest.raises(RulesError, match="没有内置评估规则"):
        load("builtin:2031-district")
    with pytest.raises(RulesError, match="没有内置"):
        load("builtin:../rules/2026-district")


def _rules(**changes) -> dict:
    data = json.loads(DISTRICT.text)
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "item, message",
    [
        ({"code": "x", "max": 5, "parts": [{"shape": "nope", "label": "x"}]}, "未知形态"),
        ({"code": "x", "max": 5, "parts": [{"shape": "tiers", "label": "x"}]}, "缺少参数"),
        ({"code": "x", "max": 5, "parts": []}, "没有计分规则"),
        ({"code": "x", "max": "a", "parts": []}, "应为非负数值"),
        ({"code": "x", "max": 5, "start": 3, "parts": []}, "start"),
        (
            {
                "code": "x",
                "max": 5,
                "parts": [
                    {
                        "shape": "tiers",
                        "label": "x",
                        "value": "a",
                        "tiers": [{"op": "~", "value": 1}],
                    }
                ],
            },
            "条件",
        ),
        (
            {
                "code": "x",
                "max": 5,
                "parts": [{"shape": "per_event", "label": "x", "count": {"weird": 1}, "points": 1}],
            },
            "无法识别",
        ),
    ],
)
def test_a_bad_rules_file_is_refused_naming_the_item(item, message):
    with pytest.raises(RulesError, match=message):
        load_text(json.dumps(_rules(items=[item])))


def test_duplicate_items_and_bad_json_are_refused():
    first = json.loads(DISTRICT.text)["items"][0]
    with pytest.raises(RulesError, match="重复"):
        load_text(json.dumps(_rules(items=[first, first])))
    with pytest.raises(RulesError, match="JSON"):
        load_text("{")


def test_next_years_method_is_a_new_file_not_new_code(tmp_path):
    """2027 (invented): complaints cost 3 each, photos a step of 0.1 pp; maxima consistent."""
    data = _rules(name="2027-district", year=2027)
    for item in data["items"]:
        if item["code"] == "complaints":
            item["parts"][0]["points"] = -3
        if item["code"] == "photos":
            item["parts"][0]["step_pp"] = 0.1
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    method = load(str(path))
    got = indicators(liable_complaints=1, photos_recaptured=10)
    assert points(score(method, got), "complaints") == 2
    assert points(score(DISTRICT, got), "complaints") == 0
    assert points(score(method, got), "photos") == 4  # 0.1 pp: one step of 0.1
    assert points(score(DISTRICT, got), "photos") == 3  # two steps of 0.05
    assert method.version == "2027-district/1" and method.sha256 != DISTRICT.sha256


def test_no_item_leaves_zero_to_max_whatever_the_figures():
    rng = random.Random(2026)
    for _ in range(150):
        sampled = rng.randint(0, 50)
        got = indicators(
            district=rng.choice(["310112", "310115"]),
            materials_sampled=sampled,
            materials_passed=rng.randint(0, sampled),
            business_errors=rng.randint(0, 12),
            photos_recaptured=rng.randint(0, 10000),
            liable_complaints=rng.randint(0, 3),
            special_briefings=rng.randint(0, 5),
            flash_reports_adopted=rng.randint(0, 20),
            trainings=[
                {"reported_within_week": rng.random() < 0.7, "outlet_coverage": rng.random()}
                for _ in range(rng.randint(0, 6))
            ],
            device_fault_findings=rng.randint(0, 5),
            late_returns=rng.randint(0, 5),
            ledger_mismatches=rng.randint(0, 9),
            poor_rectification=rng.random() < 0.5,
            special_work={"promotion": rng.uniform(0, 20), "canteen": 3, "application": 30},
            featured_work=rng.uniform(0, 9),
        )
        for method in (DISTRICT, OUTLET):
            for item in score(method, got)["items"]:
                assert 0 <= item["points"] <= item["max"], (item, got)


def test_missing_figures_score_as_unrecorded_and_are_warned():
    result = score(DISTRICT, {"district": "310112"})
    by_item = {i["item"]: i for i in result["items"]}
    assert by_item["materials"]["points"] == 20  # nothing recorded, nothing deducted
    assert by_item["materials"]["missing"] == [
        "business_errors",
        "materials_passed",
        "materials_sampled",
    ]
    assert by_item["training"]["points"] == 0 and by_item["special"]["points"] == 0
    assert by_item["equipment"]["points"] == 2  # no fault found
    assert "未记录" in by_item["materials"]["explain"]
    assert any("未记录" in w and "special_work.canteen" in w for w in result["warnings"])


def test_hand_entered_figures_are_marked_on_their_items():
    result = score(
        DISTRICT, indicators(), sources={"questionnaire_score": HAND, "special_work.canteen": HAND}
    )
    by_item = {i["item"]: i for i in result["items"]}
    assert by_item["training"]["hand_entered"] == ["questionnaire_score"]
    assert by_item["special"]["hand_entered"] == ["special_work.canteen"]
    assert "人工录入" in by_item["special"]["explain"]
    assert by_item["materials"]["hand_entered"] == []


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"business_errors": "2"}, "business_errors"),
        ({"business_errors": -1}, "business_errors"),
        ({"liable_complaints": 1.5}, "liable_complaints"),
        ({"poor_rectification": 1}, "poor_rectification"),
        ({"unified_maintenance": "some"}, "unified_maintenance"),
        ({"trainings": [{"reported_within_week": True, "outlet_coverage": 30}]}, "outlet_coverage"),
        ({"online_exams": [{"participation": 0.9, "average": 101}]}, "average"),
        ({"special_work": {"promotion": 1, "canteens": 2}}, "canteens"),
        ({"materials_passed": 1001}, "materials_passed"),
    ],
)
def test_a_malformed_indicators_file_is_refused_naming_the_field(changes, message):
    with pytest.raises(IndicatorError, match=message):
        score(DISTRICT, indicators(**changes))


def test_unknown_keys_are_warned_not_scored():
    result = score(DISTRICT, indicators(typo_field=3))
    assert any("typo_field" in w for w in result["warnings"])


def test_contract_view_has_exactly_the_contracts_keys():
    view = contract_view(score(DISTRICT, FULL))
    assert set(view) == {"total", "items", "warnings"}
    assert all(set(i) == {"item", "max", "points", "explain"} for i in view["items"])
    assert view["total"] == 113


def test_the_outlet_table_has_the_weights_of_annex_2_and_no_warning():
    assert OUTLET.warnings == []
    result = score(OUTLET, indicators())
    assert {i["item"]: i["max"] for i in result["items"]} == {
        "materials": 20, "photos": 10, "complaints": 10, "info_reports": 5,
        "training": 10, "equipment": 5, "ledger": 20, "special": 20,
    }  # fmt: skip
    assert result["max_total"] == 100
    full = indicators(
        flash_reports_adopted=4, special_work={"promotion": 5, "canteen": 5, "application": 10}
    )
    assert score(OUTLET, full)["total"] == 100


@pytest.mark.parametrize("recaptured, expected", [(0, 10), (5, 8), (6, 6), (25, 0)])
def test_outlet_photos_lose_two_per_step(recaptured, expected):
    assert points(score(OUTLET, indicators(photos_recaptured=recaptured)), "photos") == expected


@pytest.mark.parametrize(
    "late, mismatches, poor, expected",
    [(0, 0, False, 20), (1, 0, False, 18), (3, 0, False, 16), (0, 5, False, 8), (9, 9, True, 0)],
)
def test_outlet_ledger(late, mismatches, poor, expected):
    got = indicators(late_returns=late, ledger_mismatches=mismatches, poor_rectification=poor)
    assert points(score(OUTLET, got), "ledger") == expected


@pytest.mark.parametrize(
    "text, start, end, previous",
    [
        ("2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), "2025Q4"),
        ("2026Q3", dt.date(2026, 1, 1), dt.date(2026, 9, 30), "2026Q2"),
        ("2026q4", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026Q3"),
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2025"),
    ],
)
def test_periods_count_the_year_to_date(text, start, end, previous):
    period = Period.parse(text)
    assert (period.start, period.end, str(period.previous())) == (start, end, previous)


@pytest.mark.parametrize("text", ["2026Q5", "26Q1", "", "2026-Q1", "1999"])
def test_bad_periods_are_refused(text):
    with pytest.raises(PeriodError):
        Period.parse(text)
