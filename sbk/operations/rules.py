"""Pure rules of the operations records: quarters, the seeded sample, the renewal age.
No Django import."""

from __future__ import annotations

import datetime as dt
import random
import re

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date] | None:
    """``"2026Q1"`` → (2026-01-01, 2026-03-31); None when it is not a quarter."""
    m = _QUARTER.match(quarter or "")
    if not m or not 1900 <= int(m.group(1)) <= 2200:
        return None
    year, q = int(m.group(1)), int(m.group(2))
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - dt.timedelta(days=1)
    return start, end


def draw(population: list[int], seed: str, size: int) -> list[int]:
    """The sample: ``size`` ids of the population (sorted first, so the order the database
    returns them in does not matter), drawn by a generator seeded with ``seed``. The same
    population and seed give the same sample, on any machine."""
    ids = sorted(set(population))
    return random.Random(seed).sample(ids, min(size, len(ids)))


def years_before(day: dt.date, years: int) -> dt.date:
    if day.year - years < dt.MINYEAR:
        return dt.date.min
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def renewed(purchase_date: dt.date, at: dt.date, years: int) -> bool:
    """Bought within the renewal period before ``at`` (seed: 更新年限为5年)."""
    return purchase_date > years_before(at, years)


# The formats a document image (影像材料) may have, by the file's first bytes: a scan or a
# photo of the ID document (JPEG, PNG) or a scanned form (PDF).
DOCUMENT_FORMATS = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def document_format(data: bytes) -> str | None:
    """The media type of a document image by its signature, or None when it is none of the
    accepted ones."""
    for signature, media_type in DOCUMENT_FORMATS:
        if data.startswith(signature):
            return media_type
    return None
