"""Indicators from the records, hand entries, the run that stores scorecards, reproducing a
stored score, and comparing two methods — on a small database."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from sbk.core.actors import SYSTEM
from sbk.core.errors import Forbidden, ServiceError
from sbk.core.models import AuditEntry
from sbk.evaluation import indicators as figures
from sbk.evaluation import queries, services
from sbk.evaluation.engine.periods import Period
from sbk.evaluation.models import HandFigure, Scorecard

from .conftest import photo_check

Q1 = Period.parse("2026Q1")


def _photos(small):
    photo_check(small.outlet_a, dt.date(2026, 2, 1))
    photo_check(small.outlet_a, dt.date(2026, 2, 2), recapture=True)
    photo_check(small.bank_outlet, dt.date(2026, 3, 3), recapture=True)
    photo_check(small.outlet_b, dt.date(2026, 3, 3))
    photo_check(small.outlet_a, dt.date(2026, 4, 1), recapture=True)  # after Q1


def test_photos_are_counted_where_they_were_collected(small):
    _photos(small)
    got, sources, _ = figures.compute(small.minhang, Q1)
    assert (got["photos_collected"], got["photos_recaptured"]) == (3, 2)
    assert sources["photos_recaptured"] == figures.PHOTOS
    assert got["district"] == "310112"
    bank, _, _ = figures.compute(small.bank, Q1)
    assert (bank["photos_collected"], bank["photos_recaptured"]) == (1, 1)
    pudong, _, _ = figures.compute(small.pudong, Q1)
    assert (pudong["photos_collected"], pudong["photos_recaptured"]) == (1, 0)
    half, _, _ = figures.compute(small.minhang, Period.parse("2026Q2"))
    assert half["photos_recaptured"] == 3  # the year to date


def test_the_ledger_figures_come_from_the_stock_books(small):
    got, sources, details = figures.compute(small.minhang, Q1)
    assert (got["late_returns"], got["ledger_mismatches"], got["poor_rectification"]) == (
        0,
        0,
        False,
    )
    assert sources["ledger_mismatches"] == figures.STOCK
    assert "DA" in details[figures.STOCK]


def test_the_other_records_come_from_operations_and_usage(small):
    got, sources, details = figures.compute(small.minhang, Q1)
    assert sources["materials_sampled"] == figures.OPERATIONS
    assert got["materials_sampled"] == 0 and got["trainings"] == []
    assert details["canteen"] == {"canteen_coverage": None, "average_discount": None}


def test_hand_entries_replace_the_computed_figure_and_are_marked(small):
    _photos(small)
    services.enter_figure(
        small.minhang, "2026Q1", "photos_recaptured", 0, acting_user=small.city, note="复核"
    )
    services.enter_figure(
        small.minhang, "2026Q1", "special_work.canteen", 8, acting_user=small.city
    )
    got, sources, details = figures.compute(small.minhang, Q1)
    assert got["photos_recaptured"] == 0 and got["special_work"]["canteen"] == 8
    assert sources["special_work.canteen"] == "hand"
    assert details["hand"]["photos_recaptured"]["computed"] == 2
    assert details["hand"]["photos_recaptured"]["note"] == "复核"
    # entering again corrects; null withdraws
    services.enter_figure(small.minhang, "2026Q1", "special_work.canteen", 9, acting_user=SYSTEM)
    assert HandFigure.objects.get(key="special_work.canteen").value == 9
    services.enter_figure(small.minhang, "2026Q1", "special_work.canteen", None, acting_user=SYSTEM)
    assert not HandFigure.objects.filter(key="special_work.canteen").exists()


@pytest.mark.parametrize(
    "key, value, code",
    [
        ("photos_collected", "many", "bad_indicators"),
        ("district", "310112", "bad_indicator_key"),
        ("no_such_figure", 1, "bad_indicator_key"),
        ("special_work.canteen", -1, "bad_indicators"),
    ],
)
def test_a_bad_hand_entry_is_refused(small, key, value, code):
    with pytest.raises(ServiceError) as refused:
        services.enter_figure(small.minhang, "2026Q1", key, value, acting_user=small.city)
    assert refused.value.code == code
    assert not HandFigure.objects.exists()


def test_only_the_centre_enters_and_runs(small):
    with pytest.raises(Forbidden):
        services.enter_figure(
            small.minhang, "2026Q1", "featured_work", 3, acting_user=small.admin_a
        )
    with pytest.raises(Forbidden):
        services.run_period("2026Q1", acting_user=small.auditor)


def test_run_stores_reproducible_scorecards_with_their_trace(small):
    _photos(small)
    services.enter_figure(small.pudong, "2026Q1", "liable_complaints", 1, acting_user=SYSTEM)
    before = AuditEntry.objects.count()
    cards = services.run_period("2026Q1", acting_user=small.city)
    assert AuditEntry.objects.count() == before + 1  # one action, one audit row
    assert {c.org.code for c in cards} == {"DA", "DB", "BANK1"}
    pudong = Scorecard.objects.get(org=small.pudong, current=True)
    complaints = next(i for i in pudong.result["items"] if i["item"] == "complaints")
    assert complaints["points"] == 2.5 and complaints["hand_entered"] == ["liable_complaints"]
    assert complaints["parts"][0]["inputs"]["liable_complaints"] == 1
    assert pudong.rules.version == "2026-district/1" and len(pudong.result["warnings"]) >= 3
    minhang = Scorecard.objects.get(org=small.minhang, current=True)
    photos = next(i for i in minhang.result["items"] if i["item"] == "photos")
    assert photos["points"] == 0  # 2 of 3 recaptured
    assert services.reproduce(minhang) == minhang.result
    # a second run keeps the first, no longer current
    services.run_period("2026Q1", acting_user=SYSTEM)
    assert Scorecard.objects.filter(org=small.minhang).count() == 2
    assert Scorecard.objects.filter(org=small.minhang, current=True).count() == 1
    old = Scorecard.objects.filter(org=small.minhang, current=False).get()
    assert services.reproduce(old) == old.result


def test_outlets_are_scored_by_the_outlet_table(small):
    cards = services.run_period("2026", acting_user=SYSTEM, outlets=True)
    assert {c.org.code for c in cards} == {"OA1", "OB1", "BOA"}
    assert all(c.table == "outlet" and c.rules.version == "2026-outlet/1" for c in cards)


def test_a_period_without_a_method_or_malformed_is_refused(small):
    with pytest.raises(ServiceError) as refused:
        services.run_period("2031Q1", acting_user=SYSTEM)
    assert refused.value.code == "bad_rules"
    with pytest.raises(ServiceError) as refused:
        services.run_period("2026Q7", acting_user=SYSTEM)
    assert refused.value.code == "bad_period"


def test_diff_shows_what_another_method_changes(small, tmp_path):
    services.enter_figure(small.pudong, "2026Q1", "liable_complaints", 1, acting_user=SYSTEM)
    services.run_period("2026Q1", acting_user=SYSTEM)
    from sbk.evaluation.engine.method import BUILTIN_DIR

    data = json.loads((BUILTIN_DIR / "2026-district.json").read_text(encoding="utf-8"))
    data["name"] = "2027-draft"
    data["items"][2]["parts"][0]["by_org"] = {}  # Pudong loses its half deduction
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    rows = {r["org"]: r for r in queries.diff("builtin:2026-district", str(path), "2026Q1")}
    assert rows["DB"]["change"] == -2.5 and rows["DB"]["from"] == "stored"
    assert rows["DB"]["items"] == [
        {"item": "complaints", "a": 2.5, "b": 0.0, "explain_b": rows["DB"]["items"][0]["explain_b"]}
    ]
    assert rows["DA"]["change"] == 0 and rows["DA"]["items"] == []
    out = io.StringIO()
    call_command(
        "evaluate", "diff", "--rules", "builtin:2026-district", "--rules", str(path),
        "--period", "2026Q1", "--json", stdout=out,
    )  # fmt: skip
    assert {r["org"]: r["change"] for r in json.loads(out.getvalue())}["DB"] == -2.5


def test_the_indicators_command_prints_a_file_the_score_command_takes(small, tmp_path):
    _photos(small)
    out = io.StringIO()
    call_command(
        "evaluate", "indicators", "--period", "2026Q1", "--district", "310112", "--json", stdout=out
    )
    got = json.loads(out.getvalue())
    assert got["district"] == "310112" and got["photos_collected"] == 3
    path = tmp_path / "ind.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    scored = io.StringIO()
    call_command(
        "evaluate", "score", "--rules", "builtin:2026-district", "--indicators", str(path),
        "--json", stdout=scored,
    )  # fmt: skip
    assert json.loads(scored.getvalue())["items"][1]["points"] == 0


def test_run_and_enter_from_the_shell(small):
    out = io.StringIO()
    call_command("evaluate", "enter", "DA", "2026Q1", "unified_maintenance", "full", stdout=out)
    call_command("evaluate", "run", "--period", "2026Q1", stdout=out)
    assert "已存储 3 份评估得分" in out.getvalue()
    card = Scorecard.objects.get(org=small.minhang, current=True)
    assert card.indicators["unified_maintenance"] == "full"


def test_operator_overrides_are_counted_apart(small):
    from sbk.photos.models import PhotoCheck

    _photos(small)
    check = photo_check(small.outlet_a, dt.date(2026, 3, 9))
    PhotoCheck.objects.filter(pk=check.pk).update(ok=False, overridden=True, override_reason="x")
    got, _, details = figures.compute(small.minhang, Q1)
    assert details[figures.PHOTOS] == {"photos_overridden": 1}
    assert (got["photos_collected"], got["photos_recaptured"]) == (4, 2)


def test_stock_counts_map_to_the_ledger_item_and_a_bank_sums_its_outlets(small, monkeypatch):
    def fake(place, start, end):
        return {
            "late_returns": 1,
            "irregular_returns": 1,
            "mismatches": 2,
            "missed_closes": 1,
            "poor_rectification": 1 if place.code == "BOA" else 0,
            "details": {"missed_closes": {place.code: ["2026-01-05"]}},
        }

    monkeypatch.setattr(figures, "evaluation_figures", fake)
    district, _, _ = figures.compute(small.minhang, Q1)
    assert (district["late_returns"], district["ledger_mismatches"]) == (2, 3)
    assert district["poor_rectification"] is False
    bank, _, details = figures.compute(small.bank, Q1)
    assert bank["poor_rectification"] is True and list(details[figures.STOCK]) == ["BOA"]
