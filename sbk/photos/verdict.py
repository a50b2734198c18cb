"""Result types of the photo checker and their JSON form (the CLI/script contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .rules import RULE_TITLES

PASS = "pass"
FAIL = "fail"
SKIP = "skip"  # not measurable (no face, unreadable file) — never a pass
# passes, but the operator is told something (a file that states no dpi, a top that may
# be a uniform): the photo is not refused for it
WARN = "warn"


def _round(value: Any, digits: int = 2) -> Any:
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, (list, tuple)):
        return [_round(v, digits) for v in value]
    return value


@dataclass(frozen=True)
class Failure:
    rule: str
    expected: str
    actual: Any
    message: str  # Chinese, for the applicant and the operator

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "expected": self.expected,
            "actual": _round(self.actual),
            "message": self.message,
        }


@dataclass(frozen=True)
class RuleResult:
    """One named check: its status, what it expects and what was measured."""

    rule: str
    status: str  # PASS / FAIL / SKIP
    expected: str
    actual: Any
    message: str = ""  # Chinese; set for FAIL, SKIP and WARN

    @property
    def ok(self) -> bool:
        return self.status in (PASS, WARN)

    @property
    def title(self) -> str:
        return RULE_TITLES.get(self.rule, self.rule)

    def to_failure(self) -> Failure:
        return Failure(self.rule, self.expected, self.actual, self.message)


@dataclass
class Measurements:
    """Measured values; None where not measurable. Pixels of the stored image."""

    width: int = 0
    height: int = 0
    dpi: tuple[float, float] | None = None
    mode: str = "unknown"
    format: str = "unknown"
    bytes: int = 0
    faces: int = 0
    face_width: float | None = None
    head_top: float | None = None
    eye_bottom: float | None = None
    face_center_x: float | None = None
    background_white: float | None = None
    tilt_deg: float | None = None
    # beyond the documented contract keys (extra keys, same JSON object)
    chroma: float | None = None
    eye_ratio: float | None = None
    sharpness: float | None = None
    border_edges: list[str] | None = None
    hair_cut: bool | None = None
    # the person (issue 21): see sbk.photos.person.PersonMeasures
    person: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "dpi": _round(list(self.dpi)) if self.dpi is not None else None,
            "mode": self.mode,
            "format": self.format,
            "bytes": self.bytes,
            "faces": self.faces,
            "face_width": _round(self.face_width),
            "head_top": _round(self.head_top),
            "eye_bottom": _round(self.eye_bottom),
            "face_center_x": _round(self.face_center_x),
            "background_white": _round(self.background_white, 4),
            "tilt_deg": _round(self.tilt_deg),
            "chroma": _round(self.chroma),
            "eye_ratio": _round(self.eye_ratio, 3),
            "sharpness": _round(self.sharpness, 1),
            "border_edges": self.border_edges,
            "hair_cut": self.hair_cut,
            "person": self.person,
        }


@dataclass(frozen=True)
class Geometry:
    """What an annotated preview draws (pixel coordinates of the stored image)."""

    face_box: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1
    iris_a: tuple[float, float] | None = None  # image-left iris centre
    iris_b: tuple[float, float] | None = None  # image-right iris centre
    cheek_a: tuple[float, float] | None = None  # landmark 234
    cheek_b: tuple[float, float] | None = None  # landmark 454
    eye_line: tuple[tuple[float, float], tuple[float, float]] | None = None
    hair_top_y: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: _round(v) for k, v in self.__dict__.items()}


@dataclass
class PhotoVerdict:
    ok: bool
    measurements: Measurements
    results: list[RuleResult] = field(default_factory=list)
    geometry: Geometry = field(default_factory=Geometry)
    file: str | None = None

    @property
    def failures(self) -> list[Failure]:
        return [r.to_failure() for r in self.results if r.status == FAIL]

    def result(self, rule: str) -> RuleResult | None:
        for r in self.results:
            if r.rule == rule:
                return r
        return None

    @property
    def warnings(self) -> list[Failure]:
        return [r.to_failure() for r in self.results if r.status == WARN]

    def failed_rules(self) -> list[str]:
        return [r.rule for r in self.results if r.status == FAIL]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``sbk photo check --json`` (one per file)."""
        return {
            "file": self.file,
            "ok": self.ok,
            "measurements": self.measurements.to_dict(),
            "failures": [f.to_dict() for f in self.failures],
            "warnings": [f.to_dict() for f in self.warnings],
        }
