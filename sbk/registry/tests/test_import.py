import csv
import datetime as dt

import pytest
from openpyxl import Workbook

from sbk.core.actors import IMPORTER
from sbk.core.models import AuditEntry
from sbk.idcard import make_resident15, make_resident18
from sbk.registry import importer
from sbk.registry.importer import ImportFileError, import_people
from sbk.registry.models import Person

pytestmark = pytest.mark.django_db

HEADER = ["name", "id_number", "gender", "category", "category_note", "phone", "org_code"]


def write_csv(path, rows, header=HEADER, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def good_rows(n, org="OA1", start=1):
    return [
        [
            "某人" + str(i),
            make_resident18("310112", dt.date(1970, 1, 1) + dt.timedelta(days=i), 2 * i + 1),
            "男",
            "employee",
            "",
            f"1390000{i:04d}",
            org,
        ]
        for i in range(start, start + n)
    ]


def read_report(path):
    with path.open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_valid_file_is_imported_and_audited_once(world, tmp_path):
    f = write_csv(tmp_path / "people.csv", good_rows(30))
    before = Person.objects.count()
    result = import_people(f, acting_user=IMPORTER)
    assert (result.total, result.valid, result.written) == (30, 30, 30)
    assert Person.objects.count() == before + 30
    assert AuditEntry.objects.filter(action="person.import").count() == 1
    assert result.report_path is None and not (tmp_path / "people.csv.errors.csv").exists()
    p = Person.objects.get(name="某人7")
    assert p.phone == "13900000007" and p.phone_masked == "139****0007"


def test_one_bad_row_means_nothing_is_written_and_every_problem_is_reported(world, tmp_path):
    rows = good_rows(5)
    rows[1][1] = rows[1][1][:-1] + ("0" if rows[1][1][-1] != "0" else "1")  # checksum
    rows[3][2] = "女"  # gender mismatch
    rows[4][6] = "NOPE"  # unknown org
    rows.append(list(rows[0]))  # duplicate in file
    f = write_csv(tmp_path / "p.csv", rows)
    before = Person.objects.count()
    result = import_people(f, acting_user=IMPORTER)
    assert result.written == 0 and Person.objects.count() == before
    report = read_report(tmp_path / "p.csv.errors.csv")
    found = {(r["row"], r["field"], r["code"]) for r in report}
    assert ("3", "id_number", "checksum") in found
    assert ("5", "gender", "gender_mismatch") in found
    assert ("6", "org_code", "org") in found
    assert ("7", "id_number", "duplicate_in_file") in found
    assert all(r["message"] for r in report)


def test_valid_only_writes_the_good_rows(world, tmp_path):
    rows = good_rows(4)
    rows[2][3] = "nobody"
    f = write_csv(tmp_path / "p.csv", rows)
    result = import_people(f, valid_only=True, acting_user=IMPORTER)
    assert (result.written, result.rejected_rows) == (3, 1)
    assert not Person.objects.filter(name="某人3").exists()


def test_dry_run_writes_nothing(world, tmp_path):
    f = write_csv(tmp_path / "p.csv", good_rows(3))
    result = import_people(f, dry_run=True, acting_user=IMPORTER)
    assert result.valid == 3 and result.written == 0
    assert not Person.objects.filter(name__startswith="某人").exists()


def test_existing_person_is_a_duplicate(world, tmp_path):
    rows = good_rows(1)
    rows[0][1] = world.person_a.id_number
    result = import_people(write_csv(tmp_path / "p.csv", rows), acting_user=IMPORTER)
    assert result.errors[0].code == "duplicate"


def test_fifteen_digit_numbers_and_chinese_headers_in_gb18030(world, tmp_path):
    header = ["姓名", "公民身份号码", "人员类别", "经办机构代码"]
    rows = [["老号", make_resident15("310112", dt.date(1950, 2, 3), 12), "城乡居民", "OA1"]]
    result = import_people(
        write_csv(tmp_path / "gb.csv", rows, header, encoding="gb18030"), acting_user=IMPORTER
    )
    assert result.written == 1, result.errors
    p = Person.objects.get(name="老号")
    assert len(p.id_number) == 18 and p.category == "resident"


def test_xlsx(world, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in good_rows(3):
        ws.append(r)
    wb.save(tmp_path / "p.xlsx")
    assert import_people(tmp_path / "p.xlsx", acting_user=IMPORTER).written == 3


def test_bad_header_is_refused(world, tmp_path):
    f = write_csv(tmp_path / "p.csv", [["x"]], header=["name", "shoe_size"])
    with pytest.raises(ImportFileError) as exc:
        import_people(f, acting_user=IMPORTER)
    assert exc.value.code == "header"


def test_a_crash_halfway_leaves_nothing(world, tmp_path, monkeypatch, settings):
    settings.SBK_IMPORT_BATCH = 10
    f = write_csv(tmp_path / "p.csv", good_rows(35))
    calls = {"n": 0}
    real = importer.actions.record

    def boom(*args, **kwargs):
        calls["n"] += 1
        raise RuntimeError("power cut")

    monkeypatch.setattr(importer.actions, "record", boom)
    before = Person.objects.count()
    with pytest.raises(RuntimeError):
        import_people(f, acting_user=IMPORTER)
    assert calls["n"] == 1
    assert Person.objects.count() == before
    monkeypatch.setattr(importer.actions, "record", real)
    assert import_people(f, acting_user=IMPORTER).written == 35


def test_an_out_of_scope_duplicate_is_a_logged_look_up_that_names_nowhere(world, tmp_path):
    from sbk.core.models import AccessLog

    other = world.person_b  # registered in district B
    header = ["name", "id_number", "category", "org_code"]
    rows = [[other.name, other.id_number, "employee", "OA1"]]
    result = import_people(
        write_csv(tmp_path / "p.csv", rows, header), acting_user=world.admin_a, dry_run=True
    )
    assert [(e.code, e.row) for e in result.errors] == [("registered_elsewhere", 2)]
    assert "OB1" not in result.errors[0].message and "B网点" not in result.errors[0].message
    log = AccessLog.objects.get(object_id=str(other.pk))
    assert log.username == "admin_a"
    own = [["甲某", world.person_a.id_number, "employee", "OA1"]]
    result = import_people(write_csv(tmp_path / "q.csv", own, header), acting_user=world.admin_a)
    assert [e.code for e in result.errors] == ["duplicate"]
