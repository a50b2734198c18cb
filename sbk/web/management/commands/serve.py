"""``sbk serve``: the production server (gunicorn) or, with --dev, Django's autoreloader."""

import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动控制台与 API 服务（默认 gunicorn，--dev 使用开发服务器）"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--dev", action="store_true", help="开发服务器，代码修改后自动重载")

    def handle(self, *args, **opts):
        if opts["dev"]:
            call_command("runserver", opts["bind"])
            return
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
        self.stdout.write(f"sbk 控制台：http://{opts['bind']}/")
        self.stdout.flush()
        os.execvp(sys.executable, [sys.executable, "-m", *argv])
