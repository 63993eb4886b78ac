from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from xiezuo.core.commands import XiezuoCommand
from xiezuo.core.errors import UserError
from xiezuo.imports import services
from xiezuo.imports.models import ImportIssue


class Command(XiezuoCommand):
    help = "Import a file through the staged import: check, show the issues, commit with --commit."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("kind", help="what the file holds, e.g. registry")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--commit",
            action="store_true",
            help="write into the database when the check finds no problem",
        )
        parser.add_argument("--show", type=int, default=30, help="how many issues to print")

    def run(self, *args: Any, **options: Any) -> None:
        actor = self.actor(options)
        path: Path = options["file"]
        batch = services.batch_create(
            kind=options["kind"], filename=path.name, source=path, actor=actor
        )

        def progress(pct: int, message: str) -> None:
            bar = "#" * (pct // 5)
            sys.stderr.write(f"\r[{bar:<20}] {pct:3d}% {message}   ")
            sys.stderr.flush()

        started = time.perf_counter()
        batch = services.batch_parse(batch, user=actor, progress=progress)
        checked = time.perf_counter()
        sys.stderr.write("\n")
        self.stdout.write(
            f"批次 {batch.pk}：{batch.message}（检查用时 {checked - started:.1f} 秒）"
        )
        if batch.rows_with_errors:
            for kind in batch.summary.get("problems", []):
                self.stdout.write(f"  {kind['kind']}：{kind['count']} {kind['unit']}")
            for issue in ImportIssue.objects.filter(batch=batch)[: options["show"]]:
                value = f"“{issue.value}”" if issue.value else ""
                self.stdout.write(f"  第 {issue.row} 行 {issue.column} {value}：{issue.message}")
            raise UserError(f"{batch.rows_with_errors} 行有问题，未写入任何数据")
        # The kind words its own preview (imports knows no kind's fields).
        lines = batch.summary.get("preview_text")
        if lines:
            self.stdout.write("预览：")
            for line in lines:
                self.stdout.write(f"  {line}")
        else:
            self.stdout.write(f"共 {batch.rows_read} 行")
        if options["commit"]:
            batch = services.batch_commit(batch, actor=actor)
            done = time.perf_counter()
            rate = batch.rows_read / max(done - started, 1e-9)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{batch.message}（写入用时 {done - checked:.1f} 秒；全程 {rate:,.0f} 行/秒）"
                )
            )
        else:
            self.stdout.write("检查通过；加 --commit 写入")
