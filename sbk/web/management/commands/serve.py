"""``sbk serve``: serve as production does (gunicorn, DEBUG off) or, with --dev, Django's
autoreloader with the debug pages.

Without --dev the server runs with ``DEBUG=0`` whatever the environment says: a 500 is
a plain page (JSON under /api/), a 404 names no URL pattern. What production needs and a
developer's checkout lacks is made here, once:

- a secret key in ``SBK_SECRET_KEY_FILE`` (var/secret_key, mode 0600) unless SECRET_KEY
  is set;
- ``ALLOWED_HOSTS`` for the address bound, unless set;
- on a loopback address (the demo, plain http://127.0.0.1), session and CSRF cookies
  without the Secure flag, unless SBK_SECURE_COOKIES is set: a browser or a script would
  not send a Secure cookie back over http, and login would loop;
- the static files collected into STATIC_ROOT, which whitenoise serves compressed.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")


def bind_host(bind: str) -> str:
    """The host part of gunicorn's ``--bind`` (``127.0.0.1:8000``, ``[::1]:8000``, ``:8000``)."""
    if bind.startswith("unix:"):
        return "localhost"
    if bind.startswith("["):
        return bind[: bind.index("]") + 1]
    return bind.rsplit(":", 1)[0] if ":" in bind else bind


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ensure_secret_key(path: Path) -> bool:
    """Create the key file (mode 0600) unless it exists; True when created."""
    if path.is_file() and path.read_text(encoding="ascii").strip():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_urlsafe(50) + "\n")
    os.chmod(path, 0o600)
    return True


def production_env(bind: str, environ) -> dict[str, str]:
    """The environment variables the server process gets on top of ``environ``."""
    env = {"DEBUG": "0"}
    host = bind_host(bind)
    if not environ.get("ALLOWED_HOSTS"):
        names = list(LOCAL_NAMES)
        if host and host not in names and host not in ("0.0.0.0", "[::]"):
            names.insert(0, host)
        env["ALLOWED_HOSTS"] = ",".join(names)
    if not environ.get("SBK_SECURE_COOKIES") and is_loopback(host or "localhost"):
        env["SBK_SECURE_COOKIES"] = "0"
    return env


class Command(BaseCommand):
    help = "启动控制台与 API 服务（默认按生产方式：gunicorn、DEBUG 关闭；--dev 为开发服务器）"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument(
            "--dev",
            action="store_true",
            help="开发服务器：代码修改后自动重载，保留调试页面（DEBUG 按环境，默认开启）",
        )

    def handle(self, *args, **opts):
        if opts["dev"]:
            call_command("runserver", opts["bind"])
            return
        env = production_env(opts["bind"], os.environ)
        if not os.environ.get("SECRET_KEY") and ensure_secret_key(settings.SECRET_KEY_FILE):
            self.stdout.write(f"已生成密钥文件 {settings.SECRET_KEY_FILE}（权限 0600）")
        call_command("collectstatic", interactive=False, verbosity=0)
        if bind_host(opts["bind"]) in ("0.0.0.0", "[::]") and "ALLOWED_HOSTS" in env:
            self.stdout.write("提示：对外提供服务时请设置 ALLOWED_HOSTS（本机名称之外的主机名）")
        os.environ.update(env)
        argv = [
            "gunicorn",
            "sbk.wsgi:application",
            "--bind",
            opts["bind"],
            "--workers",
            str(opts["workers"]),
            "--threads",
            str(opts["threads"]),
            "--access-logfile",
            "-",
        ]
        self.stdout.write(f"sbk 控制台：http://{opts['bind']}/（DEBUG 关闭；开发请用 --dev）")
        self.stdout.flush()
        os.execvp(sys.executable, [sys.executable, "-m", *argv])
