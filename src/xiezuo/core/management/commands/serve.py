from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Serve the web app with gunicorn on 127.0.0.1 (sync workers, see TARGETS) and run the "
        "background worker for imports beside it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start the background worker (run one elsewhere)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bind = options["bind"]
        processes: list[subprocess.Popen[bytes]] = []
        if not options["no_worker"]:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "xiezuo.cli",
                        "db_worker",
                        "--interval",
                        "0.5",
                        "--no-reload",
                    ]
                )
            )
        processes.append(
            subprocess.Popen(  # noqa: S603
                [
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
            )
        )
        self.stdout.write(f"协作 Xiezuo: http://{bind}/  (Ctrl-C 停止)")
        self.stdout.flush()

        def stop(*_: Any) -> None:
            for process in processes:
                process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            # If either one ends, stop the other: a web app without its worker would leave
            # uploads waiting forever.
            while all(p.poll() is None for p in processes):
                try:
                    processes[-1].wait(timeout=1)
                except subprocess.TimeoutExpired:
                    continue
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in processes:
                process.wait(timeout=10)
