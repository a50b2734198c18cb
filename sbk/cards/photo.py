"""Calling the photo compliance check (sbk.photos) when it is there; saying so when not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings


@dataclass
class PhotoCheck:
    checked: bool
    ok: bool | None
    failures: list[dict] = field(default_factory=list)
    note: str = ""
    verdict: Any = None  # the photos app's PhotoVerdict, recorded with the application
    # rules that pass with a word for the operator (sbk.photos.verdict.WARN): no dpi stated,
    # a top that may be a uniform; the photo is not refused for them
    warnings: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "checked": self.checked,
            "ok": self.ok,
            "failures": self.failures,
            "warnings": self.warnings,
        }


NOT_CHECKED = "照片未经机器检测（照片检测功能不可用），已记录照片，制卡前须人工核对"
# Application.photo_note holds 200 characters; the caller appends the check's number
# ("（检测记录 #N）"), which must not be cut off.
NOTE_MAX = 180


def _as_dicts(items) -> list[dict]:
    return [f.to_dict() if hasattr(f, "to_dict") else {"message": str(f)} for f in items or []]


def _fit(note: str) -> str:
    return note if len(note) <= NOTE_MAX else note[: NOTE_MAX - 1] + "…"


def _checker():
    if not settings.SBK_PHOTO_CHECK:
        return None
    try:
        from sbk.photos.services import evaluate
    except Exception:  # the capability is absent or cannot load (e.g. missing model)
        return None
    return evaluate


def checker_present() -> bool:
    return _checker() is not None


def check(data: bytes, *, id_number: str = "", name: str = "") -> PhotoCheck:
    fn = _checker()
    if fn is None:
        return PhotoCheck(False, None, [], NOT_CHECKED)
    try:
        # The platform's configured thresholds (SBK_PHOTO_RULES); the counter renames the
        # file itself, so the file-name rule does not apply here.
        verdict = fn(data)
    except Exception as exc:  # a crash of the checker must not lose the application
        return PhotoCheck(False, None, [], f"照片检测出错（{type(exc).__name__}），{NOT_CHECKED}")
    failures = _as_dicts(getattr(verdict, "failures", None))
    warnings = _as_dicts(getattr(verdict, "warnings", None))
    ok = bool(verdict.ok)
    note = (
        "照片机检通过"
        if ok
        else "照片机检未通过：" + "；".join(f.get("message", "") for f in failures)
    )
    if warnings:  # the clerk reads the note on the application: say what to look at
        note += "；提示：" + "；".join(w.get("message", "") for w in warnings)
    return PhotoCheck(True, ok, failures, _fit(note), verdict, warnings)
