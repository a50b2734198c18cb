"""The assistant's console and portal pages, and its API: answers with citations that
link to the passage in the viewer, the library, synonyms, the unanswered list."""

from __future__ import annotations

import re

import pytest

from sbk.accounts.models import ApiToken, Role, User
from sbk.assistant import services
from sbk.assistant.models import Document, Question
from sbk.cards.models import ServiceTransaction
from sbk.core.actors import SYSTEM
from sbk.core.models import AuditEntry
from sbk.testing import PASSWORD, login

from .documents import make_docx

pytestmark = pytest.mark.django_db

TEXT = """测试补卡规定
一、补卡
（一）条件。社保卡遗失的，须先办理正式挂失，再申请补卡。
（二）材料。携带本人有效身份证件原件。
"""


@pytest.fixture
def doc(world):
    return services.load_document(
        acting_user=SYSTEM, org=world.centre, file_name="rules.txt", data=TEXT.encode()
    ).document


def test_console_answer_quotes_and_links_to_the_passage(client, world, doc):
    login(client, world.operator_a)
    assert client.get("/assistant/").status_code == 200
    resp = client.post("/assistant/ask/", {"question": "补卡要带什么材料"})
    html = resp.content.decode()
    assert resp.status_code == 200 and 'data-testid="assistant-citation"' in html
    assert "携带本人有效身份证件原件" in html and "一、补卡 &gt; （二）材料" in html
    link = re.search(r'href="(/assistant/documents/\d+/\?p=(\d+)#passage-\d+)"', html)
    assert link
    viewer = client.get(link.group(1)).content.decode()
    assert f'id="passage-{link.group(2)}"' in viewer and "asst-passage cited" in viewer
    assert Question.objects.filter(refused=False).count() == 1


def test_console_refusal_suggests_headings_and_is_listed(client, world, doc):
    login(client, world.admin_a)
    html = client.post("/assistant/ask/", {"question": "住房公积金怎么提取"}).content.decode()
    assert 'data-testid="assistant-refused"' in html
    unanswered = client.get("/assistant/unanswered/").content.decode()
    assert "住房公积金怎么提取" in unanswered
    # The words no document holds are shown, for the synonym list or a missing document.
    absent = re.search(r'data-testid="assistant-absent">(.*?)</td>', unanswered).group(1)
    assert re.findall(r'<span class="tag">(.*?)</span>', absent) == ["住房", "公积金", "提取"]


def test_api_unanswered_names_the_words_no_document_holds(client, world, doc):
    login(client, world.admin_a)
    client.post("/assistant/ask/", {"question": "图书馆借书要押金吗"})
    raw = "assistant-" + "b" * 40
    ApiToken.objects.create(user=world.admin_a, name="t", digest=ApiToken.digest_of(raw))
    client.logout()
    rows = client.get(
        "/api/assistant/unanswered", headers={"Authorization": f"Bearer {raw}"}
    ).json()
    assert [(r["question"], r["absent_words"]) for r in rows] == [
        ("图书馆借书要押金吗", ["图书馆", "借书", "押金"])
    ]


def test_recording_the_enquiry_journals_item_7(client, world, doc):
    login(client, world.operator_a)
    page = client.get(f"/people/{world.person_a.pk}/").content.decode()
    assert 'data-testid="assistant-panel"' in page
    resp = client.post(
        "/assistant/ask/", {"question": "补卡要带什么材料", "person": world.person_a.pk}
    )
    assert 'data-testid="record-enquiry"' in resp.content.decode()
    resp = client.post(
        "/assistant/enquiry/",
        {"question": "补卡要带什么材料", "answer": "《测试补卡规定》", "person": world.person_a.pk},
    )
    assert resp.status_code == 302 and resp.url == f"/people/{world.person_a.pk}/"
    row = ServiceTransaction.objects.get(action="enquiry.record")
    assert row.item == 7 and row.person_id == world.person_a.pk


def test_upload_status_and_synonyms_from_the_console(client, world):
    login(client, world.admin_a)
    data = make_docx([("一、总则", "Heading 1"), ("（一）范围。本区网点。", None)], title="区规定")
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = client.post(
        "/assistant/documents/upload/",
        {"file": SimpleUploadedFile("rules.docx", data), "title": ""},
    )
    document = Document.objects.get()
    assert resp.status_code == 302 and document.org == world.district_a
    assert document.title == "区规定"
    listing = client.get("/assistant/documents/").content.decode()
    assert "区规定" in listing
    client.post(f"/assistant/documents/{document.pk}/status/", {"status": "superseded"})
    document.refresh_from_db()
    assert document.status == "superseded"
    # synonyms: the district admin may read, not edit
    client.post("/assistant/synonyms/", {"text": "补卡 = 补办"})
    assert not AuditEntry.objects.filter(action="assistant.synonyms_edit").exists()
    login(client, world.city_admin)
    resp = client.post("/assistant/synonyms/", {"text": "补卡 = 补办"})
    assert resp.status_code == 302
    bad = client.post("/assistant/synonyms/", {"text": "补卡"}).content.decode()
    assert "synonyms" in bad


