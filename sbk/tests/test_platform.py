"""The platform's front doors: the ``sbk`` command and its settings from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sbk.idcard import make_foreign_pr_2017, make_foreign_pr_2023, make_hmt_permit, make_resident15

ROOT = Path(__file__).resolve().parents[2]
SBK = [sys.executable, "-m", "sbk"]


def run(args, env=None, **kw):
    full = {**os.environ, **(env or {})}
    return subprocess.run(
        SBK + args, cwd=ROOT, env=full, capture_output=True, text=True, timeout=120, **kw
    )


def test_id_check_contract():
    import datetime as dt

    numbers = [
        "11010519491231002X",
        " １１０１０５１９４９１２３１００２ｘ ",
        "110105194912310021",
        make_resident15("612501", dt.date(1960, 1, 2), 13),
        make_foreign_pr_2023("31", "840", dt.date(1985, 2, 3), 5),
        make_foreign_pr_2017("USA", "3101", dt.date(1985, 2, 3), 5),
        make_hmt_permit("820000", dt.date(1999, 9, 9), 4),
        "12345",
    ]
    out = run(["id", "check", "--json", *numbers])
    assert out.returncode == 1, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == len(numbers)
    first = lines[0]
    assert set(first) == {
        "number",
        "valid",
        "type",
        "birth_date",
        "gender",
        "division_code",
        "division_name",
        "errors",
    }
    assert first["valid"] and first["type"] == "resident18" and first["gender"] == "F"
    assert first["birth_date"] == "1949-12-31" and first["division_code"] == "110105"
    assert lines[1]["number"] == "11010519491231002X" and lines[1]["valid"]
    assert [e["code"] for e in lines[2]["errors"]] == ["checksum"]
    assert (
        lines[3]["type"] == "resident15" and lines[3]["valid"] and len(lines[3]["upgraded"]) == 18
    )
    assert "upgraded" not in lines[0]
    assert [x["type"] for x in lines[4:7]] == ["foreign_pr_2023", "foreign_pr_2017", "hmt_permit"]
    assert all(x["valid"] for x in lines[4:7])
    assert not lines[7]["valid"] and "length" in {e["code"] for e in lines[7]["errors"]}
    assert all(e["message"] for x in lines for e in x["errors"])
    ok = run(["id", "check", "11010519491231002X"])
    assert ok.returncode == 0 and "有效" in ok.stdout


def test_debug_off_refuses_the_development_secret_key(tmp_path):
    # No key file either: ``sbk serve`` (``make run``) writes var/secret_key, which a
    # checkout that has served the demo has, and which would stand in for the key here.
    missing = str(tmp_path / "no-secret-key")
    out = run(["check"], env={"DEBUG": "0", "SECRET_KEY": "", "SBK_SECRET_KEY_FILE": missing})
    assert out.returncode != 0
    assert "SECRET_KEY" in out.stderr
    env = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "sbk.example"}
    assert run(["id", "check", "11010519491231002X"], env=env).returncode == 0


@pytest.mark.slow
def test_database_url_is_honoured_and_cli_reaches_management_commands(tmp_path):
    db = tmp_path / "x.db"
    keys = tmp_path / "keys.json"
    env = {"DATABASE_URL": f"sqlite:///{db}", "SBK_KEYS_FILE": str(keys)}
    assert run(["keys", "generate", str(keys)], env=env).returncode == 0
    assert run(["keys", "generate", str(keys)], env=env).returncode != 0  # refuses to overwrite
    migrate = run(["migrate", "--noinput", "-v0"], env=env)
    assert migrate.returncode == 0, migrate.stderr
    assert db.exists() and db.stat().st_size > 100_000
    demo = run(["demo", "--people", "40", "--seed", "7"], env=env)
    assert demo.returncode == 0, demo.stderr
    assert "admin" in demo.stdout and "Sbk-demo-2026" in demo.stdout
    orgs = [json.loads(x) for x in run(["orgs", "list", "--json"], env=env).stdout.splitlines()]
    assert {"code", "name", "kind", "division_code", "parent"} == set(orgs[0])
    kinds = {o["kind"] for o in orgs}
    assert {
        "centre",
        "city",
        "district",
        "community_outlet",
        "bank_outlet",
        "kiosk",
        "service_centre",
        "bank",
    } <= kinds
    show = run(["divisions", "show", "612501"], env=env)
    assert show.returncode == 0 and "商州市" in show.stdout and "1988–2001" in show.stdout
    assert run(["divisions", "show", "999999"], env=env).returncode != 0
    verify = run(["audit", "verify"], env=env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    missing = run(["check"], env={**env, "SBK_KEYS_FILE": str(tmp_path / "none.json")})
    assert missing.returncode != 0 and "sbk.E001" in missing.stderr


def test_wsgi_refuses_to_start_without_its_key_file(tmp_path):
    code = "import sbk.wsgi"
    env = {**os.environ, "SBK_KEYS_FILE": str(tmp_path / "missing.json")}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode != 0 and "sbk.E001" in out.stderr
