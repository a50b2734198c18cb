"""The checks of a usage import on a connection of their own (ADR 0008): outside any
transaction of the caller's, the card look-up and the known-key reads run in the helper
thread on a second PostgreSQL connection, beside the import's writes, and that connection
is closed afterwards; inside a caller's transaction they stay on the caller's connection,
which sees the cards the caller has not committed."""

import threading
import time

import pytest
from django.db import connection, transaction

from sbk.core.errors import ServiceError
from sbk.core.tests.helpers import postgres_only
from sbk.usage import importer, lookup
from sbk.usage.models import UsageImport, UsageRecord

from .helpers import cards, load

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CARDS = [
    ("PA0000001", "310112", "测试银行", "2026-01-05"),
    ("PA0000002", "310115", "测试银行", "2026-01-05"),
]


def _rows(n):
    return [
        (
            CARDS[i % 2][0],
            f"2026-03-{1 + i % 28:02d} 10:00",
            "pay_medical",
            "1",
            "M1",
            "310112",
            f"a{i}",
        )  # fmt: skip
        for i in range(n)
    ]


def _backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _gone(pid, wait=5.0):
    """Whether the backend ``pid`` has ended (it exits just after its client closes)."""
    deadline = time.monotonic() + wait
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


@pytest.fixture
def watched(monkeypatch):
    """Where each part's cards were looked up: (thread name, backend pid)."""
    seen = []
    original = importer.cards_by_index

    def spy(by_index):
        seen.append((threading.current_thread().name, _backend_pid()))
        return original(by_index)

    monkeypatch.setattr(importer, "cards_by_index", spy)
    monkeypatch.setattr(importer, "PART_ROWS", 4)
    monkeypatch.setattr(lookup, "TEMP_TABLE_FROM", 1)  # the temporary-table path, in autocommit
    return seen


def test_outside_a_transaction_the_checks_run_on_their_own_connection(place, tmp_path, watched):
    cards(tmp_path, CARDS)
    main = _backend_pid()
    result = load(_rows(10))
    assert (result.rows, result.new_rows) == (10, 10) and UsageRecord.objects.count() == 10
    assert len(watched) == 3  # three parts of four rows at most
    assert all(name.startswith("usage-parse") for name, _ in watched)
    helper_pids = {pid for _, pid in watched}
    assert len(helper_pids) == 1 and main not in helper_pids
    assert _gone(*helper_pids)  # the helper's connection is closed again
    # Again: every key known, read on the helper's connection too.
    again = load(_rows(10))
    assert (again.new_rows, again.known_rows) == (0, 10)


def test_inside_a_callers_transaction_its_uncommitted_cards_are_found(place, tmp_path, watched):
    with transaction.atomic():
        cards(tmp_path, CARDS)  # not committed while the import runs
        main = _backend_pid()
        result = load(_rows(6))
        assert result.new_rows == 6
    assert {pid for _, pid in watched} == {main}
    assert {name for name, _ in watched} == {threading.current_thread().name}


def test_a_refused_file_leaves_nothing_and_closes_the_helpers_connection(place, tmp_path, watched):
    cards(tmp_path, CARDS)
    rows = _rows(10)
    rows[9] = ("PA9999999", *rows[9][1:])  # an unknown card in the last part
    with pytest.raises(ServiceError) as caught:
        load(rows)
    assert [(p.field, p.code) for p in caught.value.problems] == [("11:card_no", "unknown_card")]
    assert not UsageRecord.objects.exists() and not UsageImport.objects.exists()
    assert all(_gone(pid) for pid in {pid for _, pid in watched})
    dry = load(_rows(10), dry_run=True)  # checked apart too, nothing written
    assert dry.new_rows == 10 and not UsageRecord.objects.exists()
