"""Validating a person's data, shared by the services and the bulk import. No Django import.

``clean_person(raw)`` takes field values as typed by a clerk or read from a file and
returns the cleaned values and every problem found, each naming its field, a stable code
and a Chinese message.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pycountry

from sbk.divisions.table import load_table
from sbk.idcard import check_id_number, cross_check

from .names import REFUSING, check_name

CATEGORIES = {"employee": "城镇职工", "resident": "城乡居民", "other": "其他"}
CATEGORY_ALIASES = {"城镇职工": "employee", "城乡居民": "resident", "其他": "other"}
GENDER_ALIASES = {"M": "M", "F": "F", "男": "M", "女": "F", "1": "M", "2": "F"}
DOC_TYPE_ALIASES = {
    "resident18": "resident18",
    "resident15": "resident15",
    "foreign_pr_2023": "foreign_pr_2023",
    "foreign_pr_2017": "foreign_pr_2017",
    "hmt_permit": "hmt_permit",
    "居民身份证": "resident18",
    "外国人永久居留身份证": "foreign_pr_2023",
    "港澳台居民居住证": "hmt_permit",
}
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


@dataclass
class Cleaned:
    values: dict = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (field, code, message)
    warnings: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, field_name: str, code: str, message: str) -> None:
        self.problems.append((field_name, code, message))

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_date(raw) -> dt.date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def nationality_code(raw: str) -> str | None:
    text = (raw or "").strip().upper()
    if not text:
        return None
    if text in {"中国", "中华人民共和国"}:
        return "CHN"
    country = (
        pycountry.countries.get(alpha_3=text)
        or (pycountry.countries.get(alpha_2=text) if len(text) == 2 else None)
        or (pycountry.countries.get(numeric=text.zfill(3)) if text.isdigit() else None)
    )
    return country.alpha_3 if country else None


def normalise_phone(raw: str) -> str:
    return re.sub(r"[\s\u3000()（）]", "", str(raw or "")).replace("+86", "", 1)


def clean_person(raw: dict, *, today: dt.date | None = None, partial: bool = False) -> Cleaned:
    """Clean and check person data. With ``partial`` only the keys present are checked."""
    out = Cleaned()
    v = out.values
    has = (lambda k: k in raw) if partial else (lambda k: True)

    if has("name"):
        nc = check_name(str(raw.get("name") or ""))
        v["name"] = nc.name
        v["name_printable"] = nc.printable
        for code, message in nc.problems:
            # An unprintable name is flagged for the card face, not refused; an empty one,
            # or one with characters no name holds (names.REFUSING), is refused.
            target = out.problems if code in REFUSING else out.warnings
            target.append(("name", code, message))

    stated_gender = None
    if has("gender") and str(raw.get("gender") or "").strip():
        stated_gender = GENDER_ALIASES.get(str(raw["gender"]).strip().upper())
        if stated_gender is None:
            out.add("gender", "gender", f"性别“{raw['gender']}”无效，应为 男/女 或 M/F")
    stated_birth = None
    if has("birth_date") and raw.get("birth_date") not in (None, ""):
        try:
            stated_birth = parse_date(raw["birth_date"])
        except ValueError:
            out.add(
                "birth_date", "date_format", f"出生日期“{raw['birth_date']}”格式应为 YYYY-MM-DD"
            )

    if has("id_number"):
        result = check_id_number(str(raw.get("id_number") or ""), today=today)
        declared = str(raw.get("doc_type") or "").strip()
        if declared and DOC_TYPE_ALIASES.get(declared) is None:
            out.add("doc_type", "doc_type", f"证件类型“{declared}”无效")
        elif (
            declared
            and result.type
            and DOC_TYPE_ALIASES[declared]
            not in {
                result.type,
                "resident18" if result.type == "resident15" else result.type,
            }
        ):
            out.add("doc_type", "doc_type_mismatch", "证件类型与证件号码格式不符")
        for err in result.errors:
            out.add("id_number", err.code, err.message)
        if result.valid:
            for err in cross_check(result, gender=stated_gender, birth_date=stated_birth):
                fld = "gender" if err.code.startswith("gender") else "birth_date"
                out.add(fld, err.code, err.message)
            upgraded = result.type == "resident15"
            v["doc_type"] = "resident18" if upgraded else result.type
            v["id_number"] = result.upgraded if upgraded else result.number
            v["gender"] = result.gender
            v["birth_date"] = result.birth_date
            # Only a resident ID carries a residence code; a permit's or PR card's is a region.
            if result.type in {"resident18", "resident15"} and not raw.get("residence_division"):
                v.setdefault("residence_division", result.division_code)
            if result.type in {"foreign_pr_2023", "foreign_pr_2017"} and getattr(
                result, "nationality", None
            ):
                v.setdefault("nationality", result.nationality)
    else:
        if stated_gender:
            v["gender"] = stated_gender
        if stated_birth:
            v["birth_date"] = stated_birth

    if has("nationality") and str(raw.get("nationality") or "").strip():
        code = nationality_code(str(raw["nationality"]))
        if code is None:
            out.add(
                "nationality",
                "nationality",
                f"国籍代码“{raw['nationality']}”不是 ISO 3166 国家代码",
            )
        else:
            v["nationality"] = code
    elif not partial:
        v.setdefault("nationality", "CHN")

    if has("phone"):
        phone = normalise_phone(raw.get("phone"))
        if phone and not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
            out.add("phone", "phone", f"联系电话“{raw.get('phone')}”应为11位手机号或区号-号码")
        v["phone"] = phone

    if has("address"):
        v["address"] = str(raw.get("address") or "").strip()

    if has("residence_division") and str(raw.get("residence_division") or "").strip():
        code = str(raw["residence_division"]).strip()
        if not (len(code) == 6 and code.isdigit() and load_table().exists(code)):
            out.add("residence_division", "division", f"户籍/居住地行政区划代码“{code}”不存在")
        else:
            v["residence_division"] = code

    if has("category"):
        cat = str(raw.get("category") or "").strip()
        cat = CATEGORY_ALIASES.get(cat, cat)
        if cat not in CATEGORIES:
            out.add(
                "category",
                "category",
                "人员类别应为 employee/resident/other（城镇职工/城乡居民/其他）",
            )
        else:
            v["category"] = cat
            note = str(raw.get("category_note") or "").strip()
            if cat == "other" and not note:
                out.add("category_note", "category_note", "人员类别为“其他”时须注明具体类别")
            v["category_note"] = note if cat == "other" else ""
    return out
