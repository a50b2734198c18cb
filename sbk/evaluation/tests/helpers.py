"""Indicators for the engine tests: a district that earns every point, changed one figure
at a time."""

from __future__ import annotations

import copy

FULL = {
    "district": "310112",
    "materials_sampled": 1000,
    "materials_passed": 1000,
    "business_errors": 0,
    "photos_collected": 10000,
    "photos_recaptured": 0,
    "liable_complaints": 0,
    "verified_bad_reviews": 0,
    "special_briefings": 2,
    "flash_reports_adopted": 0,
    "trainings": [{"reported_within_week": True, "outlet_coverage": 0.5}] * 4,
    "bank_cross_trainings": 2,
    "tutors_last_year": 10,
    "tutors_retained": 7,
    "questionnaire_score": 100,
    "online_exams": [{"participation": 1.0, "average": 95}, {"participation": 1.0, "average": 95}],
    "devices_total": 10,
    "devices_renewed_within_5y": 10,
    "unified_maintenance": "full",
    "device_fault_findings": 0,
    "late_returns": 0,
    "ledger_mismatches": 0,
    "poor_rectification": False,
    "special_work": {"promotion": 10, "canteen": 10, "application": 15},
    "featured_work": 5,
}
# What FULL earns under the 2026 district method (the seed's own maxima: training's parts
# add up to 20, special work's to 35).
FULL_POINTS = {
    "materials": 20,
    "photos": 5,
    "complaints": 5,
    "info_reports": 4,
    "training": 20,
    "equipment": 7,
    "ledger": 12,
    "special": 35,
    "featured": 5,
}


def indicators(**changes) -> dict:
    got = copy.deepcopy(FULL)
    got.update(changes)
    return got


def points(result: dict, item: str) -> float:
    return next(i["points"] for i in result["items"] if i["item"] == item)


def part(result: dict, item: str, n: int) -> float:
    """The points of the item's ``n``-th rule (0-based)."""
    found = next(i for i in result["items"] if i["item"] == item)
    return found["parts"][n]["points"]
