"""The `xiezuo` console command: every operation of the platform, as Django management commands.

`xiezuo regions load`, `xiezuo demo`, `xiezuo serve`, `xiezuo migrate` ... all go through here so a
user never needs to know about manage.py or DJANGO_SETTINGS_MODULE.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xiezuo", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
