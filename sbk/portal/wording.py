"""Plain wording (通俗表述) of where an application is and what happens next: one sentence,
read on the status page and sent by SMS in the same words (``sbk.cards.services.common``
composes the SMS; a test holds the two together). No Django import."""

from __future__ import annotations

import datetime as dt


def spoken_date(day: dt.date | None) -> str:
    """2026年12月8日: read aloud as a date by screen readers, unlike 2026-12-08."""
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def status_sentence(
    status: str,
    *,
    outlet: str,
    deadline: dt.date | None = None,
    days: int = 7,
    reason: str = "",
) -> str:
    """The one sentence for an application in ``status`` (the Application status codes)."""
    if status == "draft":
        return f"您的申请还没有提交，请上传合格照片后点“提交申请”，提交后{days}天内到{outlet}制卡。"
    if status == "awaiting_photo":
        return (
            f"您的申请已提交，正在等照片：请到{outlet}的指定照相馆拍照，"
            f"照片合格后开始计算{days}天办结期限。"
        )
    if status == "submitted":
        return (
            f"您的社保卡申请已受理，请于{spoken_date(deadline)}前（{days}天内）"
            f"携带本人有效身份证件到{outlet}办理制卡。"
        )
    if status == "produced":
        return f"您的社保卡已制作完成，请到{outlet}领取，并及时启用金融功能。"
    if status == "issued":
        return "您的社保卡已领取，办理完成。"
    if status == "rejected":
        return f"您的社保卡申请未通过：{reason}。请修改后重新申请。"
    if status == "withdrawn":
        return "您的申请已撤回，如需办卡请重新申请。"
    if status == "cancelled":
        return "您的申请已取消，如需办卡请重新申请。"
    return "您的申请正在办理中。"
