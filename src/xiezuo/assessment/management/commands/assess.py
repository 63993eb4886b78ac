"""`xiezuo assess run --year Y [--engine duckdb|spark] [--snapshot DIR]`: 年度考核计算."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xiezuo.assessment import services
from xiezuo.core.commands import XiezuoCommand


class Command(XiezuoCommand):
    help = "Assessment: score every assessed unit of a year."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="compute a year's assessment for every unit")
        run.add_argument("--year", type=int, required=True)
        run.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
        run.add_argument("--snapshot", type=Path, help="read this snapshot instead of exporting")
        run.add_argument(
            "--background", action="store_true", help="queue for the worker and return"
        )

    def run(self, *args: Any, **options: Any) -> None:
        actor = self.actor(options)
        if options["background"]:
            queued = services.run_submit(
                actor=actor, year=options["year"], engine=options["engine"]
            )
            self.stdout.write(f"考核计算 #{queued.pk} 已排队")
            return
        run = services.run_create(actor=actor, year=options["year"], engine=options["engine"])
        try:
            run = services.run_execute(run, snapshot_dir=options.get("snapshot"))
        except Exception as exc:
            services.run_fail(run.pk, str(exc))
            raise
        self.stdout.write(
            f"{run.year} 年考核计算 #{run.pk}（{run.engine}，{run.seconds} 秒）："
            f"{run.results.count()} 个单位"
        )
        for r in run.results.order_by("side", "rank"):
            veto = f"（{r.veto}）" if r.veto else ""
            self.stdout.write(
                f"  {r.get_side_display()} 第 {r.rank}/{r.peers} 名 {r.unit_name}（{r.unit_code}）"
                f" {r.total} 分 {r.grade}{veto}"
            )
