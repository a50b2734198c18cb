"""Stable machine codes for identity-number problems, each shown with a Chinese message."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class IdErrorCode(StrEnum):
    LENGTH = "length"
    CHARSET = "charset"
    CHECKSUM = "checksum"
    BIRTH_DATE = "birth_date"  # not a real date, or in the future
    DIVISION = "division"  # 6-digit division code unknown in every period of GB/T 2260
    NATIONALITY = "nationality"  # not an ISO 3166-1 country code (or China)
    PROVINCE = "province"  # foreign PR acceptance province unknown
    TYPE = "type"  # document type cannot be determined
    GENDER_MISMATCH = "gender_mismatch"
    BIRTH_DATE_MISMATCH = "birth_date_mismatch"


@dataclass(frozen=True, slots=True)
class IdError:
    code: str
    message: str

    def to_json_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "message": self.message}
