"""The script contract: ``sbk stock apply|balance|close-day|count|trace|verify``."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from sbk.stock.models import Entry, Serial

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("stock", *args, stdout=out)
    return out.getvalue()


def write(tmp_path, data, name="moves.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_apply_is_all_or_nothing_and_names_index_serial_and_rule(world, tmp_path):
    today = timezone.localdate().isoformat()
    base = {"item": "blank", "bank": "BANK1", "date": today, "note": ""}
    moves = [
        {**base, "kind": "allocate", "from": None, "to": "CENTRE", "serials": ["N1", "N2"]},
        {**base, "kind": "allocate", "from": "CENTRE", "to": "DA", "serials": ["N1", "N2"]},
        {**base, "kind": "receive", "from": "CENTRE", "to": "DA", "serials": ["N1", "N2"]},
        {**base, "kind": "spoil", "from": "OA1", "to": None, "serials": ["N1"]},
    ]
    entries = Entry.objects.count()
    with pytest.raises(CommandError) as err:
        run("apply", write(tmp_path, moves))
    assert "第 3 项" in str(err.value) and "N1" in str(err.value)
    assert "[serial_not_here]" in str(err.value)
    assert Entry.objects.count() == entries and not Serial.objects.filter(serial="N1").exists()
    moves[3] = {**base, "kind": "allocate", "from": "DA", "to": "OA1", "serials": ["N1"]}
    assert "已登记 7 条" in run("apply", write(tmp_path, moves))
    report = json.loads(run("balance", "DA", "--json"))
    assert report == {
        "org": "DA",
        "date": today,
        "items": {"blank": 1, "waste": 0, "unclaimed": 0},
        "by_bank": {"BANK1": {"blank": 1, "waste": 0, "unclaimed": 0}},
        "by_version": {"3.00": {"blank": 1, "waste": 0, "unclaimed": 0}},
    }


def test_balance_at_a_date_close_day_count_trace_and_verify(world, tmp_path):
    today = timezone.localdate().isoformat()
    assert "已日清" in run("close-day", "OA1", today)
    with pytest.raises(CommandError, match="day_closed"):
        run("close-day", "OA1", today)
    past = json.loads(run("balance", "OA1", "--date", today, "--json"))
    assert past["items"]["blank"] == 10
    assert "账面 10，实盘 10" in run("count", "OA1", "--item", "blank", "--qty", "10")
    held = list(Serial.objects.filter(org=world.outlet_a).values_list("serial", flat=True))
    path = tmp_path / "seen.txt"
    path.write_text("\n".join(held[:-1]), encoding="utf-8")
    out = run("count", "OA1", "--item", "blank", "--qty", "9", "--serials", str(path))
    assert "[discrepancy]" in out and f"账有实无 {held[-1]}" in out
    trace = json.loads(run("trace", held[0], "--json"))
    assert [e["kind"] for e in trace["entries"]] == ["allocate", "allocate", "receive"]
    assert trace["org"] == "OA1" and trace["state"] == "stock"
    assert "核对通过" in run("verify")
    with pytest.raises(CommandError, match="unknown_serial"):
        run("trace", "NOPE")


def test_orgs_list_json_names_code_kind_and_parent(world):
    out = io.StringIO()
    call_command("orgs", "list", "--json", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    oa1 = next(r for r in rows if r["code"] == "OA1")
    assert (oa1["kind"], oa1["parent"]) == ("community_outlet", "DA")
