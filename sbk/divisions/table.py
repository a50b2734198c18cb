"""GB/T 2260 administrative division codes, every period, from python-stdnum's table.

python-stdnum ships ``stdnum/cn/loc.dat`` (compiled from the Chinese Wikipedia lists of
GB/T 2260 codes since 1980). Its layout::

    61 province="陕西省"
      0000 county="陕西省"
      2500 county="[-2001]商洛地区"
      2501 county="[1988-2001]商州市"
      0110 county="[-1991]东郊区,[1992-]东丽区"

A two-digit line opens a province; each indented line adds a four-digit suffix. A name may
carry a validity period in years (``[FROM-TO]``, ``[-TO]``, ``[FROM-]``, both ends
inclusive) and a reused code lists several periods separated by commas. The ``0000`` line
repeats the province (often with its period and the simplified-character name) and is
merged into the province record rather than duplicated.

Identity numbers carry the code in force when they were issued, so a code abolished long
ago is still a valid division code: lookups here cover every period. Pure module: no
Django import.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Literal

Level = Literal["province", "prefecture", "county"]

# Intermediate levels that only group counties; full names skip them
# ("北京市朝阳区", not "北京市市辖区朝阳区").
PLACEHOLDER_NAMES = frozenset(
    {
        "市辖区",
        "县",
        "省直辖县级行政单位",
        "省直辖行政单位",
        "自治区直辖县级行政单位",
        "省直辖县级行政区划",
        "自治区直辖县级行政区划",
    }
)

_PROVINCE_LINE = re.compile(r'^(\d{2}) province="([^"]*)"\s*$')
_COUNTY_LINE = re.compile(r'^\s+(\d{4}) county="([^"]*)"\s*$')
_PERIOD = re.compile(r"^\[(\d{4})?-(\d{4})?\](.+)$")


@dataclass(frozen=True, slots=True)
class DivisionRecord:
    """One name of one code over one period (``None`` ends are open)."""

    code: str
    name: str
    level: Level
    parent: str | None
    valid_from: int | None
    valid_to: int | None

    def valid_in(self, year: int) -> bool:
        return (self.valid_from is None or self.valid_from <= year) and (
            self.valid_to is None or year <= self.valid_to
        )


def _level(code: str) -> Level:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def _newest_first(record: DivisionRecord) -> tuple:
    # Open-ended (current) periods first, then by end year, then by start year.
    return (
        record.valid_to is None,
        record.valid_to or 0,
        record.valid_from or 0,
    )


def parse_names(value: str) -> list[tuple[str, int | None, int | None]]:
    """Split ``"[1994-1995]荆沙市,[1996-]荆州市"`` into (name, from, to) triples."""
    periods = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        match = _PERIOD.match(part)
        if match:
            start, end, name = match.groups()
            periods.append((name.strip(), int(start) if start else None, int(end) if end else None))
        else:
            periods.append((part, None, None))
    return periods


class DivisionTable:
    """Immutable lookup over all periods of all GB/T 2260 codes."""

    def __init__(self, records: Iterable[DivisionRecord]):
        by_code: dict[str, list[DivisionRecord]] = {}
        for record in records:
            by_code.setdefault(record.code, []).append(record)
        self._by_code: dict[str, tuple[DivisionRecord, ...]] = {
            code: tuple(sorted(recs, key=_newest_first, reverse=True))
            for code, recs in sorted(by_code.items())
        }
        self._full_names: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def codes(self) -> list[str]:
        return list(self._by_code)

    def records(self, code: str) -> list[DivisionRecord]:
        """Every record of ``code``, newest period first (empty if unknown)."""
        return list(self._by_code.get(code, ()))

    def exists(self, code: str) -> bool:
        """True if ``code`` was valid in any period."""
        return code in self._by_code

    def all(self) -> list[DivisionRecord]:
        """All records, ordered by code, newest period first within a code."""
        return [record for recs in self._by_code.values() for record in recs]

    @staticmethod
    def is_current(record: DivisionRecord) -> bool:
        """True if the record's period has not ended."""
        return record.valid_to is None

    def record(self, code: str, year: int | None = None) -> DivisionRecord | None:
        """The record valid in ``year`` (newest if several), or the newest overall."""
        recs = self._by_code.get(code, ())
        if year is None:
            return recs[0] if recs else None
        for record in recs:
            if record.valid_in(year):
                return record
        return None

    def name(self, code: str, year: int | None = None) -> str | None:
        """The name valid in ``year`` (``None`` if the code was not in force then);
        without a year, the most recent name."""
        record = self.record(code, year)
        return record.name if record else None

    def _nearest_name(self, code: str, year: int | None) -> str | None:
        record = self.record(code, year)
        if record is None and year is not None:
            recs = self._by_code.get(code, ())
            if recs:

                def distance(r: DivisionRecord) -> int:
                    if r.valid_to is not None and year > r.valid_to:
                        return year - r.valid_to
                    return (r.valid_from or year) - year

                record = min(recs, key=distance)
        return record.name if record else None

    def chain(self, code: str) -> list[str]:
        """Codes from the province down to ``code`` (e.g. 610000, 612500, 612501)."""
        record = self.record(code)
        if record is None:
            return []
        chain = [code]
        while record is not None and record.parent is not None:
            chain.append(record.parent)
            record = self.record(record.parent)
        return chain[::-1]

    def full_name(self, code: str, year: int | None = None) -> str | None:
        """Joined names from the province down, e.g. "陕西省商洛地区商州市".

        Names are those valid in ``year`` (the nearest period when a level was not in
        force that year), else the most recent. Grouping placeholders such as "市辖区"
        are left out except for the code itself.
        """
        if year is None and code in self._full_names:
            return self._full_names[code]
        chain = self.chain(code)
        if not chain:
            return None
        parts = []
        for level_code in chain:
            name = self._nearest_name(level_code, year)
            if not name or (level_code != code and name in PLACEHOLDER_NAMES):
                continue
            parts.append(name)
        full = "".join(parts)
        if year is None:
            self._full_names[code] = full
        return full


