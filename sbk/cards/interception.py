"""Card-face error interception (卡面信息差错拦截) before production, SPEC §2.

The application as stated, the registry record and the document number are compared;
a name the card printer cannot print and a photo that failed the photo rules block
production. Every problem names its field, a code and a Chinese explanation.
"""

from __future__ import annotations

from sbk.core.errors import Problem
from sbk.idcard import check_id_number, cross_check
from sbk.registry import lookup
from sbk.registry.names import check_name

from .errors import CardErrorCode


def intercept(app, person, *, face_confirmed: bool = False) -> tuple[list[Problem], list[str]]:
    """(blocking problems, notes) for producing ``app``'s card for ``person``."""
    problems: list[Problem] = []
    notes: list[str] = []

    def add(field, code, message):
        problems.append(Problem(code, message, field))

    if person.status == "cancelled":
        add("person", CardErrorCode.PERSON_CANCELLED, "持卡人已注销，不能制卡")
    if app.stated_name != person.name:
        add("name", "name_mismatch", f"申请姓名“{app.stated_name}”与持卡库“{person.name}”不一致")
    if lookup.current_index(app.stated_id_index) != lookup.current_index(person.id_index):
        add("id_number", "id_mismatch", "申请证件号码与持卡库不一致")
    if app.stated_gender != person.gender:
        add("gender", "gender_mismatch", "申请性别与持卡库不一致")
    if app.stated_birth_date != person.birth_date:
        add("birth_date", "birth_date_mismatch", "申请出生日期与持卡库不一致")
    if app.stated_category != person.category:
        add("category", "category_mismatch", "申请人员类别与持卡库不一致")

    result = check_id_number(person.id_number)
    if not result.valid:
        for err in result.errors:
            add("id_number", f"id_{err.code}", f"持卡库证件号码无效：{err.message}")
    else:
        for err in cross_check(result, gender=person.gender, birth_date=person.birth_date):
            add("id_number", err.code, f"持卡库信息与证件号码不符：{err.message}")

    name = check_name(person.name)
    if not name.printable:
        if face_confirmed:
            notes.append("姓名含生僻字或混合文字，已确认人工处理卡面")
        else:
            for code, message in name.problems:
                add("name", code, message + "（确认人工处理卡面后方可制卡）")

    if not app.photo:
        add("photo", CardErrorCode.PHOTO_REQUIRED, "缺少照片")
    elif app.photo_checked and app.photo_ok is False:
        add("photo", CardErrorCode.PHOTO_FAILED, app.photo_note or "照片不符合要求")
    elif not app.photo_checked:
        notes.append(app.photo_note or "照片未经机器检测")
    return problems, notes
