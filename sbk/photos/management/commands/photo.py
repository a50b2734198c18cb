"""``sbk photo check FILE... [--json] [--id NUMBER --name NAME]`` and
``sbk photo fix IN OUT [--id NUMBER --name NAME]``.

A thin door to :mod:`sbk.photos.cli`: the arguments after ``check``/``fix`` go through
unchanged and the process exits with the CLI's code (0 pass, 1 fail, 2 bad arguments).
No database and no key file are needed; the thresholds are ``SBK_PHOTO_RULES`` unless
``--rules FILE`` is given.
"""

from __future__ import annotations

import argparse
import sys

from django.core.management.base import BaseCommand

USAGE = (
    "usage: sbk photo check FILE... [--json] [--id NUMBER --name NAME] [--rules R.json]"
    " [--annotate DIR]\n"
    "       sbk photo fix IN OUT [--id NUMBER --name NAME] [--rules R.json] [--json]\n"
)


def _run(argv: list[str], stdout) -> int:
    from sbk.photos.cli import check_main, fix_main
    from sbk.photos.config import current_rules

    if not argv or argv[0] in ("-h", "--help", "help"):
        (stdout if argv else sys.stderr).write(USAGE)
        return 0 if argv else 2
    action, rest = argv[0], list(argv[1:])
    if action == "check":
        return check_main(rest, stdout, rules=current_rules())
    if action == "fix":
        return fix_main(rest, stdout, rules=current_rules())
    sys.stderr.write(f"sbk photo: unknown action {action!r}\n{USAGE}")
    return 2


class Command(BaseCommand):
    help = "证件照检测：check 检测照片是否合规（--json 每行一个结果）；fix 自动生成合格照片"
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("args", nargs=argparse.REMAINDER, help="check FILE... | fix IN OUT")

    def run_from_argv(self, argv):
        # argv = ["sbk", "photo", ...]: hand everything after "photo" to the CLI as is,
        # so its own options (--json, --id, --name, --rules) never meet Django's parser.
        raise SystemExit(_run(list(argv[2:]), sys.stdout))

    def handle(self, *args, **options):  # call_command("photo", "check", path, "--json")
        code = _run([str(a) for a in args], self.stdout)
        if code:
            raise SystemExit(code)
