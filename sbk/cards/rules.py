"""Pure card rules: statuses, the transition table, deadlines, card numbers. No Django import."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

# --- card statuses -----------------------------------------------------------------
PRODUCED = "produced"  # 已制卡，待领取
UNCLAIMED = "unclaimed"  # 滞发（制成后逾期未领）
ISSUED = "issued"  # 已发放（正常）
TEMP_LOST = "temp_lost"  # 临时挂失
LOST = "lost"  # 正式挂失
REPLACED = "replaced"  # 已被新卡替换，失效
CANCELLED = "cancelled"  # 已注销
# 滞发卡已上缴: an unclaimed card handed back upward as stock (sbk.stock). It can never be
# issued again; it may still be cancelled (the holder's record must end, e.g. on death).
RETURNED = "returned"

CARD_STATUS_LABELS = {
    PRODUCED: "已制卡待领",
    UNCLAIMED: "滞发",
    ISSUED: "正常",
    TEMP_LOST: "临时挂失",
    LOST: "正式挂失",
    REPLACED: "已换卡失效",
    CANCELLED: "已注销",
    RETURNED: "滞发卡已上缴",
}
# A person holds at most one card in these statuses (a partial unique index says so).
HELD = (ISSUED, TEMP_LOST, LOST)
# ... and at most one made but not yet handed over.
PENDING = (PRODUCED, UNCLAIMED)

NEW = ""  # no card yet: the state a card is created from

# transition -> (statuses it may start from, status it leads to; None = unchanged)
CARD_TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "produce": (frozenset({NEW}), PRODUCED),
    "import_issued": (frozenset({NEW}), ISSUED),  # a card migrated from a vendor system
    "issue": (frozenset({PRODUCED, UNCLAIMED}), ISSUED),
    "mark_unclaimed": (frozenset({PRODUCED}), UNCLAIMED),
    "report_loss_temporary": (frozenset({ISSUED}), TEMP_LOST),
    "report_loss_formal": (frozenset({ISSUED, TEMP_LOST}), LOST),
    "unlock_loss": (frozenset({TEMP_LOST, LOST}), ISSUED),
    "lapse_temporary_loss": (frozenset({TEMP_LOST}), ISSUED),
    "invalidate_replaced": (frozenset({ISSUED, TEMP_LOST, LOST}), REPLACED),
    "activate_financial": (frozenset({ISSUED}), None),
    "unlock_pin": (frozenset({ISSUED}), None),
    "change_pin": (frozenset({ISSUED}), None),
    # The holder moves the card to another partner bank for its replacement (seed 002 §二(三)).
    "change_bank": (
        frozenset({ISSUED, TEMP_LOST, LOST}),
        None,
    ),  # 社保功能密码修改: recorded, state unchanged
    "cancel": (frozenset({PRODUCED, UNCLAIMED, ISSUED, TEMP_LOST, LOST, RETURNED}), CANCELLED),
    "return_unclaimed": (frozenset({UNCLAIMED}), RETURNED),  # 滞发卡上缴 (sbk.stock)
}
ACTION_LABELS = {
    "produce": "制卡",
    "import_issued": "迁移导入",
    "issue": "发卡",
    "mark_unclaimed": "标记滞发",
    "report_loss_temporary": "临时挂失",
    "report_loss_formal": "正式挂失",
    "unlock_loss": "解挂",
    "lapse_temporary_loss": "临时挂失到期",
    "invalidate_replaced": "旧卡作废",
    "activate_financial": "启用金融功能",
    "unlock_pin": "密码解锁",
    "change_pin": "修改社保功能密码",
    "change_bank": "变更合作银行",
    "cancel": "注销",
    "return_unclaimed": "滞发卡上缴",
}


# Transitions that apply to the stored status, not the effective one: the lapse of a
# temporary loss is what makes the stored status catch up with the effective one.
ON_STORED_STATUS = frozenset({"lapse_temporary_loss"})


def next_status(action: str, current: str) -> str | None:
    """The status after ``action``; raises ``ValueError`` when it is not allowed from ``current``."""
    allowed, target = CARD_TRANSITIONS[action]
    if current not in allowed:
        raise ValueError(current)
    return current if target is None else target


def effective_status(status: str, temp_loss_until: dt.datetime | None, now: dt.datetime) -> str:
    """A temporary loss report lapses by itself once its period has passed."""
    if status == TEMP_LOST and temp_loss_until is not None and temp_loss_until <= now:
        return ISSUED
    return status


# --- applications ------------------------------------------------------------------
DRAFT = "draft"
# Submitted without a photo, a bank-designated studio to upload it (seed 002 附件1 step 3):
# the 7-day clock starts when the photo completes the application.
AWAITING_PHOTO = "awaiting_photo"
SUBMITTED = "submitted"
APP_PRODUCED = "produced"
APP_ISSUED = "issued"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
APP_CANCELLED = "cancelled"  # ended because the holder was cancelled (注销)
APP_STATUS_LABELS = {
    DRAFT: "填写中",
    AWAITING_PHOTO: "待照相馆上传照片",
    SUBMITTED: "待制卡",
    APP_PRODUCED: "已制卡待领",
    APP_ISSUED: "已发卡",
    REJECTED: "已驳回",
    WITHDRAWN: "已撤销",
    APP_CANCELLED: "持卡人注销终止",
}
OPEN_APPLICATION = (DRAFT, AWAITING_PHOTO, SUBMITTED, APP_PRODUCED)
APP_TRANSITIONS = {
    "submit": (frozenset({DRAFT, AWAITING_PHOTO}), SUBMITTED),
    "await_studio_photo": (frozenset({DRAFT}), AWAITING_PHOTO),
    "attach_photo": (frozenset({DRAFT, AWAITING_PHOTO, SUBMITTED}), None),
    "produce": (frozenset({SUBMITTED}), APP_PRODUCED),
    "reject": (frozenset({SUBMITTED}), REJECTED),
    "issue": (frozenset({APP_PRODUCED}), APP_ISSUED),
    "withdraw": (frozenset({DRAFT, AWAITING_PHOTO, SUBMITTED}), WITHDRAWN),
    # The holder is cancelled: a made but uncollected card is cancelled with its application.
    "terminate": (frozenset({APP_PRODUCED}), APP_CANCELLED),
}
APP_TRANSITION_LABELS = {
    "submit": "提交",
    "await_studio_photo": "提交（照相馆上传照片）",
    "attach_photo": "更换照片",
    "produce": "制卡",
    "reject": "驳回",
    "issue": "发卡",
    "withdraw": "撤销",
    "terminate": "注销终止",
}


def next_app_status(action: str, current: str) -> str:
    allowed, target = APP_TRANSITIONS[action]
    if current not in allowed:
        raise ValueError(current)
    return current if target is None else target


def replacement_allowed(card_status: str, reason: str) -> bool:
    """补换卡 only after a formal loss report, or for a damaged card that is in use."""
    if reason == "lost":
        return card_status == LOST
    if reason == "damaged":
        return card_status in (ISSUED, LOST)
    return False


# --- deadlines ---------------------------------------------------------------------
@dataclass(frozen=True)
class Deadline:
    due: dt.date
    provisional: bool  # the official calendar does not know a year in the range


def _is_workday(day: dt.date) -> tuple[bool, bool]:
    """(working day?, known?) from the ``chinese-calendar`` package: the fallback when no
    calendar is passed in (sbk's services pass their holiday table, ``sbk.holidays``)."""
    try:
        import chinese_calendar  # lazy: optional, only when no calendar is given

        return chinese_calendar.is_workday(day), True
    except (NotImplementedError, ImportError):
        return day.weekday() < 5, False


# A working-day calendar: day -> (working day?, is the year known to the calendar?).
WorkdayCalendar = Callable[[dt.date], tuple[bool, bool]]


def deadline(
    start: dt.date, days: int, *, working_days: bool, calendar: WorkdayCalendar | None = None
) -> Deadline:
    """The day by which an application received on ``start`` must be done.

    Calendar days: start + days. Working days: the ``days``-th working day after
    ``start``, by ``calendar`` (sbk's holiday table, with its working weekends); in a year
    the calendar does not know, weekends only, and the deadline is marked provisional.
    """
    if not working_days:
        return Deadline(start + dt.timedelta(days=days), False)
    is_workday = calendar or _is_workday
    day, counted, provisional = start, 0, False
    while counted < days:
        day += dt.timedelta(days=1)
        work, known = is_workday(day)
        provisional |= not known
        counted += work
    return Deadline(day, provisional)


# --- card numbers ------------------------------------------------------------------
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def check_char(body: str) -> str:
    """ISO 7064 MOD 37-2 style check character over digits and capital letters."""
    total = 0
    for ch in body:
        total = ((total + _ALNUM.index(ch)) * 2) % 37
    value = (38 - total) % 37
    return "*" if value == 36 else _ALNUM[value]


def make_card_no(prefix: str, serial: int) -> str:
    """``prefix`` (one letter) + 8-digit serial + check character, e.g. ``S00000042K``."""
    body = f"{prefix}{serial:08d}"
    return body + check_char(body)


def card_no_valid(card_no: str) -> bool:
    text = (card_no or "").strip().upper()
    if len(text) < 3 or any(c not in _ALNUM for c in text[:-1]):
        return False
    return check_char(text[:-1]) == text[-1]


def make_card_code(division: str, version: str) -> str:
    """The 32-character card identification code (卡识别码): region + country + version + serial."""
    ver = "".join(c for c in version if c.isalnum())[:4].ljust(4, "0")
    return f"{division[:6]}D156{ver}{uuid.uuid4().hex[:18].upper()}"


def mask_account(account: str) -> str:
    text = "".join(c for c in account or "" if c.isdigit())
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def account_valid(account: str) -> bool:
    """A bank card number: 12–19 digits passing the Luhn check."""
    text = account or ""
    if not (text.isdigit() and 12 <= len(text) <= 19):
        return False
    total = 0
    for i, ch in enumerate(reversed(text)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