def parse_table(lines: Iterable[str]) -> DivisionTable:
    """Build a table from lines in the ``loc.dat`` layout (comments and blanks skipped)."""
    raw: list[tuple[str, str, str]] = []  # (code, value, source) in file order
    province: str | None = None
    for line_no, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _PROVINCE_LINE.match(line)
        if match:
            province = match.group(1)
            raw.append((province + "0000", match.group(2), "province"))
            continue
        match = _COUNTY_LINE.match(line)
        if match and province is not None:
            raw.append((province + match.group(1), match.group(2), "county"))
            continue
        raise ValueError(f"loc.dat line {line_no} not understood: {line!r}")

    # The "0000" county line is the authoritative province entry (it carries the
    # period and simplified name); the province line is used only without one.
    has_0000_line = {
        code for code, _, source in raw if source == "county" and code.endswith("0000")
    }
    entries: dict[str, str] = {}
    for code, value, source in raw:
        if source == "province" and code in has_0000_line:
            continue
        entries[code] = value

    records = []
    for code, value in entries.items():
        level = _level(code)
        if level == "province":
            parent = None
        elif level == "prefecture":
            parent = code[:2] + "0000"
        else:
            prefecture = code[:4] + "00"
            parent = prefecture if prefecture in entries else code[:2] + "0000"
        for name, start, end in parse_names(value):
            records.append(DivisionRecord(code, name, level, parent, start, end))
    return DivisionTable(records)


def _loc_dat_lines() -> list[str]:
    path = resources.files("stdnum.cn").joinpath("loc.dat")
    return path.read_text(encoding="utf-8").splitlines()


@functools.cache
def load_table() -> DivisionTable:
    """The full GB/T 2260 table from python-stdnum, parsed once per process."""
    return parse_table(_loc_dat_lines())
