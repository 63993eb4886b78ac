from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web app with gunicorn on 127.0.0.1 (sync workers; see docs/TARGETS)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        bind = options["bind"]
        self.stdout.write(f"协作 Xiezuo: http://{bind}/  (Ctrl-C 停止)")
        self.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "xiezuo.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--access-logfile",
            "-",
        ]
        os.execv(sys.executable, argv)  # noqa: S606 - replace this process with gunicorn
