"""Identity number validation. All numbers are synthetic, built with valid checksums here."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
from stdnum.cn import ric

from sbk.idcard import (
    IdCheckResult,
    IdErrorCode,
    check_id_number,
    cross_check,
    detect_type,
    icao_731_check,
    make_foreign_pr_2017,
    make_foreign_pr_2023,
    make_hmt_permit,
    make_resident15,
    make_resident18,
    mask_number,
    mask_phone,
    mod11_2_check,
    normalise,
)

TODAY = date(2026, 3, 1)
GB_EXAMPLE = "11010519491231002X"  # the worked example of GB 11643-1999


def check(raw, **kwargs) -> IdCheckResult:
    kwargs.setdefault("today", TODAY)
    return check_id_number(raw, **kwargs)


def codes(result: IdCheckResult) -> list[str]:
    return [error.code for error in result.errors]


def with_check(body17: str) -> str:
    """Append the correct MOD 11-2 character to any 17-digit body."""
    return body17 + mod11_2_check(body17)


# --- checksums ------------------------------------------------------------------------


def test_mod11_2_matches_the_standard_example():
    assert mod11_2_check(GB_EXAMPLE[:17]) == "X"


@pytest.mark.parametrize("seq", [0, 1, 2, 17, 500, 998, 999])
def test_mod11_2_agrees_with_python_stdnum(seq):
    number = make_resident18("330106", date(1985, 7, 14), seq)
    assert ric.calc_check_digit(number) == number[-1]


def test_icao_731_matches_the_icao_9303_worked_example():
    # ICAO Doc 9303 part 3 specimen: document number L898902C3, check digit 6.
    assert icao_731_check("L898902C3") == "6"
    assert icao_731_check("740812") == "2"
    assert icao_731_check("120415") == "9"


def test_mod11_2_rejects_a_bad_body():
    with pytest.raises(ValueError):
        mod11_2_check("1234")


# --- normalisation and detection ------------------------------------------------------


def test_normalise_full_width_spaces_and_lower_case_x():
    raw = " １１０１０５\u3000１９４９１２３１ ００２ｘ\u200b\n"
    assert normalise(raw) == GB_EXAMPLE
    assert normalise(None) == ""
    assert normalise("usa 3101 9001 0157") == "USA310190010157"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (GB_EXAMPLE, "resident18"),
        ("931840199001011233", "foreign_pr_2023"),
        ("810000199001010014", "hmt_permit"),
        ("820000199001010014", "hmt_permit"),
        ("830000199001010014", "hmt_permit"),
        ("811000199001010014", "resident18"),
        ("612501900101123", "resident15"),
        ("USA310190010157", "foreign_pr_2017"),
        ("1234567890123456", None),
        ("", None),
    ],
)
def test_detect_type(number, expected):
    assert detect_type(number) == expected


# --- valid numbers of every type ------------------------------------------------------


def test_gb_standard_example_is_valid():
    result = check(GB_EXAMPLE)
    assert result.valid, result.errors
    assert result.type == "resident18"
    assert result.birth_date == date(1949, 12, 31)
    assert result.gender == "F"
    assert result.division_code == "110105"
    assert result.division_name == "北京市朝阳区"
    assert result.upgraded is None


def test_full_width_lower_case_input_is_normalised_before_checking():
    result = check("１１０１０５ １９４９１２３１ ００２ｘ")
    assert result.valid
    assert result.number == GB_EXAMPLE


def test_constructed_resident18_male_and_female():
    male = check(make_resident18("440305", date(1990, 5, 17), 131))
    female = check(make_resident18("440305", date(1990, 5, 17), 132))
    assert male.valid and male.gender == "M"
    assert female.valid and female.gender == "F"
    assert male.division_name == "广东省深圳市南山区"


def test_abolished_division_612501_is_accepted():
    result = check(make_resident18("612501", date(1975, 3, 8), 21))
    assert result.valid, result.errors
    assert result.division_code == "612501"
    assert result.division_name == "陕西省商洛地区商州市"


def test_leap_day_is_a_real_date():
    assert check(make_resident18("110105", date(2000, 2, 29), 10)).valid


def test_resident15_is_upgraded_to_18():
    number = make_resident15("612501", date(1990, 1, 1), 123)
    assert number == "612501900101123"
    result = check(number)
    assert result.valid
    assert result.upgraded == "612501199001011239"
    assert ric.is_valid(result.upgraded)
    assert result.birth_date == date(1990, 1, 1)
    assert result.gender == "M"
    assert check(result.upgraded).valid


def test_hmt_permits():
    for region, name in (("HK", "香港特别行政区"), ("MO", "澳门特别行政区"), ("TW", "台湾地区")):
        result = check(make_hmt_permit(region, date(1988, 8, 8), 4))
        assert result.valid, result.errors
        assert result.type == "hmt_permit"
        assert result.division_name == name
        assert result.gender == "F"
    assert check(make_hmt_permit("830000", date(1988, 8, 8), 3)).division_code == "830000"


def test_foreign_pr_2023():
    number = make_foreign_pr_2023("31", "USA", date(1990, 1, 1), 123)
    assert number == "931840199001011233"
    result = check(number)
    assert result.valid, result.errors
    assert result.type == "foreign_pr_2023"
    assert result.gender == "M"
    assert result.birth_date == date(1990, 1, 1)
    assert result.division_code == "310000"
    assert result.division_name == "上海市"
    assert result.nationality == "USA"


def test_foreign_pr_2023_with_x_check_character():
    numbers = [make_foreign_pr_2023("61", "276", date(1982, 6, 1), seq) for seq in range(40)]
    with_x = [n for n in numbers if n.endswith("X")]
    assert with_x
    assert check(with_x[0].lower()).valid


def test_foreign_pr_2017():
    number = make_foreign_pr_2017("USA", "3101", date(1990, 1, 1), 5)
    assert number == "USA310190010157"
    result = check(number)
    assert result.valid, result.errors
    assert result.type == "foreign_pr_2017"
    assert result.gender == "M"
    assert result.birth_date == date(1990, 1, 1)
    assert result.division_code == "310100"
    assert result.division_name == "上海市"
    assert result.nationality == "USA"
    prefecture = check(make_foreign_pr_2017("DEU", "6101", date(1970, 2, 3), 2))
    assert prefecture.valid and prefecture.division_name == "陕西省西安市"
    assert prefecture.gender == "F"


def test_foreign_pr_2017_century_pivots_on_today():
    number = make_foreign_pr_2017("JPN", "4401", date(2005, 6, 1), 1)
    assert check(number).birth_date == date(2005, 6, 1)
    assert check(number, today=date(2004, 1, 1)).birth_date == date(1905, 6, 1)
    old = make_foreign_pr_2017("JPN", "4401", date(1930, 6, 1), 1)
    assert check(old).birth_date == date(1930, 6, 1)


# --- each error on its own ------------------------------------------------------------


def test_undetectable_length_reports_type_and_length():
    result = check("11010519491231002")
    assert result.type is None
    assert codes(result) == ["type", "length"]
    assert "实际为17位" in result.errors[1].message
    assert not result.valid


def test_undetectable_with_bad_characters_also_reports_charset():
    assert codes(check("1101#519")) == ["type", "length", "charset"]
    assert codes(check("")) == ["type", "length"]


def test_charset_alone():
    result = check("11010519491231002Y")
    assert codes(result) == ["charset"]
    assert "第18位「Y」" in result.errors[0].message
    letter_in_sequence = check("11010519491231A02X")
    assert codes(letter_in_sequence) == ["charset"]
    assert letter_in_sequence.birth_date == date(1949, 12, 31)
    assert codes(check("61250190010112A")) == ["charset"]


def test_checksum_alone():
    result = check("110105194912310021")
    assert codes(result) == ["checksum"]
    assert result.type == "resident18"
    assert result.birth_date == date(1949, 12, 31)  # still decoded for the operator


def test_checksum_message_does_not_reveal_the_expected_character():
    message = check("110105194912310021").errors[0].message
    assert "X" not in message.replace("MOD 11-2", "")


def test_feb_30_alone():
    result = check(with_check("11010519900230002"))
    assert codes(result) == ["birth_date"]
    assert "19900230" in result.errors[0].message
    assert result.birth_date is None


def test_future_birth_date_alone():
    result = check(make_resident18("110105", date(2026, 3, 2), 1))
    assert codes(result) == ["birth_date"]
    assert "晚于今天" in result.errors[0].message
    assert check(make_resident18("110105", date(2026, 3, 1), 1)).valid


def test_implausibly_old_birth_date():
    assert codes(check(make_resident18("110105", date(1801, 1, 1), 1))) == ["birth_date"]


def test_resident15_feb_29_1900_is_not_a_date():
    assert codes(check("110105000229001")) == ["birth_date"]


def test_unknown_division_alone():
    result = check(make_resident15("999999", date(1970, 1, 1), 11))
    assert codes(result) == ["division"]
    assert "999999" in result.errors[0].message
    assert result.upgraded is None
    assert codes(check(make_resident18("000000", date(1970, 1, 1), 11))) == ["division"]


def test_unknown_nationality_alone():
    assert codes(check(make_foreign_pr_2023("11", "999", date(1990, 1, 1), 1))) == ["nationality"]
    result = check(make_foreign_pr_2017("ZZZ", "1101", date(1990, 1, 1), 1))
    assert codes(result) == ["nationality"]
    assert "ZZZ" in result.errors[0].message


def test_china_is_not_a_foreign_nationality():
    assert codes(check(make_foreign_pr_2023("11", "156", date(1990, 1, 1), 1))) == ["nationality"]
    assert codes(check(make_foreign_pr_2017("CHN", "1101", date(1990, 1, 1), 1))) == ["nationality"]


def test_unknown_province_alone():
    result = check(make_foreign_pr_2023("99", "250", date(1990, 1, 1), 1))
    assert codes(result) == ["province"]
    assert "99" in result.errors[0].message
    assert codes(check(make_foreign_pr_2017("FRA", "9901", date(1990, 1, 1), 1))) == ["province"]


def test_foreign_pr_2017_unknown_city():
    assert codes(check(make_foreign_pr_2017("FRA", "1199", date(1990, 1, 1), 1))) == ["division"]


def test_foreign_pr_2017_checksum_alone():
    number = make_foreign_pr_2017("GBR", "3201", date(1985, 10, 10), 7)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert codes(check(wrong)) == ["checksum"]


def test_expected_type_mismatch():
    result = check(GB_EXAMPLE, expected_type="foreign_pr_2023")
    assert codes(result) == ["type"]
    assert not result.valid
    assert check(GB_EXAMPLE, expected_type=["resident18", "resident15"]).valid


# --- combinations ---------------------------------------------------------------------


def test_bad_birth_date_and_bad_checksum_both_reported():
    body = "11010519900230002"
    wrong = body + ("0" if mod11_2_check(body) != "0" else "1")
    assert codes(check(wrong)) == ["birth_date", "checksum"]


def test_every_broken_rule_is_listed():
    body = "000000" + "20300101" + "001"  # unknown division, future birth date
    wrong = body + ("0" if mod11_2_check(body) != "0" else "1")
    assert codes(check(wrong)) == ["division", "birth_date", "checksum"]
    foreign = "9" + "99" + "999" + "19900230" + "001"  # province, nationality, date
    wrong = foreign + ("0" if mod11_2_check(foreign) != "0" else "1")
    assert codes(check(wrong)) == ["province", "nationality", "birth_date", "checksum"]


# --- JSON form ------------------------------------------------------------------------


def test_json_form_of_a_resident18():
    data = check(GB_EXAMPLE).to_json_dict()
    assert list(data) == [
        "number",
        "valid",
        "type",
        "birth_date",
        "gender",
        "division_code",
        "division_name",
        "errors",
    ]
    assert data["birth_date"] == "1949-12-31"
    json.dumps(data, ensure_ascii=False)


def test_json_form_has_upgraded_only_for_resident15():
    assert check("612501900101123").to_json_dict()["upgraded"] == "612501199001011239"
    assert check("999999900101123").to_json_dict()["upgraded"] is None
    assert "upgraded" not in check("USA310190010157").to_json_dict()


def test_json_errors_are_code_and_message():
    data = check("110105194912310021").to_json_dict()
    assert data["valid"] is False
    assert data["errors"] == [{"code": "checksum", "message": data["errors"][0]["message"]}]
    assert json.loads(json.dumps(data))["errors"][0]["code"] == "checksum"


def test_error_codes_are_stable_strings():
    assert {c.value for c in IdErrorCode} >= {
        "length",
        "charset",
        "checksum",
        "birth_date",
        "division",
        "nationality",
        "province",
        "type",
        "gender_mismatch",
        "birth_date_mismatch",
    }


# --- cross-checks ---------------------------------------------------------------------


def test_cross_check_matches():
    result = check(GB_EXAMPLE)
    assert cross_check(result, gender="F", birth_date=date(1949, 12, 31)) == []
    assert cross_check(result, gender="女", birth_date="1949-12-31") == []
    assert cross_check(result) == []


def test_cross_check_mismatches():
    result = check(GB_EXAMPLE)
    errors = cross_check(result, gender="M", birth_date=date(1949, 12, 30))
    assert [e.code for e in errors] == ["gender_mismatch", "birth_date_mismatch"]
    assert "男" in errors[0].message and "女" in errors[0].message
    assert "1949-12-30" in errors[1].message


def test_cross_check_skips_facts_the_number_does_not_give():
    assert cross_check(check("123"), gender="M", birth_date=date(2000, 1, 1)) == []


# --- masking --------------------------------------------------------------------------


def test_mask_number():
    assert mask_number("61250119900101123X") == "6125011990****123X"
    assert mask_number("612501900101123") == "61250190****123"
    assert mask_number("USA310190010157") == "USA310190****57"
    assert mask_number("6125011990 0101 123x") == "6125011990****123X"
    masked = mask_number("H12345678")
    assert len(masked) == 9 and "*" in masked and masked[0] == "H"
    assert mask_number("123") == "***"


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("138 1234 5678") == "138****5678"
    assert mask_phone("12345") == "***45"


# --- generators -----------------------------------------------------------------------


def test_generators_reject_bad_arguments():
    with pytest.raises(ValueError):
        make_resident18("11010", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_resident18("110105", date(1990, 1, 1), 1000)
    with pytest.raises(ValueError):
        make_resident15("110105", date(2001, 1, 1), 1)
    with pytest.raises(ValueError):
        make_hmt_permit("840000", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_foreign_pr_2017("USA", "3101", date(1990, 1, 1), 10)


# --- speed ----------------------------------------------------------------------------


def test_resident18_check_is_fast():
    number = make_resident18("612501", date(1975, 3, 8), 21)
    check(number)  # load the table
    runs = 2000
    start = time.perf_counter()
    for _ in range(runs):
        check_id_number(number, today=TODAY)
    per_call = (time.perf_counter() - start) / runs
    assert per_call < 200e-6  # measured about 11 µs; generous for slow CI machines
