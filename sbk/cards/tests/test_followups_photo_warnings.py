"""Review follow-up: the photo check's warnings (a rule that passes with a word for the
operator: a file stating no dpi, a top that may be a uniform) reach the application's
note, which the clerk reads on the application page, and its stored result."""

import io

import pytest
from PIL import Image

from sbk.cards import photo, services
from sbk.photos.verdict import FAIL, PASS, WARN, Measurements, PhotoVerdict, RuleResult
from sbk.testing import login

pytestmark = [pytest.mark.django_db, pytest.mark.real_photo_check]

DPI_WARNING = "照片未标注分辨率（手机照片常见），存档制卡副本按 350 dpi 标注（要求大于 300 dpi）"
UNIFORM_WARNING = "深色服装带亮色点缀，可能为制式服装，请经办人人工确认"


def _verdict(*, ok=True, warnings=(DPI_WARNING, UNIFORM_WARNING), failure=None):
    results = [RuleResult("face_width", PASS, "155±7 px", 155.0)]
    results += [RuleResult(f"rule{i}", WARN, "", None, text) for i, text in enumerate(warnings)]
    if failure:
        results.append(RuleResult("background", FAIL, "white", 0.5, failure))
    m = Measurements(width=358, height=441, format="JPEG", mode="RGB")
    return PhotoVerdict(ok=ok, measurements=m, results=results)


@pytest.fixture
def checker(monkeypatch, settings):
    settings.SBK_PHOTO_CHECK = True
    state = {"verdict": _verdict()}
    monkeypatch.setattr("sbk.photos.services.evaluate", lambda data, **kw: state["verdict"])
    return state


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (358, 441), "white").save(buf, format="JPEG")
    return buf.getvalue()


def test_the_check_carries_warnings_into_its_note_and_result(checker):
    passed = photo.check(b"any")
    assert passed.ok is True
    assert passed.note == f"照片机检通过；提示：{DPI_WARNING}；{UNIFORM_WARNING}"
    assert [w["message"] for w in passed.as_dict()["warnings"]] == [DPI_WARNING, UNIFORM_WARNING]
    checker["verdict"] = _verdict(ok=False, warnings=(UNIFORM_WARNING,), failure="背景不是白色")
    failed = photo.check(b"any")
    assert failed.note == f"照片机检未通过：背景不是白色；提示：{UNIFORM_WARNING}"
    checker["verdict"] = _verdict(warnings=())
    assert photo.check(b"any").note == "照片机检通过"
    # many long warnings: the note is cut, leaving room for the check's number after it
    checker["verdict"] = _verdict(warnings=(UNIFORM_WARNING,) * 8)
    long = photo.check(b"any").note
    assert long.endswith("…") and len(long) <= photo.NOTE_MAX < 200


def test_the_clerk_sees_the_warnings_on_the_application(client, world, checker):
    app = services.start_application(
        world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    app = services.attach_photo(
        app.pk, acting_user=world.operator_a, data=_jpeg(), source="counter"
    )
    assert app.photo_ok is True
    assert DPI_WARNING in app.photo_note and UNIFORM_WARNING in app.photo_note
    assert app.photo_note.endswith(f"（检测记录 #{app.photo_result['check_id']}）")
    assert len(app.photo_result["warnings"]) == 2
    login(client, world.operator_a)
    html = client.get(f"/cards/applications/{app.pk}/").content.decode()
    assert UNIFORM_WARNING in html and DPI_WARNING in html
