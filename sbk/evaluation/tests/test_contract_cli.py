"""The script contract: ``sbk evaluate score --rules … --indicators FILE.json [--json]``.
No database is touched."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .helpers import indicators


def _score(tmp_path, data, *extra, rules="builtin:2026-district"):
    path = tmp_path / "indicators.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command(
        "evaluate", "score", "--rules", rules, "--indicators", str(path), *extra, stdout=out
    )
    return out.getvalue()


def test_json_output_is_the_contract(tmp_path):
    got = json.loads(_score(tmp_path, indicators(business_errors=1, liable_complaints=1), "--json"))
    assert set(got) == {"total", "items", "warnings"}
    assert [i["item"] for i in got["items"]] == [
        "materials", "photos", "complaints", "info_reports", "training",
        "equipment", "ledger", "special", "featured",
    ]  # fmt: skip
    assert got["items"][0] == {
        "item": "materials",
        "max": 20.0,
        "points": 18.0,
        "explain": got["items"][0]["explain"],
    }
    assert "业务差错 1 次" in got["items"][0]["explain"]
    assert got["total"] == 113 - 2 - 5
    assert len(got["warnings"]) == 3


def test_the_outlet_table_and_a_rules_file_by_path(tmp_path):
    got = json.loads(_score(tmp_path, indicators(), "--json", rules="builtin:2026-outlet"))
    assert sum(i["max"] for i in got["items"]) == 100 and got["warnings"] == []
    from sbk.evaluation.engine.method import BUILTIN_DIR

    same = _score(tmp_path, indicators(), "--json", rules=str(BUILTIN_DIR / "2026-outlet.json"))
    assert json.loads(same) == got


def test_text_output_explains_every_item(tmp_path):
    text = _score(tmp_path, indicators())
    assert "业务材料合规情况" in text and "总分 113" in text and "提示：" in text


@pytest.mark.parametrize(
    "data, code",
    [
        (indicators(photos_collected="many"), "bad_indicators"),
        ([1, 2], "bad_indicators"),
    ],
)
def test_a_bad_indicators_file_exits_with_its_code(tmp_path, data, code):
    with pytest.raises(CommandError, match=code):
        _score(tmp_path, data, "--json")


def test_unknown_rules_and_broken_json_are_refused(tmp_path):
    with pytest.raises(CommandError, match="bad_rules"):
        _score(tmp_path, indicators(), rules="builtin:1999-district")
    path = tmp_path / "broken.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="bad_indicators"):
        call_command(
            "evaluate", "score", "--rules", "builtin:2026-district", "--indicators", str(path)
        )
