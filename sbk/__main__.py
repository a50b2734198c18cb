"""The ``sbk`` console script: the one front door for operators and scripts.

Every Django management command is reachable (``sbk migrate``, ``sbk createsuperuser``)
next to sbk's own (``sbk id check``, ``sbk registry import``, ``sbk demo``, ``sbk serve``).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sbk.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["sbk", *argv])
    args[0] = "sbk"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
