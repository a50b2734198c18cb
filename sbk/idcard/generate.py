"""Build numbers with correct check characters, for demo data and tests. Pure, no Django.

Arguments are checked for shape only (digits, lengths), not against the division table or
the country list, so tests can also build well-formed numbers that must be rejected.
"""

from __future__ import annotations

from datetime import date

from sbk.idcard import countries
from sbk.idcard.checksums import icao_731_check, mod11_2_check
from sbk.idcard.validation import HMT_REGIONS

_HMT_ALIASES = {"HK": "810000", "MO": "820000", "TW": "830000"}


def _require_digits(value: str, length: int, what: str) -> str:
    if len(value) != length or not (value.isascii() and value.isdigit()):
        raise ValueError(f"{what} must be {length} digits, got {value!r}")
    return value


def _seq(seq: int, width: int) -> str:
    if not 0 <= seq < 10**width:
        raise ValueError(f"sequence must be 0..{10**width - 1}, got {seq}")
    return str(seq).zfill(width)


def make_resident18(division: str, birth: date, seq: int) -> str:
    """18-character resident ID; ``seq`` 0-999, odd for a man, even for a woman."""
    body = _require_digits(division, 6, "division") + birth.strftime("%Y%m%d") + _seq(seq, 3)
    return body + mod11_2_check(body)


def make_resident15(division: str, birth: date, seq: int) -> str:
    """Legacy 15-digit resident ID (birth year 1900-1999, no check character)."""
    if not 1900 <= birth.year <= 1999:
        raise ValueError("a 15-digit ID carries a birth year in 1900-1999")
    return _require_digits(division, 6, "division") + birth.strftime("%y%m%d") + _seq(seq, 3)


def make_hmt_permit(region: str, birth: date, seq: int) -> str:
    """Residence permit of Hong Kong/Macao/Taiwan residents (810000/820000/830000 or
    HK/MO/TW)."""
    code = _HMT_ALIASES.get(region.upper(), region)
    if code not in HMT_REGIONS:
        raise ValueError(f"region must be one of {sorted(HMT_REGIONS)} or HK/MO/TW")
    body = code + birth.strftime("%Y%m%d") + _seq(seq, 3)
    return body + mod11_2_check(body)


def make_foreign_pr_2023(province: str, nationality: str, birth: date, seq: int) -> str:
    """2023 foreign permanent residence ID: "9" + 2-digit province + 3-digit nationality
    (ISO 3166-1 numeric; an alpha-3 code is converted) + YYYYMMDD + 3-digit sequence +
    MOD 11-2 check."""
    if nationality.isalpha():
        numeric = countries.alpha3_to_numeric(nationality.upper())
        if numeric is None:
            raise ValueError(f"unknown ISO 3166-1 alpha-3 code {nationality!r}")
        nationality = numeric
    body = (
        "9"
        + _require_digits(province, 2, "province")
        + _require_digits(nationality, 3, "nationality")
        + birth.strftime("%Y%m%d")
        + _seq(seq, 3)
    )
    return body + mod11_2_check(body)


def make_foreign_pr_2017(nationality: str, location: str, birth: date, seq: int) -> str:
    """2017 foreign permanent residence ID: 3-letter nationality + 4-digit acceptance
    location (province + city; a 2-digit province gets "00") + YYMMDD + 1-digit sequence +
    7-3-1 check digit."""
    if nationality.isdigit():
        alpha3 = countries.numeric_to_alpha3(nationality)
        if alpha3 is None:
            raise ValueError(f"unknown ISO 3166-1 numeric code {nationality!r}")
        nationality = alpha3
    nationality = nationality.upper()
    if len(nationality) != 3 or not (nationality.isascii() and nationality.isalpha()):
        raise ValueError(f"nationality must be 3 letters, got {nationality!r}")
    if len(location) == 2:
        location += "00"
    body = (
        nationality
        + _require_digits(location, 4, "location")
        + birth.strftime("%y%m%d")
        + _seq(seq, 1)
    )
    return body + icao_731_check(body)
