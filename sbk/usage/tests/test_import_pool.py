"""A usage file of several parts checked in worker processes (``sbk.usage.parallel``, ADR
0008): it writes what the in-process check writes, refuses with the same problems (the
duplicate keys across parts included), and the workers' connections end with the import."""

import time

import pytest
from django.db import connection

from sbk.core.errors import ServiceError
from sbk.core.tests.helpers import postgres_only
from sbk.usage import importer, parallel
from sbk.usage.models import FirstUse, PayerCount, PayerSpan, UsageDay, UsageImport, UsageRecord

from .helpers import cards, load

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CARDS = [
    ("PP0000001", "310112", "测试银行", "2026-01-05"),
    ("PP0000002", "310115", "测试银行", "2026-01-05"),
    ("PP0000003", "310112", "", "2026-02-10"),
]
KINDS = ["pay_medical", "benefit", "merchant", "pay_pension", "transport"]


def _rows(n):
    return [
        (
            CARDS[i % 3][0],
            f"2026-03-{1 + i % 28:02d} {8 + i % 10:02d}:00",
            KINDS[i % 5],
            f"{1 + i}.50",
            f"M{i % 4}",
            ["310112", "310115", "440305"][i % 3],
            f"p{i}",
        )  # fmt: skip
        for i in range(n)
    ]


@pytest.fixture
def pooled(monkeypatch):
    """Parts of three rows, checked in worker processes; the calls of ``parallel.checked``."""
    calls = []
    original = parallel.checked

    def spy(*args, **kwargs):
        calls.append(kwargs["size"])
        return original(*args, **kwargs)

    monkeypatch.setattr(parallel, "checked", spy)
    monkeypatch.setattr(importer, "PART_ROWS", 3)
    monkeypatch.setattr(importer, "POOL_FROM_LINES", 1)
    return calls


def _in_process(monkeypatch):
    monkeypatch.setattr(importer, "POOL_FROM_LINES", 10**9)


def _written():
    records = sorted(
        UsageRecord.objects.values_list(
            "row_key", "digest", "card_id", "person_id", "bank_id_at_use", "card_division",
            "used_at", "day", "kind", "amount", "scenario", "division_code", "area",
        )
    )  # fmt: skip
    firsts = sorted(FirstUse.objects.values_list("person_id", "kind", "day"))
    days = sorted(UsageDay.objects.values_list("day", "division", "bank", "kind", "area", "uses"))
    counts = sorted(PayerCount.objects.values_list("day", "division", "bank", "kind", "delta"))
    return records, firsts, days, counts


def _clear_usage():
    for model in (UsageRecord, FirstUse, UsageDay, PayerSpan, PayerCount, UsageImport):
        model.objects.all().delete()


def _backends():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _back_to(n, wait=10.0):
    deadline = time.monotonic() + wait
    while _backends() != n:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# First days held before the file: one earlier than the file's (kept), one later (moved
# earlier by the file), one among them.
EARLIER = [
    ("PP0000001", "2026-02-15 09:00", "pay_medical", "3.00", "", "310112", "q1"),
    ("PP0000002", "2026-04-20 09:00", "benefit", "3.00", "", "310115", "q2"),
    ("PP0000003", "2026-03-05 09:00", "pay_pension", "3.00", "", "310112", "q3"),
]


def test_worker_processes_write_what_the_in_process_check_writes(
    place, tmp_path, pooled, monkeypatch
):
    cards(tmp_path, CARDS)
    load(EARLIER)
    before = _backends()
    result = load(_rows(11))
    assert pooled == [3, 3]  # the pool was used, parts of three rows
    assert (result.rows, result.new_rows, result.known_rows) == (11, 11, 0)
    assert _back_to(before)  # the workers' connections are closed
    again = load(_rows(11))  # every key known, read by the workers
    assert (again.new_rows, again.known_rows) == (0, 11) and pooled == [3, 3, 3]
    by_pool = _written()
    assert len(by_pool[0]) == 14 and len(by_pool[1]) == 5 and by_pool[3]

    _clear_usage()
    _in_process(monkeypatch)
    load(EARLIER)
    assert load(_rows(11)).new_rows == 11
    assert pooled == [3, 3, 3]  # not called again
    assert _written() == by_pool


def _problems(rows):
    with pytest.raises(ServiceError) as caught:
        load(rows)
    return [(p.field, p.code, p.message) for p in caught.value.problems]


def test_a_refused_file_names_the_same_problems_and_a_dry_run_writes_nothing(
    place, tmp_path, pooled, monkeypatch
):
    cards(tmp_path, CARDS)
    before = _backends()
    rows = _rows(11)
    rows[7] = (*rows[7][:6], "p1")  # part 3 repeats part 1's key (line 3)
    rows[5] = (*rows[5][:6], "p4")  # within part 2: line 7 repeats line 6's key
    rows[9] = ("PP9999999", *rows[9][1:])  # an unknown card in the last part
    rows[2] = (rows[2][0], "2026-13-01 10:00", *rows[2][2:])  # a bad time in part 1
    by_pool = _problems(rows)
    assert pooled == [3]
    assert not UsageRecord.objects.exists() and not UsageImport.objects.exists()
    assert _back_to(before)
    codes = [(field, code) for field, code, _ in by_pool]
    assert ("9:row_key", "duplicate_row_key") in codes  # across parts
    assert ("7:row_key", "duplicate_row_key") in codes  # within a part
    assert ("11:card_no", "unknown_card") in codes and ("4:used_at", "bad_time") in codes

    dry = load(_rows(8), dry_run=True)  # checked in the workers too, nothing written
    assert pooled == [3, 3] and (dry.rows, dry.new_rows) == (8, 8)
    assert not UsageRecord.objects.exists() and not UsageImport.objects.exists()

    _in_process(monkeypatch)
    assert _problems(rows) == by_pool
