"""`xiezuo snapshot export [--out DIR]`: the data verification reads, as Parquet files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xiezuo.analytics import snapshot
from xiezuo.analytics.jobs import default_snapshot_dir
from xiezuo.core.commands import XiezuoCommand


class Command(XiezuoCommand):
    help = "Snapshot: export the registry, regions, pairings, records and people served."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write the snapshot as Parquet files")
        export.add_argument("--out", type=Path, help="directory (default: var/snapshot)")

    def run(self, *args: Any, **options: Any) -> None:
        out = options.get("out") or default_snapshot_dir()

        def progress(table: str, rows: int) -> None:
            self.stderr.write(f"{table}: {rows:,}")

        manifest = snapshot.export(out, progress=progress)
        for table, rows in manifest.rows.items():
            self.stdout.write(f"{table}.parquet\t{rows:,} 行")
        self.stdout.write(f"快照（格式版本 {manifest.version}）已写入 {out}")