def test_an_absent_word_opens_the_synonym_page_with_its_line_started(client, world, doc):
    from sbk.assistant.models import SynonymGroup

    services.ask("卡让人偷了咋整", user=world.operator_a, channel="console")
    groups = list(SynonymGroup.objects.values_list("terms", flat=True))
    # The district admin sees the words but may not edit the list: no link, no started line.
    login(client, world.admin_a)
    listed = client.get("/assistant/unanswered/").content.decode()
    assert "?add=" not in listed
    page = client.get("/assistant/synonyms/?add=咋整").content.decode()
    assert 'data-testid="synonyms-add"' not in page and "咋整 =" not in page
    # The city admin follows the word's link; the line is only started, nothing saved.
    login(client, world.city_admin)
    listed = client.get("/assistant/unanswered/").content.decode()
    link = re.search(r'href="(/assistant/synonyms/\?add=[^"]+)"', listed).group(1)
    page = client.get(link.replace("&amp;", "&")).content.decode()
    assert 'data-testid="synonyms-add"' in page
    assert re.search(r"<textarea[^>]*>(?:[^<]*\n)?\S+ = </textarea>", page)
    assert list(SynonymGroup.objects.values_list("terms", flat=True)) == groups


def test_upload_of_an_unreadable_file_says_why(client, world):
    login(client, world.admin_a)
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = client.post(
        "/assistant/documents/upload/",
        {"file": SimpleUploadedFile("scan.xls", b"x")},
        follow=True,
    )
    assert "unsupported_format" in resp.content.decode()
    assert Document.objects.count() == 0


def _applicant(world):
    u = User(username="app_v", role=Role.APPLICANT, person=world.person_a)
    u.set_password(PASSWORD)
    u.save()
    return u


def test_portal_page_answers_applicants_from_public_documents(client, world, doc):
    client.force_login(_applicant(world))
    assert client.get("/portal/assistant/").status_code == 200
    html = client.post("/portal/assistant/", {"question": "补卡要带什么材料"}).content.decode()
    link = re.search(r'href="(/portal/assistant/documents/\d+/\?p=\d+#passage-\d+)"', html)
    assert link, html[:2000]
    assert client.get(link.group(1)).status_code == 200
    assert client.get("/assistant/").status_code == 302  # the staff console is not theirs
    doc.public = False
    doc.save(update_fields=["public"])
    assert client.get(f"/portal/assistant/documents/{doc.pk}/").status_code == 404


def test_staff_do_not_use_the_portal_page(client, world):
    login(client, world.operator_a)
    assert client.get("/portal/assistant/").status_code == 403


def test_api_ask_answers_with_citations(client, world, doc):
    raw = "assistant-" + "a" * 40
    ApiToken.objects.create(user=world.operator_a, name="t", digest=ApiToken.digest_of(raw))
    headers = {"Authorization": f"Bearer {raw}"}
    resp = client.post(
        "/api/assistant/ask",
        {"question": "补卡要带什么材料", "k": 1},
        content_type="application/json",
        headers=headers,
    )
    body = resp.json()
    assert resp.status_code == 200 and body["refused"] is False and len(body["answers"]) == 1
    first = body["answers"][0]
    assert first["document"] == "测试补卡规定" and first["document_id"] == doc.pk
    assert first["url"].endswith(f"#passage-{first['passage_id']}")
    empty = client.post(
        "/api/assistant/ask", {"question": " "}, content_type="application/json", headers=headers
    )
    assert empty.status_code == 400 and empty.json()["code"] == "question_empty"


def test_applicant_api_answers_from_public_documents_without_journalling(client, world, doc):
    client.force_login(_applicant(world))
    resp = client.post(
        "/api/portal/assistant/ask",
        {"question": "补卡要带什么材料", "k": 2},
        content_type="application/json",
    )
    body = resp.json()
    assert resp.status_code == 200 and body["refused"] is False, body
    first = body["answers"][0]
    assert first["document_id"] == doc.pk
    assert first["url"].startswith(f"/portal/assistant/documents/{doc.pk}/?p=")
    # logged for the unanswered list like the portal page; item ⑦ is the clerk's to record
    assert Question.objects.get().channel == "portal"
    assert not ServiceTransaction.objects.exists()
    detail = client.get(f"/api/portal/assistant/documents/{doc.pk}")
    assert detail.status_code == 200 and detail.json()["passage_list"]
    # the staff API is not theirs
    staff = client.post("/api/assistant/ask", {"question": "补卡"}, content_type="application/json")
    assert staff.status_code == 403 and staff.json()["code"] == "applicant_forbidden"
    doc.public = False
    doc.save(update_fields=["public"])
    assert client.get(f"/api/portal/assistant/documents/{doc.pk}").status_code == 404
    hidden = client.post(
        "/api/portal/assistant/ask",
        {"question": "补卡要带什么材料"},
        content_type="application/json",
    ).json()
    assert hidden["refused"] is True and hidden["answers"] == []


def test_staff_are_refused_by_the_applicant_api(client, world, doc):
    login(client, world.operator_a)
    resp = client.post(
        "/api/portal/assistant/ask", {"question": "补卡"}, content_type="application/json"
    )
    assert resp.status_code == 403
    assert client.get(f"/api/portal/assistant/documents/{doc.pk}").status_code == 403
