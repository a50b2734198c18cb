"""An application's document images (申领影像材料): the accepted formats, the list and the
upload beside the application, and the full view — for a stated purpose, in scope, one
access-log row each time, never on a GET."""

import pytest

from sbk.core.errors import Forbidden, NotFound, ServiceError
from sbk.core.models import AccessLog
from sbk.operations import rules, services
from sbk.operations.models import ApplicationDocument
from sbk.testing import login, person

from .helpers import application, at

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"scan of an ID card"
PDF = b"%PDF-1.4 signed authorisation"


@pytest.fixture
def app(ops):
    return application(ops.outlet_a, person(ops.outlet_a, name="丁某"), at("2026-02-01", 10))


def test_the_formats_by_their_signature():
    assert rules.document_format(JPEG) == "image/jpeg"
    assert rules.document_format(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert rules.document_format(PDF) == "application/pdf"
    assert rules.document_format(b"GIF89a") is None
    assert rules.document_format(b"") is None


def test_a_file_of_another_kind_is_refused_and_nothing_is_kept(ops, app):
    with pytest.raises(ServiceError) as exc:
        services.attach_document(app.pk, acting_user=ops.operator_a, kind="other", data=b"MZ..")
    assert (exc.value.code, exc.value.field) == ("bad_document", "file")
    assert "JPEG" in exc.value.message
    assert not ApplicationDocument.objects.exists()


def test_a_view_needs_its_purpose_and_each_view_is_logged(ops, app):
    doc = services.attach_document(
        app.pk, acting_user=ops.operator_a, kind="id_document", data=JPEG
    )
    with pytest.raises(ServiceError) as exc:
        services.view_document(doc.pk, acting_user=ops.operator_a, purpose="  ")
    assert (exc.value.code, exc.value.field) == ("purpose_required", "purpose")
    assert not AccessLog.objects.exists()

    got, data = services.view_document(doc.pk, acting_user=ops.city_admin, purpose="材料抽查")
    assert (got.pk, data) == (doc.pk, JPEG)
    services.view_document(doc.pk, acting_user=ops.operator_a, purpose="补换卡核对")
    logs = list(AccessLog.objects.order_by("id").values_list("username", "purpose", "object_id"))
    assert logs == [("city", "材料抽查", str(doc.pk)), ("op_a", "补换卡核对", str(doc.pk))]


def test_out_of_scope_it_does_not_exist_and_a_read_only_role_may_not(ops, app):
    from sbk.accounts.models import Role
    from sbk.testing import user

    doc = services.attach_document(
        app.pk, acting_user=ops.operator_a, kind="id_document", data=JPEG
    )
    with pytest.raises(NotFound):
        services.view_document(doc.pk, acting_user=ops.operator_b, purpose="看看")
    with pytest.raises(NotFound):
        services.view_document(doc.pk, acting_user=ops.admin_b, purpose="看看")
    auditor = user("aud", Role.AUDITOR, ops.centre)
    with pytest.raises(Forbidden):
        services.view_document(doc.pk, acting_user=auditor, purpose="看看")
    assert not AccessLog.objects.exists()


def test_the_page_lists_uploads_and_shows_the_image_on_a_post(client, ops, app):
    login(client, ops.operator_a)
    url = f"/operations/applications/{app.pk}/documents/"
    assert "尚未上传影像材料" in client.get(url).content.decode()

    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = client.post(
        url,
        {"do": "document", "kind": "id_document", "file": SimpleUploadedFile("a.gif", b"GIF89a")},
    )
    assert bad.status_code == 400 and "JPEG、PNG 或 PDF" in bad.content.decode()
    ok = client.post(
        url, {"do": "document", "kind": "id_document", "file": SimpleUploadedFile("id.jpg", JPEG)}
    )
    assert ok.status_code == 302
    doc = ApplicationDocument.objects.get()
    page = client.get(url).content.decode()
    assert f'data-testid="document-{doc.pk}"' in page and "身份证件" in page
    assert not AccessLog.objects.exists()  # the list is not a view of the image

    assert client.get(f"/operations/documents/{doc.pk}/view/").status_code == 405
    refused = client.post(f"/operations/documents/{doc.pk}/view/", {"purpose": ""})
    assert refused.status_code == 400 and "须说明用途" in refused.content.decode()
    shown = client.post(f"/operations/documents/{doc.pk}/view/", {"purpose": "核对证件"})
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store"
    assert 'src="data:image/jpeg;base64,' in shown.content.decode()
    assert AccessLog.objects.filter(purpose="核对证件", object_id=str(doc.pk)).count() == 1

    pdf = services.attach_document(
        app.pk, acting_user=ops.operator_a, kind="authorisation", data=PDF
    )
    sent = client.post(f"/operations/documents/{pdf.pk}/view/", {"purpose": "核对授权"})
    assert sent["Content-Type"] == "application/pdf" and sent.content == PDF
    assert "attachment" in sent["Content-Disposition"]


def test_another_districts_page_and_image_answer_404(client, ops, app):
    doc = services.attach_document(
        app.pk, acting_user=ops.operator_a, kind="id_document", data=JPEG
    )
    login(client, ops.operator_b)
    assert client.get(f"/operations/applications/{app.pk}/documents/").status_code == 404
    r = client.post(f"/operations/documents/{doc.pk}/view/", {"purpose": "看看"})
    assert r.status_code == 404
    r = client.post(f"/operations/documents/{doc.pk}/view/", {"purpose": ""})
    assert r.status_code == 404  # no purpose either: still nothing said about the document
    assert not AccessLog.objects.exists()


def test_the_api_lists_without_the_image_and_shows_it_for_a_purpose(client, ops, app):
    from sbk.accounts.models import ApiToken

    doc = services.attach_document(
        app.pk, acting_user=ops.operator_a, kind="id_document", data=JPEG
    )
    raw = "docs-" + "y" * 40
    ApiToken.objects.create(user=ops.operator_a, name="t", digest=ApiToken.digest_of(raw))
    auth = {"Authorization": f"Bearer {raw}"}
    listed = client.get(f"/api/operations/documents?application={app.pk}", headers=auth).json()
    assert [(d["id"], d["kind"], d["size"]) for d in listed] == [(doc.pk, "id_document", len(JPEG))]
    assert "data_base64" not in listed[0]
    assert not AccessLog.objects.exists()
    body = {"document": doc.pk, "purpose": ""}
    r = client.post(
        "/api/operations/documents/view", body, content_type="application/json", headers=auth
    )
    assert r.status_code == 400 and r.json()["code"] == "purpose_required"
    body["purpose"] = "核对证件"
    r = client.post(
        "/api/operations/documents/view", body, content_type="application/json", headers=auth
    )
    assert r.status_code == 200 and r.json()["media_type"] == "image/jpeg"
    import base64

    assert base64.b64decode(r.json()["data_base64"]) == JPEG
    assert AccessLog.objects.get().channel == "api"
