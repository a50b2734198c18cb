"""Identity document numbers: normalise, detect the type, validate, mask (SPEC §1).

A pure package (no Django), usable from services, the API, management commands and tests.
"""

from sbk.idcard.checksums import icao_731_check, mod11_2_check
from sbk.idcard.errors import IdError, IdErrorCode
from sbk.idcard.generate import (
    make_foreign_pr_2017,
    make_foreign_pr_2023,
    make_hmt_permit,
    make_resident15,
    make_resident18,
)
from sbk.idcard.text import mask_number, mask_phone, normalise
from sbk.idcard.validation import (
    HMT_REGIONS,
    TYPE_LABELS,
    IdCheckResult,
    IdType,
    check_id_number,
    cross_check,
    detect_type,
)

__all__ = [
    "HMT_REGIONS",
    "TYPE_LABELS",
    "IdCheckResult",
    "IdError",
    "IdErrorCode",
    "IdType",
    "check_id_number",
    "cross_check",
    "detect_type",
    "icao_731_check",
    "make_foreign_pr_2017",
    "make_foreign_pr_2023",
    "make_hmt_permit",
    "make_resident15",
    "make_resident18",
    "mask_number",
    "mask_phone",
    "mod11_2_check",
    "normalise",
]
