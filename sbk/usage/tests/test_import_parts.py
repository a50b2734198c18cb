"""A usage file read in parts (``importer.PART_ROWS``), each parsed in a helper thread while
the one before is written: the result is the file imported as one, and a problem in any
part leaves nothing of the others."""

import random
import threading

import pytest
from django.db.models import Count, Min, Sum

from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.usage import importer, kept, queries
from sbk.usage.models import FirstUse, PayerSpan, UsageDay, UsageImport, UsageRecord

from .helpers import cards, day, load

pytestmark = pytest.mark.django_db

CARDS = [
    ("PC0000001", "310112", "测试银行", "2026-01-05"),
    ("PC0000002", "310115", "测试银行", "2026-01-05"),
    ("PC0000003", "310112", "", "2026-01-05"),
]


@pytest.fixture
def parts_of_three(place, tmp_path, monkeypatch):
    cards(tmp_path, CARDS)
    monkeypatch.setattr(importer, "PART_ROWS", 3)


def rows(n: int, seed: int = 7) -> list[tuple]:
    """``n`` uses of the three cards; the same person pays late in the first part and early
    in a later one, and the same day totals recur across parts."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        card = CARDS[i % 3][0]
        when = day("2026-03-01").fromordinal(day("2026-03-01").toordinal() + rnd.randrange(60))
        if i == 0:
            when = day("2026-05-30")
        kind = rnd.choice(["pay_medical", "pay_pension", "benefit", "merchant"])
        place = rnd.choice(["310112", "310115", "440300"])
        out.append((card, f"{when} 10:00", kind, f"{rnd.randrange(1, 900)}.50", "M1", place,
                    f"p{seed}-{i}"))  # fmt: skip
    return out


def test_a_file_in_parts_keeps_what_its_raw_rows_imply(parts_of_three):
    result = load(rows(20))
    assert (result.rows, result.new_rows, result.known_rows) == (20, 20, 0)
    assert UsageRecord.objects.count() == 20
    # First days: the earliest over all parts (row 0, in the first part, is the latest use).
    firsts = {(f.person_id, f.kind): f.day for f in FirstUse.objects.all()}
    raw = {}
    for u in UsageRecord.objects.all():
        kind = "benefit" if u.kind == "benefit" else "pay" if u.kind.startswith("pay_") else None
        if kind:
            key = (u.person_id, kind)
            raw[key] = min(raw.get(key, u.day), u.day)
    assert firsts == raw
    # Day totals: summed over the parts, one row per group.
    group = ("day", "card_division", "bank_id_at_use", "kind", "area")
    expected = {
        tuple(r[g] for g in group): (r["n"], r["amount"])
        for r in UsageRecord.objects.values(*group).annotate(n=Count("id"), amount=Sum("amount"))
    }
    kept_days = {
        (d.day, d.division, d.bank, d.kind, d.area): (d.uses, d.amount)
        for d in UsageDay.objects.all()
    }
    assert kept_days == expected
    # The kept payer counts agree with the spans rebuilt from scratch.
    end = day("2026-06-30")
    before = queries.coverage(end)
    assert (
        before["payers"]
        == UsageRecord.objects.filter(kind__startswith="pay_").aggregate(
            n=Count("person_id", distinct=True)
        )["n"]
    )
    kept.rebuild()
    assert queries.coverage(end) == before
    batch = UsageImport.objects.get()
    assert (batch.rows, batch.new_rows, batch.known_rows) == (20, 20, 0)
    # Again: every key known in every part, nothing written.
    again = load(rows(20))
    assert (again.new_rows, again.known_rows) == (0, 20)
    assert UsageRecord.objects.count() == 20


@pytest.mark.parametrize("where", ["duplicate key", "unknown card in the last part"])
def test_a_problem_in_a_later_part_leaves_nothing_of_the_earlier(parts_of_three, where):
    file = rows(10)
    if where == "duplicate key":
        file[7] = (*file[7][:6], file[1][6])  # part 3 repeats a key of part 1
        expected = ("9:row_key", "duplicate_row_key")
    else:
        file[9] = ("PC9999999", *file[9][1:])
        expected = ("11:card_no", "unknown_card")
    with pytest.raises(ServiceError) as caught:
        load(file)
    assert [(p.field, p.code) for p in caught.value.problems] == [expected]
    assert not UsageRecord.objects.exists() and not UsageImport.objects.exists()
    assert not FirstUse.objects.exists() and not UsageDay.objects.exists()
    assert not PayerSpan.objects.exists()


def test_every_problem_of_every_part_is_listed(parts_of_three):
    file = rows(9)
    file[1] = ("PC9999999", *file[1][1:])
    file[8] = (file[8][0], "tomorrow", *file[8][2:])
    with pytest.raises(ServiceError) as caught:
        load(file)
    assert [p.field for p in caught.value.problems] == ["3:card_no", "10:used_at"]


def test_the_parts_are_parsed_in_a_helper_thread_in_order():
    seen = []

    def produce():
        for i in range(4):
            seen.append(threading.current_thread().name)
            yield i

    assert list(importer.ahead(produce())) == [0, 1, 2, 3]
    assert all(name.startswith("usage-parse") for name in seen)


def test_a_failure_while_parsing_reaches_the_caller_after_the_parts_before():
    def produce():
        yield 1
        raise ValueError("broken")

    got = []
    with pytest.raises(ValueError, match="broken"):
        for item in importer.ahead(produce()):
            got.append(item)
    assert got == [1]


def test_a_file_without_its_columns_is_refused_from_the_helper_thread(parts_of_three):
    with pytest.raises(ServiceError) as caught:
        importer.import_usage(b"card_no,kind\nPC0000001,merchant\n", acting_user=SYSTEM, name="x")
    assert caught.value.code == "bad_file"


def test_the_earliest_first_day_wins_across_parts(parts_of_three):
    """The earliest day wins across the parts (a Min over the raw rows of one person,
    whose uses straddle three parts)."""
    file = [
        ("PC0000001", f"2026-04-{d:02d} 10:00", "pay_medical", "1", "", "310112", f"s{d}")
        for d in (20, 9, 15, 3, 28, 11, 1)
    ]
    load(file)
    first = FirstUse.objects.get(kind="pay")
    assert first.day == UsageRecord.objects.aggregate(d=Min("day"))["d"] == day("2026-04-01")


def test_a_quote_free_file_is_read_line_by_line_as_the_csv_reader_reads_it():
    """A file without quotes in the contract's order goes through ``rules.parse_line``; the
    same file with one field quoted through the CSV reader: the same rows, problems and
    line numbers, blank lines and CRLF line ends included."""
    from .test_rules import LINES, NOW

    body = ["", *LINES, "", "SC0000002,2026-05-02 09:00,transport,3,B1,310115,k2"]
    header = ",".join(importer.rules.COLUMNS)

    def read(lines, end="\n"):
        (part,) = importer.read_parts(end.join([header, *lines]) + end, size=None, now=NOW)
        return part.rows, part.problems, part.lines

    plain = read(body)
    assert plain == read(body, "\r\n")
    assert plain == read([*body[:-1], body[-1].replace(",B1,", ',"B1",')])
    rows, problems, lines = plain
    assert lines == len(body) - 2  # the blank lines are not rows
    assert rows[-1].line == len(body) + 1 and rows[-1].scenario == "B1"
    assert {p.row for p in problems} >= {9, 10}  # LINES[6] and [7]: a bad day, a future time
