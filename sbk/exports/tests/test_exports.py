"""Exports of personal data: audited, watermarked, masked by default, approval above a size."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from sbk.core.errors import Forbidden, ServiceError
from sbk.core.models import AuditEntry
from sbk.exports import services
from sbk.exports.models import ExportRequest, ExportStatus

pytestmark = pytest.mark.django_db


def test_small_csv_export_is_masked_audited_and_watermarked(world):
    export = services.export_people(acting_user=world.operator_a, query="", fmt="csv")
    text = export.content.decode("utf-8-sig")
    first, *rest = text.splitlines()
    assert first.startswith("# ") and "op_a" in first and "OA1" in first and "1 行" in first
    rows = list(csv.reader(rest))
    assert rows[0][:3] == ["姓名", "证件类型", "证件号码"] and len(rows) == 2
    assert rows[1][2] == world.person_a.id_masked and world.person_a.id_number not in text
    entry = AuditEntry.objects.get(action="export.people")
    assert entry.actor_username == "op_a"
    assert entry.after == {
        "kind": "people",
        "filter": "",
        "format": "csv",
        "full": False,
        "rows": 1,
    }


def test_xlsx_carries_the_watermark_in_properties_and_page_header(world):
    export = services.export_people(acting_user=world.city_admin, query="甲", fmt="xlsx")
    wb = load_workbook(io.BytesIO(export.content))
    ws = wb.active
    assert ws.cell(2, 1).value == "甲某" and ws.max_row == 2
    header = ws.oddHeader.center.text
    assert "city" in header and "CENTRE" in header and "甲" in header
    assert wb.properties.creator == "city" and "CENTRE" in wb.properties.description
    custom = {p.name: p.value for p in wb.custom_doc_props.props}
    assert custom["sbk-user"] == "city" and custom["sbk-rows"] == 1
    assert AuditEntry.objects.get(action="export.people").after["filter"] == "甲"


def test_full_numbers_need_a_purpose_and_are_logged(world):
    with pytest.raises(ServiceError) as exc:
        services.export_people(acting_user=world.operator_a, fmt="json", full=True)
    assert exc.value.code == "purpose_required"
    export = services.export_people(
        acting_user=world.operator_a, fmt="json", full=True, purpose="稽核检查"
    )
    body = json.loads(export.content)
    assert body["watermark"]["user"] == "op_a" and body["watermark"]["full"] is True
    assert body["rows"][0]["id_number"] == world.person_a.id_number
    entry = AuditEntry.objects.get(action="export.people")
    assert entry.after["full"] is True and entry.reason == "稽核检查"


def test_large_export_waits_for_a_second_authorised_user(world, settings):
    settings.SBK_EXPORT_APPROVAL_ROWS = 0
    req = services.export_people(acting_user=world.admin_a, fmt="csv")
    assert isinstance(req, ExportRequest) and req.status == ExportStatus.REQUESTED
    with pytest.raises(Forbidden):  # not by the requester
        services.decide_request(req.pk, acting_user=world.admin_a, approve=True)
    with pytest.raises(ServiceError):  # nor by someone without scope over district A
        services.decide_request(req.pk, acting_user=world.admin_b, approve=True)
    with pytest.raises(ServiceError):  # nor by an operator
        services.decide_request(req.pk, acting_user=world.operator_a, approve=True)
    with pytest.raises(ServiceError) as exc:
        services.download_request(req.pk, acting_user=world.admin_a)
    assert exc.value.code == "export_not_approved"
    services.decide_request(req.pk, acting_user=world.city_admin, approve=True, note="同意")
    export = services.download_request(req.pk, acting_user=world.admin_a)
    assert "admin_a" in export.content.decode("utf-8-sig").splitlines()[0]
    req.refresh_from_db()
    assert req.status == ExportStatus.DOWNLOADED and req.decided_by == world.city_admin
    with pytest.raises(ServiceError):  # once
        services.download_request(req.pk, acting_user=world.admin_a)
    actions = list(
        AuditEntry.objects.filter(action__startswith="export.").values_list("action", flat=True)
    )
    assert actions == ["export.request", "export.approve", "export.download"]


def test_rejected_export_cannot_be_downloaded(world, settings):
    settings.SBK_EXPORT_APPROVAL_ROWS = 0
    req = services.export_people(acting_user=world.operator_a, fmt="xlsx")
    services.decide_request(req.pk, acting_user=world.admin_a, approve=False, note="不必要")
    with pytest.raises(ServiceError):
        services.download_request(req.pk, acting_user=world.operator_a)


def test_console_export_uses_the_current_filter(client, world):
    client.force_login(world.operator_a)
    page = client.get("/people/?q=甲").content.decode()
    assert 'data-testid="export-link"' in page
    form = client.get("/exports/people/?q=甲")
    assert form.status_code == 200 and 'data-testid="export-count">1<' in form.content.decode()
    resp = client.post("/exports/people/", {"q": "甲", "fmt": "csv"})
    assert resp.status_code == 200 and resp["Content-Disposition"].startswith("attachment")
    assert AuditEntry.objects.get(action="export.people").after["filter"] == "甲"


def test_console_approval_flow(client, world, settings):
    settings.SBK_EXPORT_APPROVAL_ROWS = 0
    client.force_login(world.operator_a)
    resp = client.post("/exports/people/", {"q": "", "fmt": "json"})
    assert resp.status_code == 302 and resp["Location"].endswith("/exports/requests/")
    req = ExportRequest.objects.get()
    client.force_login(world.admin_a)
    assert "批准" in client.get("/exports/requests/").content.decode()
    client.post(f"/exports/requests/{req.pk}/approve/", {"note": "ok"})
    client.force_login(world.operator_a)
    page = client.get("/exports/requests/").content.decode()
    # the download acts (status, audit row): a form that posts, not a link
    assert f'action="/exports/requests/{req.pk}/download/"' in page
    assert f'href="/exports/requests/{req.pk}/download/"' not in page
    resp = client.post(f"/exports/requests/{req.pk}/download/")
    assert resp.status_code == 200 and json.loads(resp.content)["watermark"]["user"] == "op_a"


def _post(client, url, body=None, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, body or {}, content_type="application/json", headers=headers)


def test_api_export_and_approval(client, world, settings):
    client.force_login(world.operator_a)
    resp = _post(client, "/api/exports/people", {"format": "csv"})
    assert resp.status_code == 200 and resp.content.decode("utf-8-sig").startswith("# ")
    assert resp["Content-Disposition"].startswith("attachment")
    settings.SBK_EXPORT_APPROVAL_ROWS = 0
    resp = _post(client, "/api/exports/people", {"format": "json"})
    assert resp.status_code == 202 and resp.json()["status"] == "requested"
    rid = resp.json()["id"]
    assert _post(client, f"/api/exports/requests/{rid}/download").status_code == 400
    client.force_login(world.admin_a)
    ok = _post(client, f"/api/exports/requests/{rid}/decision", {"approve": True})
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    client.force_login(world.operator_a)
    assert _post(client, f"/api/exports/requests/{rid}/download").status_code == 200
    full = _post(client, "/api/exports/people", {"format": "json", "full": True})
    assert full.status_code == 400 and full.json()["code"] == "purpose_required"


def test_api_export_without_a_body_takes_the_defaults(client, world):
    client.force_login(world.operator_a)
    resp = client.generic("POST", "/api/exports/people")  # no body, no content type
    assert resp.status_code == 200 and json.loads(resp.content)["watermark"]["user"] == "op_a"


def test_get_never_writes(client, world, settings):
    """The routes that act answer GET with 405 and write nothing, whatever the query."""
    settings.SBK_EXPORT_APPROVAL_ROWS = 0
    client.force_login(world.operator_a)
    req = services.export_people(acting_user=world.operator_a, fmt="csv")
    services.decide_request(req.pk, acting_user=world.admin_a, approve=True)
    audit_rows, requests = AuditEntry.objects.count(), ExportRequest.objects.count()
    for url in (
        "/api/exports/people?format=csv",
        "/api/exports/people?format=json&full=true&purpose=x",
        f"/api/exports/requests/{req.pk}/download",
        f"/exports/requests/{req.pk}/download/",
    ):
        assert client.get(url).status_code == 405, url
    assert AuditEntry.objects.count() == audit_rows
    assert ExportRequest.objects.count() == requests
    req.refresh_from_db()
    assert req.status == ExportStatus.APPROVED and req.downloaded_at is None
    # the console's form page only counts: it shows the form, writes nothing
    assert client.get("/exports/people/?q=甲").status_code == 200
    assert AuditEntry.objects.count() == audit_rows


def test_api_retry_with_the_same_key_does_not_act_twice(client, world, settings):
    client.force_login(world.operator_a)
    first = _post(client, "/api/exports/people", {"format": "csv"}, key="exp-1")
    again = _post(client, "/api/exports/people", {"format": "csv"}, key="exp-1")
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and first["Content-Type"] == again["Content-Type"]
    assert AuditEntry.objects.filter(action="export.people").count() == 1
    other = _post(client, "/api/exports/people", {"format": "json"}, key="exp-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_mismatch"
    # the stored answer holds the file sealed, never the personal data in clear
    from sbk.core.models import IdempotencyRecord

    stored = IdempotencyRecord.objects.get(key="exp-1")
    assert world.person_a.name not in json.dumps(stored.response, ensure_ascii=False)

    settings.SBK_EXPORT_APPROVAL_ROWS = 0
    filed = _post(client, "/api/exports/people", {"format": "json"}, key="exp-2")
    refiled = _post(client, "/api/exports/people", {"format": "json"}, key="exp-2")
    assert filed.status_code == refiled.status_code == 202
    assert filed.json() == refiled.json() and ExportRequest.objects.count() == 1
    rid = filed.json()["id"]
    client.force_login(world.admin_a)
    decision = f"/api/exports/requests/{rid}/decision"
    ok = _post(client, decision, {"approve": True}, key="d-1")
    assert _post(client, decision, {"approve": True}, key="d-1").json() == ok.json()
    assert AuditEntry.objects.filter(action="export.approve").count() == 1
    client.force_login(world.operator_a)
    got = _post(client, f"/api/exports/requests/{rid}/download", key="dl-1")
    # the connection dropped: the retry gets the same file, the request stays downloaded once
    retry = _post(client, f"/api/exports/requests/{rid}/download", key="dl-1")
    assert got.status_code == retry.status_code == 200 and got.content == retry.content
    assert AuditEntry.objects.filter(action="export.download").count() == 1
    fresh = _post(client, f"/api/exports/requests/{rid}/download", key="dl-2")
    assert fresh.status_code == 400 and fresh.json()["code"] == "export_not_approved"


def test_a_request_keeps_its_search_encrypted_and_shows_it_masked(client, world, settings):
    """The search as typed may be a whole document number: never stored or shown in clear."""
    from django.db import connection

    settings.SBK_EXPORT_APPROVAL_ROWS = 0
    number = world.person_a.id_number
    req = services.export_people(acting_user=world.admin_a, query=number, fmt="csv")
    with connection.cursor() as cur:
        cur.execute("SELECT query, query_shown FROM exports_exportrequest WHERE id = %s", [req.pk])
        stored, shown = cur.fetchone()
    assert number not in stored and number not in shown and number[:6] in shown
    assert ExportRequest.objects.get(pk=req.pk).query == number  # decrypted for the run
    client.force_login(world.admin_a)
    filed = _post(client, "/api/exports/people", {"format": "json", "q": number})
    assert filed.status_code == 202 and filed.json()["query"] == shown
    page = client.get("/exports/requests/").content.decode()
    assert number not in page and shown in page
    services.decide_request(req.pk, acting_user=world.city_admin, approve=True)
    export = services.download_request(req.pk, acting_user=world.admin_a)
    assert export.rows == 1  # the encrypted search still selects the person


def test_stored_answers_expire_after_the_configured_hours(client, world, settings):
    """An export's sealed file in an idempotency record is deleted by the worker once the
    record is older than SBK_IDEMPOTENCY_HOURS; younger ones are still replayed."""
    import datetime as dt
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from sbk.core.models import IdempotencyRecord

    client.force_login(world.operator_a)
    assert _post(client, "/api/exports/people", {"format": "csv"}, key="old").status_code == 200
    assert _post(client, "/api/exports/people", {"format": "csv"}, key="new").status_code == 200
    settings.SBK_IDEMPOTENCY_HOURS = 24
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    IdempotencyRecord.objects.filter(key="new").update(
        created_at=timezone.now() - dt.timedelta(hours=23)
    )
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "idempotency_purged 1" in out.getvalue()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    audits = AuditEntry.objects.filter(action="export.people").count()
    again = _post(client, "/api/exports/people", {"format": "csv"}, key="new")
    assert again.status_code == 200
    assert AuditEntry.objects.filter(action="export.people").count() == audits  # replayed
