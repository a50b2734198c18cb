"""Validate identity document numbers (SPEC §1). Pure module: no Django import.

Document types and layouts (0-based slices):

``resident18`` — GB 11643-1999 公民身份号码: [0:6] GB/T 2260 division, [6:14] YYYYMMDD,
[14:17] sequence (odd = male), [17] ISO 7064 MOD 11-2 check ("0"-"9" or "X").

``resident15`` — GB 11643-1989: [0:6] division, [6:12] YYMMDD (19YY), [12:15] sequence
(odd = male); no check. A valid one is reported with its 18-character form.

``hmt_permit`` — 港澳台居民居住证: resident18 rules with the division fixed at 810000
(Hong Kong), 820000 (Macao) or 830000 (Taiwan).

``foreign_pr_2023`` — 外国人永久居留身份证, issued since 2023-12-01: "9", [1:3] province
of acceptance, [3:6] ISO 3166-1 numeric nationality, [6:14] YYYYMMDD, [14:17] sequence
(odd = male), [17] MOD 11-2 check. Source: National Immigration Administration,
《新版外国人永久居留身份证机读信息规则（2023版）》 (republished at
http://www.eastcoms.com/service/pro/840.html): 17 digits + 1 check character, first digit
"9", the 3-letter nationality of the old number converted to its numeric code, check "采用
MOD11-2 算法…与公民身份号码校验方式相同". Field order as implemented by
howardli/CredentialKit (ForeignerPermanentResidenceIdNumberProcessor.java) and
xiaozhuziGG/PRC_FOREIGN_PERMANENT_RESIDENT_ID_CARD (IdCardGenerator.py).

``foreign_pr_2017`` — the 15-character number of the 2017 card, "3 位拉丁字母 +
12 位数字" per the same NIA rules: [0:3] ISO 3166-1 alpha-3 nationality, [3:7] acceptance
location (2-digit province + 2-digit city, i.e. division code XXXX00), [7:13] YYMMDD,
[13] sequence digit (odd = male), [14] check digit = 7-3-1 weighted sum mod 10 over the
first 14 characters with A=10 … Z=35 (the ICAO 9303 MRZ check). Both open-source
implementations above agree on this layout and algorithm; no official text for the check
digit was found. SPEC §1 lists "2-digit province + yymmdd + 2-digit sequence", which adds
up to 14, not 15 characters; the layout above is the one both implementations use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from sbk.divisions.table import PLACEHOLDER_NAMES, load_table
from sbk.idcard import countries
from sbk.idcard.checksums import icao_731_check, mod11_2_check
from sbk.idcard.errors import IdError, IdErrorCode
from sbk.idcard.text import normalise

MIN_BIRTH_YEAR = 1850


class IdType(StrEnum):
    RESIDENT18 = "resident18"
    RESIDENT15 = "resident15"
    FOREIGN_PR_2023 = "foreign_pr_2023"
    FOREIGN_PR_2017 = "foreign_pr_2017"
    HMT_PERMIT = "hmt_permit"


TYPE_LABELS = {
    IdType.RESIDENT18: "公民身份号码",
    IdType.RESIDENT15: "15位公民身份号码",
    IdType.FOREIGN_PR_2023: "外国人永久居留身份证号码（2023版）",
    IdType.FOREIGN_PR_2017: "外国人永久居留身份证号码（2017版）",
    IdType.HMT_PERMIT: "港澳台居民居住证号码",
}

HMT_REGIONS = {
    "810000": "香港特别行政区",
    "820000": "澳门特别行政区",
    "830000": "台湾地区",
}

GENDER_LABELS = {"M": "男", "F": "女"}


class DivisionLookup(Protocol):
    """What the validator needs from a division table (``sbk.divisions.table``)."""

    def exists(self, code: str) -> bool: ...

    def name(self, code: str, year: int | None = None) -> str | None: ...

    def full_name(self, code: str, year: int | None = None) -> str | None: ...


@dataclass(frozen=True)
class IdCheckResult:
    number: str
    valid: bool
    type: str | None
    birth_date: date | None
    gender: str | None  # "M" / "F"
    division_code: str | None
    division_name: str | None
    upgraded: str | None  # 18-character form of a valid resident15
    errors: list[IdError] = field(default_factory=list)
    # ISO 3166-1 alpha-3 nationality of a foreign PR number (not part of the JSON form).
    nationality: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "number": self.number,
            "valid": self.valid,
            "type": self.type,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "gender": self.gender,
            "division_code": self.division_code,
            "division_name": self.division_name,
        }
        if self.type == IdType.RESIDENT15:
            data["upgraded"] = self.upgraded
        data["errors"] = [error.to_json_dict() for error in self.errors]
        return data


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _letters(text: str) -> bool:
    return text.isascii() and text.isalpha() and text.isupper()


def detect_type(number: str) -> str | None:
    """Document type of a normalised number, from its length and leading characters."""
    length = len(number)
    if length == 18:
        if number[0] == "9":
            return IdType.FOREIGN_PR_2023.value
        if number[:6] in HMT_REGIONS:
            return IdType.HMT_PERMIT.value
        return IdType.RESIDENT18.value
    if length == 15:
        if number[0].isalpha():
            return IdType.FOREIGN_PR_2017.value
        return IdType.RESIDENT15.value
    return None


class _Check:
    """Accumulates the findings for one number."""

    __slots__ = ("birth_date", "division_code", "division_name", "errors", "gender", "label")

    def __init__(self, kind: IdType):
        self.label = TYPE_LABELS[kind]
        self.errors: list[IdError] = []
        self.birth_date: date | None = None
        self.gender: str | None = None
        self.division_code: str | None = None
        self.division_name: str | None = None

    def error(self, code: IdErrorCode, message: str) -> None:
        self.errors.append(IdError(code.value, message))

    def charset(self, number: str, classes: str, rule: str) -> bool:
        """Check each position against D (digit), C (digit or X), L (letter)."""
        bad = []
        for pos, (ch, cls) in enumerate(zip(number, classes, strict=True), 1):
            if cls == "L":
                ok = "A" <= ch <= "Z"
            else:
                ok = "0" <= ch <= "9" or (cls == "C" and ch == "X")
            if not ok:
                bad.append(f"第{pos}位「{ch}」")
        if bad:
            shown = "、".join(bad[:3]) + ("等" if len(bad) > 3 else "")
            self.error(IdErrorCode.CHARSET, f"{self.label}{rule}，{shown}不符合")
        return not bad

    def gender_from(self, digit: str) -> None:
        if _digits(digit):
            self.gender = "M" if int(digit) % 2 else "F"

    def birth(self, text: str, today: date, *, century: str | None = None) -> None:
        """Parse YYYYMMDD (or YYMMDD with ``century``) and check it is real and past."""
        if not _digits(text):
            return  # already reported as a charset problem
        full = (century or "") + text
        try:
            born = date(int(full[:4]), int(full[4:6]), int(full[6:8]))
        except ValueError:
            self.error(IdErrorCode.BIRTH_DATE, f"{self.label}的出生日期「{text}」不是有效日期")
            return
        self.birth_date = born
        if born > today:
            self.error(
                IdErrorCode.BIRTH_DATE,
                f"{self.label}的出生日期{born.isoformat()}晚于今天（{today.isoformat()}）",
            )
        elif born.year < MIN_BIRTH_YEAR:
            self.error(
                IdErrorCode.BIRTH_DATE,
                f"{self.label}的出生日期{born.isoformat()}早于{MIN_BIRTH_YEAR}年，不可能有效",
            )

    def division(self, code: str, divisions: DivisionLookup) -> None:
        if not _digits(code):
            return
        self.division_code = code
        if divisions.exists(code):
            self.division_name = divisions.full_name(code)
        else:
            self.error(
                IdErrorCode.DIVISION,
                f"{self.label}的行政区划代码「{code}」不存在（已对照GB/T 2260全部历史代码）",
            )

    def checksum(self, ok: bool, algorithm: str, length: int) -> None:
        if not ok:
            self.error(
                IdErrorCode.CHECKSUM,
                f"{self.label}校验码错误：第{length}位与前{length - 1}位按{algorithm}"
                "计算的结果不符，请核对号码是否录入有误",
            )

    def result(self, number: str, kind: IdType, **extra: Any) -> IdCheckResult:
        return IdCheckResult(
            number=number,
            valid=not self.errors,
            type=kind.value,
            birth_date=self.birth_date,
            gender=self.gender,
            division_code=self.division_code,
            division_name=self.division_name,
            upgraded=extra.pop("upgraded", None),
            errors=self.errors,
            **extra,
        )


_RULE_18 = "前17位应为数字、第18位应为数字或X"
_CLASSES_18 = "D" * 17 + "C"


def _check_mod11_2(check: _Check, number: str, charset_ok: bool) -> None:
    if charset_ok:
        check.checksum(mod11_2_check(number[:17]) == number[17], "ISO 7064 MOD 11-2", 18)


def _resident18(number: str, today: date, divisions: DivisionLookup) -> IdCheckResult:
    check = _Check(IdType.RESIDENT18)
    charset_ok = check.charset(number, _CLASSES_18, _RULE_18)
    check.division(number[:6], divisions)
    check.birth(number[6:14], today)
    check.gender_from(number[16])
    _check_mod11_2(check, number, charset_ok)
    return check.result(number, IdType.RESIDENT18)


def _hmt_permit(number: str, today: date, divisions: DivisionLookup) -> IdCheckResult:
    check = _Check(IdType.HMT_PERMIT)
    charset_ok = check.charset(number, _CLASSES_18, _RULE_18)
    check.division_code = number[:6]
    check.division_name = HMT_REGIONS[number[:6]]
    check.birth(number[6:14], today)
    check.gender_from(number[16])
    _check_mod11_2(check, number, charset_ok)
    return check.result(number, IdType.HMT_PERMIT)


def _province(check: _Check, prefix: str, divisions: DivisionLookup) -> bool:
    """Check a 2-digit acceptance province; sets the division fields when it exists."""
    if not _digits(prefix):
        return False
    code = prefix + "0000"
    if divisions.exists(code):
        check.division_code = code
        check.division_name = divisions.full_name(code)
        return True
    check.error(IdErrorCode.PROVINCE, f"{check.label}的受理地省级代码「{prefix}」不存在")
    return False


def _nationality(check: _Check, code: str, alpha3: str | None, kind: str) -> str | None:
    if alpha3 == countries.CHINA_ALPHA3:
        check.error(
            IdErrorCode.NATIONALITY,
            f"{check.label}的国籍代码「{code}」代表中国，外国人永久居留身份证不能使用",
        )
        return None
    if alpha3 is None:
        check.error(
            IdErrorCode.NATIONALITY,
            f"{check.label}的国籍代码「{code}」不是有效的ISO 3166-1{kind}国家代码",
        )
    return alpha3


def _foreign_pr_2023(number: str, today: date, divisions: DivisionLookup) -> IdCheckResult:
    check = _Check(IdType.FOREIGN_PR_2023)
    charset_ok = check.charset(number, _CLASSES_18, _RULE_18)
    _province(check, number[1:3], divisions)
    nationality = None
    if _digits(number[3:6]):
        code = number[3:6]
        nationality = _nationality(check, code, countries.numeric_to_alpha3(code), "数字")
    check.birth(number[6:14], today)
    check.gender_from(number[16])
    _check_mod11_2(check, number, charset_ok)
    return check.result(number, IdType.FOREIGN_PR_2023, nationality=nationality)


def _foreign_pr_2017(number: str, today: date, divisions: DivisionLookup) -> IdCheckResult:
    check = _Check(IdType.FOREIGN_PR_2017)
    rule = "前3位应为字母国籍代码、后12位应为数字"
    charset_ok = check.charset(number, "LLL" + "D" * 12, rule)
    nationality = None
    if _letters(number[:3]):
        code = number[:3]
        alpha3 = code if countries.alpha3_to_numeric(code) else None
        nationality = _nationality(check, code, alpha3, "字母")
    if _province(check, number[3:5], divisions) and _digits(number[5:7]):
        location = number[3:7]
        code = location + "00"
        if divisions.exists(code):
            check.division_code = code
            # "上海市", not "上海市市辖区", for a municipality's grouping code.
            if divisions.name(code) not in PLACEHOLDER_NAMES:
                check.division_name = divisions.full_name(code)
        else:
            check.error(
                IdErrorCode.DIVISION,
                f"{check.label}的受理地代码「{location}」不存在（对应行政区划代码{location}00）",
            )
    _birth_yymmdd_pivot(check, number[7:13], today)
    check.gender_from(number[13])
    if charset_ok:
        check.checksum(icao_731_check(number[:14]) == number[14], "7-3-1加权模10", 15)
    return check.result(number, IdType.FOREIGN_PR_2017, nationality=nationality)


def _birth_yymmdd_pivot(check: _Check, text: str, today: date) -> None:
    """YYMMDD read as 20YY unless that is in the future (or not a date), else 19YY."""
    if not _digits(text):
        return
    try:
        born = date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        born = None
    century = "20" if born is not None and born <= today else "19"
    check.birth(text, today, century=century)


def _resident15(number: str, today: date, divisions: DivisionLookup) -> IdCheckResult:
    check = _Check(IdType.RESIDENT15)
    check.charset(number, "D" * 15, "应全部为数字")
    check.division(number[:6], divisions)
    check.birth(number[6:12], today, century="19")
    check.gender_from(number[14])
    upgraded = None
    if not check.errors:
        body = number[:6] + "19" + number[6:]
        upgraded = body + mod11_2_check(body)
    return check.result(number, IdType.RESIDENT15, upgraded=upgraded)


_CHECKERS = {
    IdType.RESIDENT18.value: _resident18,
    IdType.RESIDENT15.value: _resident15,
    IdType.FOREIGN_PR_2023.value: _foreign_pr_2023,
    IdType.FOREIGN_PR_2017.value: _foreign_pr_2017,
    IdType.HMT_PERMIT.value: _hmt_permit,
}


def _undetected(number: str) -> IdCheckResult:
    errors = [
        IdError(
            IdErrorCode.TYPE.value,
            "无法识别证件类型：应为居民身份证（18位或15位）、港澳台居民居住证（18位）"
            "或外国人永久居留身份证（18位或15位）号码",
        )
    ]
    if number:
        length_message = f"证件号码应为18位或15位，实际为{len(number)}位"
    else:
        length_message = "证件号码为空"
    errors.append(IdError(IdErrorCode.LENGTH.value, length_message))
    bad = sorted({ch for ch in number if not ("0" <= ch <= "9" or "A" <= ch <= "Z")})
    if bad:
        shown = "、".join(f"「{ch}」" for ch in bad[:5])
        errors.append(
            IdError(IdErrorCode.CHARSET.value, f"证件号码只能由数字和字母组成，含有{shown}")
        )
    return IdCheckResult(number, False, None, None, None, None, None, None, errors)


def check_id_number(
    raw: str | None,
    *,
    today: date | None = None,
    divisions: DivisionLookup | None = None,
    expected_type: str | Iterable[str] | None = None,
) -> IdCheckResult:
    """Validate ``raw`` and report every rule it breaks (not just the first).

    ``divisions`` defaults to the GB/T 2260 table of ``sbk.divisions.table``. When the
    registry states the document type, pass it (or the acceptable types) as
    ``expected_type``: a number of another type then also gets a ``type`` error.
    """
    number = normalise(raw)
    kind = detect_type(number)
    if kind is None:
        return _undetected(number)
    if divisions is None:
        divisions = load_table()
    result = _CHECKERS[kind](number, today or date.today(), divisions)
    if expected_type is not None:
        expected = [expected_type] if isinstance(expected_type, str) else list(expected_type)
        if kind not in expected:
            wanted = "或".join(TYPE_LABELS.get(t, t) for t in expected)
            error = IdError(
                IdErrorCode.TYPE.value,
                f"证件号码是{TYPE_LABELS[kind]}，与登记的证件类型（{wanted}）不符",
            )
            result = replace(result, valid=False, errors=[*result.errors, error])
    return result


def _as_gender(value: str) -> str | None:
    text = str(value).strip().upper()
    return {"M": "M", "F": "F", "男": "M", "女": "F", "MALE": "M", "FEMALE": "F"}.get(text)


def cross_check(
    result: IdCheckResult,
    *,
    gender: str | None = None,
    birth_date: date | str | None = None,
) -> list[IdError]:
    """Mismatches between stated facts and what the number encodes.

    ``gender`` is "M"/"F" (or 男/女); ``birth_date`` a date or "YYYY-MM-DD". A fact the
    number does not yield (undetectable or malformed part) is not compared.
    """
    errors = []
    stated_gender = _as_gender(gender) if gender else None
    if stated_gender and result.gender and stated_gender != result.gender:
        errors.append(
            IdError(
                IdErrorCode.GENDER_MISMATCH.value,
                f"登记性别（{GENDER_LABELS[stated_gender]}）与证件号码所示性别"
                f"（{GENDER_LABELS[result.gender]}）不一致",
            )
        )
    if birth_date and result.birth_date:
        stated = birth_date
        if isinstance(stated, str):
            stated = date.fromisoformat(stated)
        elif hasattr(stated, "date") and callable(stated.date):  # a datetime
            stated = stated.date()
        if stated != result.birth_date:
            errors.append(
                IdError(
                    IdErrorCode.BIRTH_DATE_MISMATCH.value,
                    f"登记出生日期（{stated.isoformat()}）与证件号码所示出生日期"
                    f"（{result.birth_date.isoformat()}）不一致",
                )
            )
    return errors
