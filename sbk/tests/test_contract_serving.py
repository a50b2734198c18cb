"""``sbk serve`` (and so ``make run``) serves as production does (issue 23): DEBUG off, a
secret key generated once into var/, static files collected and served by whitenoise,
and a demo login that works over plain http://127.0.0.1. ``--dev`` keeps the debug pages.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from sbk.web.management.commands.serve import (
    bind_host,
    ensure_secret_key,
    is_loopback,
    production_env,
)

ROOT = Path(__file__).resolve().parents[2]
SBK = [sys.executable, "-m", "sbk"]


def test_production_env_for_the_local_demo():
    env = production_env("127.0.0.1:8000", {})
    assert env["DEBUG"] == "0"
    assert set(env["ALLOWED_HOSTS"].split(",")) >= {"127.0.0.1", "localhost"}
    assert env["SBK_SECURE_COOKIES"] == "0"  # plain http on loopback: cookies must come back


def test_production_env_keeps_what_the_operator_set():
    env = production_env("0.0.0.0:80", {"ALLOWED_HOSTS": "sbk.example.cn"})
    assert env == {"DEBUG": "0"}  # Secure cookies stay on off loopback (TLS at the proxy)
    env = production_env("127.0.0.1:8000", {"SBK_SECURE_COOKIES": "1", "DEBUG": "1"})
    assert env["DEBUG"] == "0" and "SBK_SECURE_COOKIES" not in env
    assert production_env("10.1.2.3:8000", {})["ALLOWED_HOSTS"].startswith("10.1.2.3,")


def test_bind_parsing():
    assert bind_host("127.0.0.1:8000") == "127.0.0.1"
    assert bind_host("[::1]:8000") == "[::1]" and is_loopback("[::1]")
    assert bind_host("localhost:80") == "localhost" and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("sbk.example.cn")


def test_secret_key_file_is_made_once_and_private(tmp_path):
    path = tmp_path / "var" / "secret_key"
    assert ensure_secret_key(path) is True
    key = path.read_text()
    assert len(key.strip()) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_secret_key(path) is False and path.read_text() == key


def _settings(env: dict, code: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; " + code,
        ],
        env={**clean, "DJANGO_SETTINGS_MODULE": "sbk.settings", **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_production_settings_read_the_key_file(tmp_path):
    var = tmp_path / "var"
    env = {"SBK_VAR_DIR": str(var), "DEBUG": "0"}
    refused = _settings(env, "print(settings.DEBUG)")
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr
    ensure_secret_key(var / "secret_key")
    code = (
        "print(settings.DEBUG, settings.SECRET_KEY == open(settings.SECRET_KEY_FILE).read().strip(),"
        " settings.SESSION_COOKIE_SECURE, settings.WHITENOISE_USE_FINDERS)"
    )
    done = _settings(env, code)
    assert done.stdout.split() == ["False", "True", "True", "False"], done.stderr
    done = _settings({**env, "SBK_SECURE_COOKIES": "0"}, code)
    assert done.stdout.split() == ["False", "True", "False", "False"], done.stderr


# ------------------------------------------------------------------ the real thing, served
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """``sbk serve`` on a free port, on a throwaway SQLite database holding the test world."""
    var = tmp_path / "var"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SBK_SECURE_COOKIES", "SBK_KEYS_FILE")
    }
    env.update(
        SBK_VAR_DIR=str(var),
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        DJANGO_SETTINGS_MODULE="sbk.settings",
    )
    var.mkdir()

    def sbk(*args):
        done = subprocess.run([*SBK, *args], env=env, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]

    from sbk.core.crypto import KeyRing

    KeyRing.generate().save(var / "keys.json")
    sbk("migrate", "--noinput", "-v0")
    sbk("shell", "-c", "from sbk.testing import World, quick_hashing; quick_hashing(); World()")
    port = _free_port()
    log = open(tmp_path / "serve.log", "w")
    server = subprocess.Popen(
        [*SBK, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/api/ping", timeout=10)
                break
            except OSError:  # not listening yet, or still booting
                assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
                time.sleep(0.25)
        yield base, var
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _get(opener, url):
    try:
        r = opener.open(url, timeout=10)
        return r.status, r.headers, r.read().decode("utf-8", "replace"), r.url
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace"), url


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="serves its own SQLite database: once, in the SQLite pass of make test",
)
def test_served_as_production_with_a_working_demo_login(served):
    base, var = served
    key = var / "secret_key"
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    status, _, page, _ = _get(browser, base + "/no/such/page/")
    assert status == 404 and "not_found" in page
    assert "URLconf" not in page and "people/" not in page  # DEBUG's 404 lists the patterns
    status, headers, body, _ = _get(browser, base + "/api/no/such/thing")
    assert status == 404 and json.loads(body)["code"] == "not_found"

    status, _, page, _ = _get(browser, base + "/login/")
    assert status == 200
    css = re.search(r'href="(/static/[^"]+\.css)"', page).group(1)
    status, headers, _, _ = _get(browser, base + css)
    assert status == 200 and headers["Content-Type"].startswith("text/css")  # whitenoise

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "op_a", "password": "Test-pass-2026"}
    ).encode()
    request = urllib.request.Request(
        base + "/login/", data=form, headers={"Referer": base + "/login/", "Origin": base}
    )
    status, _, page, final = _get(browser, request)
    assert status == 200, page[:2000]
    assert not final.endswith("/login/"), "the session cookie did not come back"
    assert "sessionid" in {c.name for c in jar}
    status, _, page, final = _get(browser, base + "/people/")
    assert status == 200 and "/login/" not in final and "甲某" in page
