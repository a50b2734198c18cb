import datetime as dt

import pytest

from sbk.cards import rules


def test_transition_table_refuses_illegal_moves():
    assert rules.next_status("issue", rules.PRODUCED) == rules.ISSUED
    assert rules.next_status("unlock_pin", rules.ISSUED) == rules.ISSUED
    for action, current in [
        ("issue", rules.ISSUED),
        ("report_loss_formal", rules.LOST),
        ("unlock_loss", rules.ISSUED),
        ("cancel", rules.CANCELLED),
        ("report_loss_temporary", rules.REPLACED),
    ]:
        with pytest.raises(ValueError):
            rules.next_status(action, current)


def test_temporary_loss_lapses():
    now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    assert rules.effective_status(rules.TEMP_LOST, now, now) == rules.ISSUED
    later = now + dt.timedelta(days=1)
    assert rules.effective_status(rules.TEMP_LOST, later, now) == rules.TEMP_LOST


def test_replacement_needs_formal_loss_or_damage():
    assert rules.replacement_allowed(rules.LOST, "lost")
    assert not rules.replacement_allowed(rules.TEMP_LOST, "lost")
    assert not rules.replacement_allowed(rules.ISSUED, "lost")
    assert rules.replacement_allowed(rules.ISSUED, "damaged")
    assert not rules.replacement_allowed(rules.ISSUED, "")


def test_calendar_deadline():
    d = rules.deadline(dt.date(2026, 9, 28), 7, working_days=False)
    assert d == rules.Deadline(dt.date(2026, 10, 5), False)


def test_working_day_deadline_skips_national_day_and_counts_working_weekend():
    # 2026-09-30 (Wed) + 7 working days: 1–7 Oct are holidays, 10 Oct (Sat) is a working day.
    d = rules.deadline(dt.date(2026, 9, 30), 7, working_days=True)
    assert not d.provisional
    assert d.due == dt.date(2026, 10, 15)


def test_working_day_deadline_in_unknown_year_is_provisional_not_a_crash():
    d = rules.deadline(dt.date(2026, 12, 28), 7, working_days=True)
    assert d.provisional
    # 29,30,31 Dec 2026 (known) then Fri 1 Jan 2027 counted as weekday (provisional) ...
    assert d.due.year == 2027 and d.due.weekday() < 5


def test_card_numbers_carry_a_check_character():
    no = rules.make_card_no("S", 42)
    assert len(no) == 10 and rules.card_no_valid(no)
    assert not rules.card_no_valid(no[:-1] + ("0" if no[-1] != "0" else "1"))
    assert len(rules.make_card_code("310112", "3.00")) == 32


def test_bank_account_luhn_and_mask():
    assert rules.account_valid("6222021234567890128")
    assert not rules.account_valid("6222021234567890127")
    assert rules.mask_account("6222021234567890128") == "6222***********0128"
