"""The platform side of the photo checks: the ``sbk photo`` command contract, the stored
(encrypted) checks, recaptures and the pass rate per outlet and district."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from sbk.core.models import AuditEntry
from sbk.orgs.scope import visible_orgs
from sbk.photos import services
from sbk.photos.config import current_rules
from sbk.photos.models import PhotoCheck
from sbk.photos.queries import pass_rate, recapture_counts, scoped_checks

from . import imaging as im

ROOT = Path(__file__).resolve().parents[3]
ID = "612501199001011234"
NAME = "张三"
GOOD_NAME = "612501*****张三.jpg"


def make_check_for_scope_test(acting_user, person) -> PhotoCheck:
    """A stored check of ``person`` by ``acting_user`` for the project-wide scope test
    (``sbk/tests/test_scope_routes.py``): unreadable bytes, so no model runs. The
    encrypted file goes to the configured MEDIA_ROOT."""
    return services.record_check(
        acting_user=acting_user, data=b"scope test: not a photo", person=person, channel="counter"
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="module")
def bad_jpeg(reference) -> bytes:
    """The reference with a black frame: fails ``border``."""
    return im.to_jpeg(im.add_frame(reference.rgb, thickness=4))


# ------------------------------------------------------------------------ the command
def _sbk(args, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    # no database, no key file: a fresh var dir holds neither
    env.update(SBK_VAR_DIR=str(tmp_path / "var"), SBK_KEYS_FILE=str(tmp_path / "none.json"))
    return subprocess.run(
        [sys.executable, "-m", "sbk", "photo", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sbk_photo_check_contract_through_the_console_script(tmp_path, reference):
    good = tmp_path / GOOD_NAME
    good.write_bytes(reference.jpeg)
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\x00not a picture")
    done = _sbk(["check", str(good), str(junk), "--json", "--id", ID, "--name", NAME], tmp_path)
    assert done.returncode == 1, done.stderr
    first, second = [json.loads(line) for line in done.stdout.splitlines()]
    assert set(first) >= {"file", "ok", "measurements", "failures"}
    assert first["ok"] is True and first["failures"] == [] and first["file"] == str(good)
    m = first["measurements"]
    assert m["width"] == 358 and m["height"] == 441 and m["faces"] == 1
    assert {"dpi", "mode", "format", "bytes", "face_width", "head_top", "eye_bottom"} <= set(m)
    assert {"face_center_x", "background_white", "tilt_deg"} <= set(m)
    assert second["ok"] is False
    fmt = [f for f in second["failures"] if f["rule"] == "format"]
    assert fmt and fmt[0]["actual"] == "unreadable" and "无法读取" in fmt[0]["message"]
    assert set(fmt[0]) == {"rule", "expected", "actual", "message"}
    assert "张三" in done.stdout  # file name rule ran, JSON not ASCII-escaped

    done = _sbk(["check", str(good), "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True


def test_command_in_process_uses_the_configured_rules(settings, tmp_path, reference):
    good = tmp_path / "good.jpg"
    good.write_bytes(reference.jpeg)
    out = io.StringIO()
    call_command("photo", "check", str(good), "--json", stdout=out)
    assert json.loads(out.getvalue())["ok"] is True

    settings.SBK_PHOTO_RULES = {"face_width": 120, "face_width_tol": 5}
    assert current_rules().face_width == 120.0
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("photo", "check", str(good), "--json", stdout=out)
    assert exc.value.code == 1
    assert [f["rule"] for f in json.loads(out.getvalue())["failures"]] == ["face_width"]


def test_fix_command_names_by_convention_and_refuses_junk(tmp_path, astronaut_png):
    src = tmp_path / "in.png"
    src.write_bytes(astronaut_png)
    out = io.StringIO()
    call_command(
        "photo", "fix", str(src), str(tmp_path / "out"), "--id", ID, "--name", NAME, stdout=out
    )
    made = tmp_path / "out" / GOOD_NAME
    assert made.read_bytes().startswith(b"\xff\xd8") and "已生成合格照片" in out.getvalue()

    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"nothing")
    with pytest.raises(SystemExit) as exc:
        call_command("photo", "fix", str(junk), str(tmp_path / "x.jpg"), stdout=io.StringIO())
    assert exc.value.code == 1 and not (tmp_path / "x.jpg").exists()


def test_bad_photo_rules_setting_fails_the_system_check(settings):
    from sbk.photos.apps import check_photo_rules

    assert check_photo_rules() == []
    settings.SBK_PHOTO_RULES = {"face_widht": 150}
    (error,) = check_photo_rules()
    assert error.id == "sbk.E101" and "face_widht" in error.msg


# ------------------------------------------------------------------------ the service
@pytest.mark.django_db
def test_record_check_stores_the_photo_encrypted(settings, world, reference):
    check = services.record_check(
        acting_user=world.operator_a, data=reference.jpeg, person=world.person_a, channel="counter"
    )
    check.refresh_from_db()
    assert check.ok and check.failed_rules == [] and not check.recapture
    assert check.org == world.outlet_a and check.user == world.operator_a
    assert check.person == world.person_a and check.channel == "counter"
    assert check.measurements["width"] == 358 and check.measurements["faces"] == 1
    assert check.photo_bytes == len(reference.jpeg)

    raw = (Path(settings.MEDIA_ROOT) / check.photo).read_bytes()
    assert not raw.startswith(b"\xff\xd8") and reference.jpeg not in raw
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(raw))
    assert services.photo_bytes(check) == reference.jpeg
    png = services.preview_png(check)
    assert png.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(png)).size[0] > 358

    (entry,) = AuditEntry.objects.filter(action="photo.check")
    assert entry.object_id == str(check.pk) and entry.after["ok"] is True
    assert entry.after["person_id"] == world.person_a.pk
    assert world.person_a.id_number not in json.dumps(entry.after, ensure_ascii=False)


@pytest.mark.django_db
def test_check_recorded_as_part_of_another_action_writes_no_audit_row(world, reference):
    from sbk.core.catalogue import Action
    from sbk.core.errors import Forbidden

    rows = AuditEntry.objects.count()
    check = services.record_check(
        acting_user=world.operator_a,
        data=reference.jpeg,
        person=world.person_a,
        channel="counter",
        part_of=Action.APPLICATION_PHOTO,
    )
    assert PhotoCheck.objects.filter(pk=check.pk, ok=True).exists()
    assert AuditEntry.objects.count() == rows  # the caller's action row covers it
    # the role must still be one that may do the caller's action
    with pytest.raises(Forbidden):
        services.record_check(
            acting_user=world.auditor,
            data=reference.jpeg,
            channel="counter",
            part_of=Action.APPLICATION_PHOTO,
        )
    assert PhotoCheck.objects.count() == 1


@pytest.mark.django_db
def test_record_check_refusals(world, reference):
    from sbk.core.errors import Forbidden, NotFound, ServiceError

    with pytest.raises(NotFound):  # a person of another district
        services.record_check(
            acting_user=world.operator_a,
            data=reference.jpeg,
            person=world.person_b,
            channel="counter",
        )
    with pytest.raises(Forbidden):
        services.record_check(acting_user=world.auditor, data=reference.jpeg, channel="counter")
    with pytest.raises(ServiceError) as exc:
        services.record_check(acting_user=world.operator_a, data=reference.jpeg, channel="fax")
    assert exc.value.field == "channel"
    with pytest.raises(ServiceError) as exc:
        services.record_check(acting_user=world.operator_a, data=b"", channel="counter")
    assert exc.value.code == "file_required"
    assert not PhotoCheck.objects.exists()


@pytest.mark.django_db
def test_unreadable_upload_is_a_format_failure_and_file_name_rule_is_opt_in(world, reference):
    junk = services.record_check(acting_user=world.operator_a, data=b"junk", channel="online")
    assert not junk.ok and "format" in junk.failed_rules
    named = services.record_check(
        acting_user=world.operator_a,
        data=reference.jpeg,
        person=world.person_a,
        channel="studio",
        filename="IMG_0001.jpg",
    )
    assert named.failed_rules == ["file_name"]
    row = [r for r in named.results if r["rule"] == "file_name"][0]
    assert row["actual"] is None and "*****甲某" in row["expected"]  # upload name not kept


# ------------------------------------------------------------------------ the figures
@pytest.fixture
def verdicts(reference, bad_jpeg):
    good = services.evaluate(reference.jpeg)
    bad = services.evaluate(bad_jpeg)
    assert good.ok and "border" in bad.failed_rules()
    return {"good": (reference.jpeg, good), "bad": (bad_jpeg, bad)}


def _rec(user, verdicts, kind, person=None, at=None):
    data, verdict = verdicts[kind]
    check = services.record_check(
        acting_user=user, data=data, person=person, channel="counter", verdict=verdict
    )
    if at is not None:
        PhotoCheck.objects.filter(pk=check.pk).update(at=at)
    return check


@pytest.mark.django_db
def test_recapture_pass_rate_per_outlet_and_district(world, verdicts):
    w = world
    assert not _rec(w.operator_a, verdicts, "bad", w.person_a).recapture
    assert _rec(w.operator_a, verdicts, "good", w.person_a).recapture  # follows a failure
    assert not _rec(w.operator_a, verdicts, "good", w.person_a).recapture  # follows a pass
    assert not _rec(w.bank_operator_a, verdicts, "good").recapture  # no person: never
    _rec(w.operator_b, verdicts, "bad", w.person_b)
    assert _rec(w.operator_b, verdicts, "bad", w.person_b).recapture  # failed again
    old = timezone.now() - dt.timedelta(days=40)
    _rec(w.operator_b, verdicts, "good", w.person_b, at=old)  # outside the window below

    everything = pass_rate(visible_orgs(w.city_admin))
    assert (everything["total"], everything["passed"]) == (7, 4)
    assert everything["rate_pct"] == round(400 / 7, 2)
    since = timezone.localdate() - dt.timedelta(days=29)
    rates = pass_rate(visible_orgs(w.city_admin), since, timezone.localdate())
    assert (rates["total"], rates["passed"]) == (6, 3)
    districts = {r["code"]: r for r in rates["by_district"]}
    assert (districts["DA"]["total"], districts["DA"]["passed"]) == (4, 3)
    assert districts["DA"]["rate_pct"] == 75.0
    assert (districts["DB"]["total"], districts["DB"]["passed"], districts["DB"]["rate"]) == (
        2,
        0,
        0,
    )
    outlets = {r["code"]: r for r in rates["by_outlet"]}
    assert (outlets["OA1"]["total"], outlets["OA1"]["passed"]) == (3, 2)
    assert (outlets["BOA"]["total"], outlets["BOA"]["passed"]) == (1, 1)
    assert outlets["BOB"]["total"] == 0 and outlets["BOB"]["rate"] is None  # no checks yet

    rec = recapture_counts(visible_orgs(w.city_admin), since, None)
    assert (rec["checks"], rec["recaptures"], rec["persons"]) == (6, 2, 2)
    districts = {r["code"]: r for r in rec["by_district"]}
    assert (districts["DA"]["recaptures"], districts["DA"]["persons"]) == (1, 1)
    assert (districts["DB"]["recaptures"], districts["DB"]["persons"]) == (1, 1)

    # a district admin counts only its own district
    mine = pass_rate(visible_orgs(w.admin_a), since, None)
    assert mine["total"] == 4 and {r["code"] for r in mine["by_district"]} == {"DA"}
    assert {c.org.code for c in scoped_checks(w.admin_a)} == {"OA1", "BOA"}
    assert pass_rate(visible_orgs(w.admin_a), since - dt.timedelta(days=365), since)["total"] == 0
