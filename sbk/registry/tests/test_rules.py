"""The person rules shared by the counter and the import (pure)."""

import datetime as dt

from sbk.idcard import make_foreign_pr_2023, make_hmt_permit, make_resident15, make_resident18
from sbk.registry.names import check_name
from sbk.registry.rules import clean_person


def codes(cleaned):
    return {(f, c) for f, c, _ in cleaned.problems}


def base(**kw):
    row = {
        "name": "张三",
        "id_number": make_resident18("610102", dt.date(1980, 5, 6), 11),
        "category": "employee",
    }
    row.update(kw)
    return row


def test_valid_resident_fills_gender_birth_and_residence():
    c = clean_person(base())
    assert c.ok, c.problems
    assert c.values["gender"] == "M"
    assert c.values["birth_date"] == dt.date(1980, 5, 6)
    assert c.values["residence_division"] == "610102"
    assert c.values["nationality"] == "CHN"


def test_stated_gender_and_birth_date_must_match_the_number():
    c = clean_person(base(gender="女", birth_date="1980-05-07"))
    assert ("gender", "gender_mismatch") in codes(c)
    assert ("birth_date", "birth_date_mismatch") in codes(c)


def test_fifteen_digit_number_is_stored_as_its_18_digit_upgrade():
    old = make_resident15("612501", dt.date(1962, 3, 4), 22)
    c = clean_person(base(id_number=old))
    assert c.ok, c.problems
    assert c.values["doc_type"] == "resident18"
    assert len(c.values["id_number"]) == 18
    assert c.values["id_number"] == make_resident18("612501", dt.date(1962, 3, 4), 22)


def test_every_broken_rule_is_reported_with_its_field():
    c = clean_person(
        {
            "name": "",
            "id_number": "61010219800230001",
            "category": "worker",
            "phone": "12345",
            "nationality": "XXX",
            "residence_division": "999999",
        }
    )
    fields = {f for f, _, _ in c.problems}
    assert {"name", "id_number", "category", "phone", "nationality", "residence_division"} <= fields


def test_other_category_needs_a_note():
    assert ("category_note", "category_note") in codes(clean_person(base(category="other")))
    assert clean_person(base(category="其他", category_note="灵活就业")).ok


def test_permit_region_is_not_taken_as_residence():
    c = clean_person(base(id_number=make_hmt_permit("810000", dt.date(1990, 1, 1), 3)))
    assert c.ok, c.problems
    assert "residence_division" not in c.values


def test_foreign_pr_sets_nationality():
    c = clean_person(
        base(name="SMITH JOHN", id_number=make_foreign_pr_2023("31", "840", dt.date(1985, 2, 3), 5))
    )
    assert c.ok, c.problems
    assert c.values["nationality"] == "USA"


def test_declared_doc_type_must_fit_the_number():
    c = clean_person(base(doc_type="hmt_permit"))
    assert ("doc_type", "doc_type_mismatch") in codes(c)


def test_rare_characters_and_mixed_scripts_are_flagged_not_refused():
    rare = check_name("王喆")
    assert not rare.printable and rare.rare_chars == ("喆",)
    mixed = check_name("李Anna")
    assert mixed.mixed_script and not mixed.printable
    assert check_name("阿依古丽·买买提").printable
    assert check_name("SMITH JOHN").printable
    c = clean_person(base(name="王喆"))
    assert c.ok and c.values["name_printable"] is False
    assert ("name", "name_rare_chars") in {(f, code) for f, code, _ in c.warnings}
