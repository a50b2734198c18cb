"""Operator override (人工放行) and photo renewal (issue 21), on the database: the service
with its policy and audit row, the application it unblocks, the pass rate that counts it
apart, the API and the console page; a photo on file too old to reuse; the dpi stamped
on the stored copy. No face model runs here (stored verdicts are built by hand)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from sbk.core.errors import Forbidden, NotFound, ServiceError
from sbk.core.models import AuditEntry
from sbk.orgs.scope import visible_orgs
from sbk.photos import services
from sbk.photos.config import add_months, photo_max_age_months
from sbk.photos.models import PersonPhoto, PhotoCheck
from sbk.photos.queries import pass_rate
from sbk.photos.verdict import PASS, Measurements, PhotoVerdict, RuleResult

from .overrides import soft_failed_check, soft_failed_verdict

pytestmark = pytest.mark.django_db
TEXT = "宗教头饰，已核对为本人"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _auth(user) -> dict:
    from sbk.accounts.models import ApiToken

    token = f"override-{user.username}-" + "x" * 32
    ApiToken.objects.get_or_create(
        user=user, name="t", defaults={"digest": ApiToken.digest_of(token)}
    )
    return {"Authorization": f"Bearer {token}"}


def test_override_marks_the_check_audits_and_counts_apart(world):
    check = soft_failed_check(world.operator_a, person=world.person_a)
    before = pass_rate(visible_orgs(world.admin_a))
    assert (before["total"], before["passed"], before["overridden"]) == (1, 0, 0)
    assert services.overridable(check)

    done = services.override_check(
        acting_user=world.operator_a, check_id=check.pk, reason="religious", text=TEXT
    )
    done.refresh_from_db()
    assert done.overridden and not done.ok  # the machine's verdict stays
    assert (done.override_reason, done.override_text) == ("religious", TEXT)
    assert done.overridden_by == world.operator_a and done.overridden_at is not None
    (entry,) = AuditEntry.objects.filter(action="photo.override")
    assert entry.object_id == str(check.pk) and entry.after["reason"] == "religious"
    assert entry.after["failed_rules"] == ["head_covering"]

    stats = pass_rate(visible_orgs(world.admin_a))
    assert (stats["passed"], stats["overridden"], stats["accepted"]) == (0, 1, 1)
    assert stats["rate_pct"] == 0.0 and stats["accepted_pct"] == 100.0
    (outlet,) = [r for r in stats["by_outlet"] if r["org_id"] == world.outlet_a.pk]
    assert outlet["overridden"] == 1 and outlet["passed"] == 0
    assert PhotoCheck.objects.filter(overridden=True).count() == 1  # the evaluation's count

    with pytest.raises(ServiceError) as exc:
        services.override_check(
            acting_user=world.operator_a, check_id=check.pk, reason="religious", text=TEXT
        )
    assert exc.value.code == "override_already"


@pytest.mark.parametrize(
    "rules, reason, text, code",
    [
        (("head_covering", "face_width"), "religious", TEXT, "override_hard_rules"),
        (("sunglasses",), "nonsense", TEXT, "override_reason"),
        (("frontal",), "medical", "  ", "override_text"),
    ],
)
def test_override_refusals_leave_nothing_written(world, rules, reason, text, code):
    check = soft_failed_check(world.operator_a, person=world.person_a, rules=rules)
    with pytest.raises(ServiceError) as exc:
        services.override_check(
            acting_user=world.operator_a, check_id=check.pk, reason=reason, text=text
        )
    assert exc.value.code == code and any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)
    assert not PhotoCheck.objects.get(pk=check.pk).overridden
    assert not AuditEntry.objects.filter(action="photo.override").exists()


def test_override_policy_and_scope(world):
    check = soft_failed_check(world.operator_a, person=world.person_a)
    with pytest.raises(Forbidden):  # read-only role
        services.override_check(
            acting_user=world.auditor, check_id=check.pk, reason="medical", text=TEXT
        )
    with pytest.raises(Forbidden):  # another district's check
        services.override_check(
            acting_user=world.admin_b, check_id=check.pk, reason="medical", text=TEXT
        )
    with pytest.raises(NotFound):
        services.override_check(
            acting_user=world.operator_a, check_id=check.pk + 999, reason="medical", text=TEXT
        )
    passed = services.record_check(
        acting_user=world.operator_a,
        data=b"x",
        channel="counter",
        verdict=PhotoVerdict(ok=True, measurements=Measurements(dpi=(350, 350))),
    )
    with pytest.raises(ServiceError) as exc:
        services.override_check(
            acting_user=world.operator_a, check_id=passed.pk, reason="medical", text=TEXT
        )
    assert exc.value.code == "override_not_failed"


def test_override_unblocks_the_application_and_shows_on_it(client, world, monkeypatch):
    from sbk.cards import services as cards

    monkeypatch.setattr(services, "evaluate", lambda data, **kw: soft_failed_verdict())
    app = cards.start_application(
        world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    app = cards.attach_photo(app.pk, acting_user=world.operator_a, data=b"\xff\xd8cap")
    assert app.photo_ok is False
    with pytest.raises(ServiceError):
        cards.submit_application(app.pk, acting_user=world.operator_a)
    check_id = app.photo_result["check_id"]

    entry = services.override_check(
        acting_user=world.operator_a, check_id=check_id, reason="religious", text=TEXT
    )
    audit = AuditEntry.objects.get(action="photo.override")
    assert audit.after["applications"] == [app.pk] and entry.overridden
    app.refresh_from_db()
    assert app.photo_ok is True and app.photo_result["overridden"] is True
    assert "人工放行" in app.photo_note and TEXT in app.photo_note
    cards.submit_application(app.pk, acting_user=world.operator_a)

    client.force_login(world.operator_a)
    page = client.get(f"/cards/applications/{app.pk}/").content.decode()
    assert 'data-testid="photo-overridden"' in page and f"/photos/checks/{check_id}/" in page


def test_api_override_and_stats(client, world):
    check = soft_failed_check(world.operator_a, person=world.person_a)
    url = f"/api/photos/checks/{check.pk}/override"
    body = json.dumps({"reason": "medical", "text": "术后头部包扎，已核对"})
    h = {**_auth(world.operator_a), "Idempotency-Key": "override-1"}
    resp = client.post(url, body, content_type="application/json", headers=h)
    assert resp.status_code == 200, resp.content
    out = resp.json()
    assert out["overridden"] and out["override_reason"] == "medical" and not out["ok"]
    assert out["overridden_by"] == world.operator_a.username and not out["overridable"]
    again = client.post(url, body, content_type="application/json", headers=h)  # replay
    assert (
        again.status_code == 200 and AuditEntry.objects.filter(action="photo.override").count() == 1
    )

    other = client.post(url, body, content_type="application/json", headers=_auth(world.admin_b))
    assert other.status_code == 404
    bad = client.post(
        url, json.dumps({"reason": "medical", "text": "x"}), content_type="application/json",
        headers={**_auth(world.operator_a), "Idempotency-Key": "override-2"},
    )  # fmt: skip
    assert bad.status_code in (400, 409)

    stats = client.get("/api/photos/stats", headers=_auth(world.admin_a)).json()["pass_rate"]
    assert stats["overridden"] == 1 and stats["passed"] == 0 and stats["accepted"] == 1


def test_console_override_form(client, world):
    check = soft_failed_check(world.operator_a, person=world.person_a)
    hard = soft_failed_check(world.operator_a, person=world.person_a, rules=("face_width",))
    client.force_login(world.operator_a)
    page = client.get(f"/photos/checks/{check.pk}/").content.decode()
    assert f"/photos/checks/{check.pk}/override/" in page and "宗教信仰头饰" in page
    assert "/override/" not in client.get(f"/photos/checks/{hard.pk}/").content.decode()

    resp = client.post(f"/photos/checks/{check.pk}/override/", {"reason": "other", "text": "x"})
    assert resp.status_code == 400 and "放行说明" in resp.content.decode()
    resp = client.post(f"/photos/checks/{check.pk}/override/", {"reason": "other", "text": TEXT})
    assert resp.status_code == 302
    page = client.get(f"/photos/checks/{check.pk}/").content.decode()
    assert 'data-testid="override"' in page and TEXT in page
    listing = client.get("/photos/check/").content.decode()
    assert 'data-testid="overridden">1<' in listing


# ------------------------------------------------------------------------------- renewal
def test_max_age_adult_child_and_setting(settings):
    adult, child = dt.date(1980, 5, 1), dt.date(2015, 5, 1)
    taken = dt.date(2026, 1, 1)
    assert photo_max_age_months(adult, taken) == (60, False)
    assert photo_max_age_months(child, taken) == (12, True)  # 10 years old then
    settings.SBK_PHOTO_MAX_AGE_MONTHS = {"adult": 36}
    assert photo_max_age_months(adult, taken) == (36, False)
    from sbk.photos.apps import check_photo_rules

    assert check_photo_rules() == []
    settings.SBK_PHOTO_MAX_AGE_MONTHS = {"adults": 36}
    (error,) = check_photo_rules()
    assert error.id == "sbk.E101" and "adults" in error.msg
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)


def _photo_on_file(world, person, days_old: int):
    check = services.record_check(
        acting_user=world.operator_a,
        data=b"\xff\xd8on file",
        person=person,
        channel="counter",
        verdict=PhotoVerdict(
            ok=True,
            measurements=Measurements(dpi=(350, 350)),
            results=[RuleResult("face_width", PASS, "", 155.0)],
        ),
    )
    taken = timezone.now() - dt.timedelta(days=days_old)
    PhotoCheck.objects.filter(pk=check.pk).update(at=taken)
    services.make_current(person.pk, check.pk, timezone.localdate(taken))
    return PersonPhoto.objects.get(person=person)


@pytest.mark.parametrize("days_old, birth_years_ago, reused", [(400, 40, True), (1900, 40, False), (400, 10, False), (300, 10, True)])  # fmt: skip
def test_photo_on_file_renewal(world, monkeypatch, days_old, birth_years_ago, reused):
    from sbk.cards import services as cards

    monkeypatch.setattr(
        services, "evaluate", lambda data, **kw: PhotoVerdict(ok=True, measurements=Measurements())
    )
    person = world.person_a
    person.birth_date = timezone.localdate() - dt.timedelta(days=365 * birth_years_ago + 30)
    person.save(update_fields=["birth_date"])
    _photo_on_file(world, person, days_old)
    app = cards.start_application(
        person.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    if reused:
        app = cards.attach_photo(app.pk, acting_user=world.operator_a, use_on_file=True)
        assert app.photo_source == "on_file"
        return
    with pytest.raises(ServiceError) as exc:
        cards.attach_photo(app.pk, acting_user=world.operator_a, use_on_file=True)
    assert exc.value.code == "photo_on_file_too_old"
    assert "重新拍摄" in exc.value.message and "个月" in exc.value.message


def test_stored_copy_of_an_unstated_dpi_photo_says_350_dpi(world, reference):
    from sbk.photos.analysis import decode

    from . import imaging as im

    plain = im.to_jpeg(reference.rgb, dpi=None)
    verdict = services.evaluate(plain)
    assert verdict.ok and verdict.result("dpi").status == "warn"
    check = services.record_check(
        acting_user=world.operator_a, data=plain, channel="counter", verdict=verdict
    )
    stored = services.photo_bytes(check)
    assert decode(stored).dpi == (350, 350)
    assert (decode(stored).rgb == decode(plain).rgb).all()
